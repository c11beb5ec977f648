"""`costcalc import MODEL.onnx`: an ONNX graph as a spec that reproduces it.

The graph is walked once, in its (topological) order. A node on constants only is worked
out (shape arithmetic); a node on activations becomes a spec layer, a merge, or nothing
(a transpose, a reshape that only renames axes). Each activation remembers which spec tensor
it is and what each of its ONNX axes holds (`perm`: the batch `N`, a unit axis `U`, or the
spec axis, channels last), so that NCHW and NHWC, and the transposes around a LayerNorm,
need no layers of their own. A node costcalc cannot express is refused, never priced as zero:
the walk goes on past it (its outputs unknown) to count how many more there are.
"""

from __future__ import annotations

import functools
import inspect
import os
from dataclasses import dataclass

from ..errors import CostcalcError
from ..safe import brief
from .onnx_graph import FOLDS, Const, attribute_const, attributes, fold, read_model, tensor_const
from .spec_writer import INPUT, Imported, ImportRefusal, SpecBuilder, safe_name

ONNX_DOMAINS = ("", "ai.onnx")
SPLIT_REFUSAL = ("slices an activation along an axis other than the channels, or with a step, which costcalc cannot "
                 "express")


@dataclass(frozen=True, slots=True)
class Act:
    """An activation: the spec tensor it is, and what each ONNX axis holds."""

    tensor: int
    perm: tuple


NCHW = ("N", 2, 0, 1)


