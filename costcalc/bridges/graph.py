"""A design as the exporters see it: its layers and merges in the order of evaluation, each reading
named tensors and writing the one named by its path.

The walk is `device.traffic.dataflow`'s (unfused), so every exporter follows the spec's tensors as
the memory figures do: a layer reads the row before it or its `from:` tensor, a merge every branch's
output (an empty branch's is the branches' input) or its named tensors.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

from ..count.engine import DesignResult, Row
from ..device.traffic import dataflow
from ..errors import CostcalcError
from ..model.ops import Pool, Shape

INPUT = "input"


@dataclass(frozen=True, slots=True)
class Node:
    """One layer or merge: the row it prices, the tensors it reads and the one it writes (its path)."""

    row: Row
    inputs: tuple[str, ...]
    output: str


@dataclass(frozen=True, slots=True)
class Graph:
    """A design's nodes over named tensors; `input` is the network input's name, `output` the result's."""

    name: str
    input: str
    input_shape: Shape
    nodes: tuple[Node, ...]
    output: str
    output_shape: Shape
    shapes: dict[str, Shape]
    """Every tensor's shape (costcalc's, channels last), by name."""
    outputs: dict[str, str]
    """For a design that names its outputs (`outputs:`), each one's name → its tensor's; else empty."""


def graph(design: DesignResult) -> Graph:
    """The design as nodes; the input is called `input` (or `input~`… where a row's path is `input`)."""
    flow = dataflow(design)
    paths = {step.row.path for step in flow.steps}
    start = INPUT
    while start in paths:
        start += "~"
    names, shapes, nodes = {0: start}, {start: design.input}, []
    for step in flow.steps:
        if not getattr(step.row.op, "exported", True):
            raise CostcalcError(f"{step.row.path} ({step.row.kind}): export has no form for {step.row.kind} yet; "
                                "report, explain and draw count it", step.row.where)
        names[step.tensor], shapes[step.row.path] = step.row.path, step.row.output
        nodes.append(Node(step.row, tuple(names[t] for t in step.reads), step.row.path))
    outputs = {name: names[tensor] for name, tensor in zip(design.outputs, flow.outputs)}
    return Graph(design.name, start, design.input, tuple(nodes), names[flow.outputs[0]], design.output, shapes,
                 outputs)


def returned(design: Graph, tensors: dict[str, str]) -> str:
    """What a code export returns (forward, build's model): the last tensor, or a dict of the named outputs, in
    their order."""
    if not design.outputs:
        return tensors[design.output]
    return "{" + ", ".join(f"{name!r}: {tensors[tensor]}" for name, tensor in design.outputs.items()) + "}"


def identifier(text: str, taken: set[str]) -> str:
    """A Python identifier for a path (`3a/5x5/conv2` → `_3a_5x5_conv2`, `class` → `class_`), unique among `taken`,
    which it joins."""
    name = re.sub(r"\W+", "_", text, flags=re.ASCII) or "_"
    if name[0].isdigit() or name.startswith("__"):  # no digit first, and no name that Python would mangle
        name = "_" + name.lstrip("_")
    if keyword.iskeyword(name):
        name += "_"
    return unique(name, taken, "_")


def unique(name: str, taken: set[str], separator: str) -> str:
    """`name`, or `name{separator}2`, 3… where it is taken; it joins `taken`."""
    found, n = name, 1
    while found in taken:
        n += 1
        found = f"{name}{separator}{n}"
    taken.add(found)
    return found


class CodeWriter:
    """What the code exporters share: a Python name for each tensor (`x` the input), the lines written, and the
    helper classes the code needs."""

    def __init__(self, design: Graph, reserved: set[str]):
        self.taken = {"x", "TITLE", "INPUT", "PATHS", *reserved}
        self.tensors = {design.input: "x"}
        self.shapes = design.shapes
        self.lines: list[str] = []
        self.paths: dict[str, str] = {}
        self.helpers: set[str] = set()

    def named(self, node: Node) -> tuple[str, list[str]]:
        """The node's output's Python name, and those of its inputs."""
        name = identifier(node.output, self.taken)
        self.paths[name] = node.output
        inputs = [self.tensors[x] for x in node.inputs]
        self.tensors[node.output] = name
        return name, inputs

    def header(self, title: str, example) -> list[str]:
        """TITLE, INPUT and PATHS, as Python literals."""
        return [f"TITLE = {title!r}", f"INPUT = {example!r}",
                "PATHS = {" + "".join(f"\n    {name!r}: {path!r}," for name, path in self.paths.items()) + "\n}"]


def pads(shape: Shape, kernel, stride, dilation, padding) -> list[int]:
    """A window's padding as ONNX writes it, [top, left, bottom, right]; `same` as Keras pads, the smaller half
    first."""
    if padding != "same":
        top, bottom, left, right = padding
        return [top, left, bottom, right]
    sides = []
    for size, k, s, d in zip(shape[:2], kernel, stride, dilation):
        total = max((-(-size // s) - 1) * s + d * (k - 1) + 1 - size, 0)
        sides.append((total // 2, total - total // 2))
    (top, bottom), (left, right) = sides
    return [top, left, bottom, right]


def pool_pads(row: Row) -> list[int]:
    """A pool's padding; PyTorch's ceil_mode as the padding after that gives its size (ONNX's ceil_mode keeps a last
    window that starts in the padding, which PyTorch drops; Keras has no ceil_mode)."""
    op = row.op
    assert isinstance(op, Pool), "a pool's row"
    stride = op.stride or op.size
    found = pads(row.input, op.size, stride, (1, 1), op.padding)
    if op.ceil_mode and op.padding != "same":
        for axis in (0, 1):
            found[axis + 2] = max(0,
                                  (row.output[axis] - 1) * stride[axis] + op.size[axis] - row.input[axis] - found[axis])
    return found


def call(function: str, *positional, defaults: dict, **keywords) -> str:
    """The text of `function(...)`, keywords equal to their `defaults` left out, a square pair [n, n] written n."""

    def value(v):
        square = isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], int) and v[0] == v[1]
        return v[0] if square else v

    given = [repr(value(v)) for v in positional]
    given += [f"{k}={value(v)!r}" for k, v in keywords.items() if k not in defaults or defaults[k] != value(v)]
    return f"{function}({', '.join(given)})"