class OnnxImporter:
    """One walk over a graph, building the spec."""

    def __init__(self, model):
        graph = model.graph
        self.opset = next((o.version for o in model.opset_import if o.domain in ONNX_DOMAINS), 1)
        self.values: dict[str, Act | Const] = {}
        self.weights: dict[str, int] = {}
        self.refusals: list[tuple[object, str]] = []
        self.unknown: set[str] = set()
        self.done: set[int] = set()
        self.consumers: dict[str, list] = {}
        self.producers = {name: node for node in graph.node for name in node.output}
        for node in graph.node:
            for name in node.input:
                self.consumers.setdefault(name, []).append(node)
        self.outputs = [o.name for o in graph.output]
        for tensor in graph.initializer:
            self.values[tensor.name] = tensor_const(tensor, tensor.name)
        self.batch = 1
        self.builder = self.read_inputs([i for i in graph.input if i.name not in self.values])

    # --- inputs ---

    def read_inputs(self, inputs) -> SpecBuilder:
        """The first input that is not an initializer is the data; the others are weights without values
        (a file exported with export_params=False)."""
        if not inputs:
            raise ImportRefusal("the graph has no input")
        data, *weights = inputs
        for weight in weights:
            dims = dims_of(weight)
            if any(d is None for d in dims):
                raise ImportRefusal(f"the graph input {brief(weight.name)} has no fixed shape; a model has one input, "
                                    "its other graph inputs are weights of known shape")
            self.values[weight.name] = Const(tuple(d for d in dims if d is not None), weight=weight.name)
        dims = dims_of(data)
        if len(dims) not in (2, 4) or any(d is None for d in dims[1:]):
            raise ImportRefusal(f"the input {brief(data.name)} is {shape_text(dims)}; costcalc imports an image "
                                "[N, C, H, W] (or [N, H, W, C]) or a vector [N, F] of fixed size")
        self.batch = dims[0] or 1
        sizes = [d for d in dims[1:] if d is not None]  # every one, as checked above
        if len(dims) == 2:
            self.values[data.name] = Act(INPUT, ("N", 0))
            return SpecBuilder((sizes[0],))
        users = self.consumers.get(data.name, [])
        if (len(users) == 1 and users[0].op_type == "Transpose"
                and list(attributes(users[0]).get("perm", ())) == [0, 3, 1, 2]):
            self.values[data.name] = Act(INPUT, ("N", 0, 1, 2))  # channels last, as tf2onnx exports Keras
            return SpecBuilder((sizes[0], sizes[1], sizes[2]))
        self.values[data.name] = Act(INPUT, NCHW)
        return SpecBuilder((sizes[1], sizes[2], sizes[0]))

    # --- the walk ---

    def walk(self, nodes) -> None:
        for node in nodes:
            if id(node) in self.done:
                continue
            if any(name in self.unknown for name in node.input):  # past a refusal: count the refusals still to come
                self.unknown.update(node.output)
                if node.op_type not in (*HANDLERS, *FOLDS, "Constant", "Shape"):
                    self.refusals.append((node, "is an operator costcalc cannot express"))
                continue
            try:
                self.visit(node)
            except ImportRefusal as refusal:
                self.refusals.append((node, str(refusal)))
                self.unknown.update(node.output)
            except (KeyError, IndexError, TypeError, ValueError, ArithmeticError) as exc:  # a file no checker passed
                self.refusals.append((node, f"is not as ONNX defines a {node.op_type} ({type(exc).__name__}: {exc})"))
                self.unknown.update(node.output)

    def visit(self, node) -> None:
        if node.domain not in ONNX_DOMAINS:
            raise ImportRefusal(f"is an operator of the domain {brief(node.domain)}, not standard ONNX")
        self.check_inputs(node)
        inputs = [self.value(name) for name in node.input]
        present = [value for value in inputs if value is not None]
        marker = next((value for value in present if isinstance(value, MARKERS)), None)
        if marker is not None and node.op_type not in marker.READERS:
            raise ImportRefusal(f"reads {marker.WHAT}, which costcalc cannot express")
        if node.op_type == "Constant":
            result = attribute_const(node)
        elif node.op_type in ("Shape", "Size"):
            result = shape_of(node, inputs[0].shape if isinstance(inputs[0], Const) else self.onnx_shape(inputs[0]))
        elif present and all(isinstance(value, Const) for value in present) and (
                node.op_type in FOLDS or node.op_type not in HANDLERS):
            result = inputs[0] if node.op_type == "Identity" else fold(node, inputs)
        elif node.op_type in HANDLERS:
            if isinstance(inputs[0], Const) and node.op_type not in EITHER_FIRST:
                raise ImportRefusal("reads a constant where costcalc expects the activation")
            for needed, value, name in zip(constant_inputs(HANDLERS[node.op_type]), inputs, node.input):
                if needed and isinstance(value, Act):
                    raise ImportRefusal(f"takes {brief(name)} from the activations (a value the model computes as it "
                                        "runs), which costcalc cannot express")
            result = HANDLERS[node.op_type](self, node, *inputs)
        else:
            raise ImportRefusal("is an operator costcalc cannot express")
        for extra in node.output[1:]:  # a handler of several outputs (Split) gives their values itself
            if extra and extra not in self.values and (extra in self.consumers or extra in self.outputs):
                raise ImportRefusal(f"has its output {brief(extra)} read, which costcalc cannot express "
                                    "(only the first output of an operator)")
        self.values[node.output[0]] = result

    def check_inputs(self, node) -> None:
        """Refuse a node given more or fewer inputs than its operator takes at the model's opset."""
        from onnx.defs import SchemaError, get_schema

        try:
            schema = get_schema(node.op_type, self.opset, "")
        except SchemaError:
            return  # an operator ONNX does not know: refused further on by name
        given = len(node.input)
        if not schema.min_input <= given <= schema.max_input:
            low, high = schema.min_input, schema.max_input
            takes = f"{low}" if low == high else f"at least {low}" if high > 1000 else f"{low} to {high}"
            raise ImportRefusal(f"has {given} input{'s' if given != 1 else ''}, where ONNX's {node.op_type} (opset "
                                f"{self.opset}) takes {takes}")

    def value(self, name: str):
        if not name:
            return None
        if name not in self.values:
            raise ImportRefusal(f"reads {brief(name)}, which no node, initializer or input gives")
        return self.values[name]

    # --- helpers for handlers ---

    def shape(self, act: Act) -> tuple:
        return self.builder.shape(act.tensor)

    def onnx_shape(self, act: Act) -> list[int]:
        shape = self.shape(act)
        return [self.batch if p == "N" else 1 if p == "U" else shape[p] for p in act.perm]

    def image(self, act: Act) -> None:
        """Refuse an activation that is not [N, C, H, W] over a spec [H, W, C]."""
        if act.perm != NCHW:
            raise ImportRefusal(f"reads a tensor of {shape_text(self.onnx_shape(act))} where costcalc expects "
                                "an image [N, C, H, W]")

    def channel_axis(self, act: Act, axis: int) -> None:
        """Refuse an operator over an axis that is not the channels."""
        axis = axis + len(act.perm) if axis < 0 else axis
        if not 0 <= axis < len(act.perm) or act.perm[axis] != len(self.shape(act)) - 1:
            raise ImportRefusal(f"works along axis {axis} of {shape_text(self.onnx_shape(act))}, not along the "
                                "channels, which costcalc cannot express")

    def use(self, name: str, const: Const | None) -> bool:
        """Count a weight tensor among the model's parameters; whether it is there."""
        if const is None:
            return False
        if not isinstance(const, Const):
            raise ImportRefusal(f"reads the activation {brief(name)} where weights belong, "
                                "which costcalc cannot express")
        self.weights[name] = const.size
        return True

    def add(self, kind: str, options: dict, node, source: Act, perm=None) -> Act:
        try:
            tensor = self.builder.layer(kind, options, layer_name(node), source.tensor)
        except ImportRefusal as refusal:
            raise ImportRefusal(f"cannot be written {refusal}") from None
        return Act(tensor, source.perm if perm is None else perm)

    def merge(self, kind: str, node, acts: list[Act], perm) -> Act:
        try:
            tensor = self.builder.merge(kind, tuple(a.tensor for a in acts), layer_name(node))
        except ImportRefusal as refusal:
            raise ImportRefusal(f"cannot be written {refusal}") from None
        return Act(tensor, perm)

    def only_reader(self, name: str, op_type: str):
        """The one node that reads `name`, when it is an `op_type` and the name is no graph output."""
        readers = self.consumers.get(name, [])
        if len(readers) == 1 and readers[0].op_type == op_type and name not in self.outputs:
            return readers[0]
        return None

    # --- the result ---

    def result(self, filename: str) -> Imported:
        if self.refusals:
            raise refusal_error(filename, self.refusals)
        if not self.outputs:
            raise CostcalcError(f"{filename}: the model has no output")
        ends = {name: self.values.get(name) for name in self.outputs}
        for name, out in ends.items():
            if not isinstance(out, Act) or out.tensor == INPUT:
                which = "model's output" if len(ends) == 1 else f"output {brief(name)}"
                raise CostcalcError(f"{filename}: the {which} is not computed by any layer costcalc counts")
        tensors = [out.tensor for out in ends.values()]  # type: ignore[union-attr]
        if len(set(tensors)) < len(tensors):
            raise CostcalcError(f"{filename}: two of the model's outputs are the same tensor; a spec names each once")
        if len(tensors) > 1:
            self.builder.outputs = dict(zip(tensors, ends))
        elif tensors[0] != len(self.builder.items) - 1:
            self.builder.layer("dropout", {}, "output", tensors[0])  # a layer of no cost, so the design ends there
        title = safe_name(os.path.splitext(os.path.basename(filename))[0]) or "model"
        params, layers = sum(self.weights.values()), len(self.builder.items)
        header = [f"Imported by costcalc import from {title}.onnx: {Imported('', params, layers).summary} in the file."]
        return Imported(self.builder.text(header, title), params, layers)


def shape_of(node, dims) -> Const:
    """The value of a Shape (or Size) node on a tensor of shape `dims`."""
    import numpy as np

    dims = np.array(dims, dtype=np.int64)
    if node.op_type == "Size":
        return Const((), np.array(int(dims.prod()), dtype=np.int64))
    attrs = attributes(node)
    dims = dims[attrs.get("start", 0):attrs.get("end", len(dims))]
    return Const(dims.shape, dims)


def dims_of(value_info) -> list[int | None]:
    tensor = value_info.type.tensor_type
    return [d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim]


def shape_text(dims) -> str:
    return "[" + ", ".join("?" if d is None else str(d) for d in dims) + "]"


def layer_name(node) -> str | None:
    """The node's name as a spec name: the module's path where the exporter wrote one, without a last part that only
    repeats the operator (`/layer1/layer1.0/conv1/Conv` → layer1.0.conv1)."""
    parts = node.name.strip("/").split("/")
    if len(parts) > 1 and parts[-1] == node.op_type:
        parts.pop()
    path: list[str] = []
    # the TorchScript exporter's scopes: /layer2/layer2.0/downsample/downsample.0 → layer2.0.downsample.0
    for part in parts:
        if path and part.startswith(path[-1] + "."):
            path[-1] = part
        else:
            path.append(part)
    return safe_name(".".join(path))


@functools.cache
def constant_inputs(handler) -> tuple[bool, ...]:
    """For each input a handler takes, whether it must be a constant (annotated `Const`, not `Act`): a Reshape's
    shape, a Pad's pads."""
    parameters = list(inspect.signature(handler).parameters.values())[2:]
    return tuple(p.kind is p.POSITIONAL_OR_KEYWORD and "Const" in str(p.annotation) and "Act" not in str(p.annotation)
                 for p in parameters)


def refusal_error(filename: str, refusals) -> CostcalcError:
    node, reason = refusals[0]
    name = f"node {brief(node.name)}" if node.name else "an unnamed node"
    message = f"{filename}: cannot import {name} ({node.op_type}): it {reason}"
    if len(refusals) > 1:
        kinds: dict[str, int] = {}
        for other, _ in refusals[1:]:
            kinds[other.op_type] = kinds.get(other.op_type, 0) + 1
        listed = ", ".join(f"{kind} ×{n}" for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1]))
        message += f"; and {len(refusals) - 1} more node{'s' if len(refusals) > 2 else ''} ({listed})"
    return CostcalcError(message)


def import_onnx(path: str, shown: str | None = None) -> Imported:
    """The spec text that reproduces the ONNX model at `path`, checked by the spec reader and the engine; errors
    and the spec's name say `shown` (a model exported to a temporary file) where given."""
    try:
        import onnx  # noqa: F401
    except ImportError:
        raise CostcalcError("reading ONNX needs the onnx package: pip install 'costcalc[onnx]'") from None
    model = read_model(path)
    shown = shown or path
    try:
        importer = OnnxImporter(model)
    except ImportRefusal as refusal:
        raise CostcalcError(f"{shown}: cannot import: {refusal}") from None
    importer.walk(model.graph.node)
    return checked(importer.result(shown), shown)


def checked(imported: Imported, path: str) -> Imported:
    """`imported`, once the spec reader has read it and the engine counted the file's parameters."""
    from ..count.engine import analyze
    from ..spec.reader import loads

    analysis = analyze(loads(imported.text, path + ".yaml"))
    counted = analysis.designs[0].total.params
    if counted != imported.params:
        raise CostcalcError(f"{path}: the imported spec counts {counted:,} parameters where the file holds "
                            f"{imported.params:,}; a weight shared by two layers, or a bug: please report it")
    return imported


from .onnx_ops import EITHER_FIRST, HANDLERS, MARKERS  # noqa: E402  the handlers use the importer's helpers above
