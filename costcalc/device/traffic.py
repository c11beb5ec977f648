"""Bytes each layer moves, and the activation memory that is live while it runs.

A design's rows become a dataflow of steps in the spec's order of evaluation: each layer or
merge reads its input tensors (a layer its one input; a merge every branch's output, which
for an empty branch is the branches' input) and the weights it holds, and writes one new
tensor. Unfused (the default), every layer does so. Fused, a batchnorm or activation layer
right after a conv, depthwise, separable or dense layer in the same sequence (or after one
already folded into it) is folded into that layer, as inference engines do: it reads and
writes nothing and its tensor is the host's; the host reads the folded batchnorm as a bias
(its output channels) when it had none of its own. Where the device's runtime is onnxruntime
(`fold_adds`), folding follows what it fuses: an add of branches folds into the conv that ran last
among them, if that conv wrote one of the add's inputs (the conv reads the other inputs as well and
writes the sum, and an activation after the add folds into it in turn), and of the activations only
those onnxruntime fuses into a conv fold into one (ORT_CONV_ACTIVATIONS; a SiLU or GELU after a conv
runs as a layer of its own), or into a dense layer on a vector
(ORT_GEMM_ACTIVATIONS, no batchnorm), or into a batchnorm that no conv took, on channels the
layout's block divides (onnxruntime runs it as a conv); a zero padding right before a conv folds
too (the conv pads its input as it reads it: onnxruntime's pad fusion, Keras's ZeroPadding2D
before a valid conv).

A layer, block or branches with `from:` reads that named tensor instead of the row before it,
and a merge of named tensors reads each of them; nothing folds into a layer whose output is
named (`as:`), since a later layer reads that very tensor. A tensor is live from the step
that writes it to the last step that reads it (named tensors included); the network input
from the start until its last reader; the design's output (each of its named outputs) until the
end. A step's live memory counts every tensor live while it runs: what it reads, what it writes,
and what waits for a later step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from operator import add

from ..count.engine import DesignResult, Row, child_indices
from ..model.ops import Op, numel
from ..model.tree import INPUT

FUSABLE_HOSTS = ("conv", "dense")
FOLDABLE = ("batchnorm", "activation")
ADD_HOSTS = ("conv",)
"""The layers an add folds into where the runtime folds adds (onnxruntime's fused Conv with a sum)."""
ORT_CONV_ACTIVATIONS = ("relu", "relu6", "sigmoid", "hsigmoid", "hswish", "leaky_relu", "tanh")
"""The activations onnxruntime 1.32 fuses into the conv before them, or into a dense layer on a feature map, which
the export writes as a 1×1 conv (its profile: one Conv node; a hardswish too, except as the graph's last node,
where it stays HardSigmoid and Mul; SiLU and swish run as QuickGelu, GELU and ELU as their own nodes)."""
ORT_GEMM_ACTIVATIONS = ("relu", "sigmoid", "hsigmoid", "leaky_relu", "tanh", "elu")
"""The activations onnxruntime 1.32 fuses into a dense layer on a vector (one FusedGemm node); ReLU6 runs as Clip,
a hardswish as HardSigmoid and Mul, and a batchnorm after it as a node of its own."""


@dataclass(frozen=True, slots=True)
class Traffic:
    """Bytes a layer (or a group of them) moves: activations read, weights read, activations written."""

    read: int = 0
    weights: int = 0
    written: int = 0

    @property
    def total(self) -> int:
        return self.read + self.weights + self.written

    def __add__(self, other: Traffic) -> Traffic:
        return Traffic(self.read + other.read, self.weights + other.weights, self.written + other.written)


def intensity(flops: int, traffic: Traffic) -> Fraction | None:
    """Arithmetic intensity, FLOPs per byte moved, exactly; None where nothing moves."""
    return Fraction(flops, traffic.total) if traffic.total else None


@dataclass(slots=True)
class Step:
    """One layer or merge of the dataflow: the tensors it reads and the one it writes (None when folded)."""

    row: Row
    reads: list[int]
    writes: int | None
    weights: int
    folded: bool = False
    bias_folded: bool = False

    @property
    def tensor(self) -> int:
        """The tensor it writes (every step of an unfused flow writes one)."""
        if self.writes is None:
            raise ValueError(f"{self.row.path} is folded into the layer before it: it writes no tensor")
        return self.writes


@dataclass(slots=True)
class Flow:
    """A design as steps over numbered tensors; tensor 0 is the network input."""

    sizes: list[int] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    outputs: list[int] = field(default_factory=list)
    """The tensors the design ends in: its last, or each of its named outputs (`outputs:`)."""
    fold_adds: bool = False
    block: int | None = None
    """onnxruntime's channel block (Device.channel_block), where `fold_adds`; None where not known."""
    readers: dict[int, int] = field(default_factory=dict)
    """How many rows read each named tensor (`as:`) by its name (`from:`), by tensor."""

    def tensor(self, elements: int) -> int:
        self.sizes.append(elements)
        return len(self.sizes) - 1


def dataflow(design: DesignResult, fused: bool = False, fold_adds: bool = False, block: int | None = None) -> Flow:
    """The design's steps and tensors, in the order of evaluation."""
    flow, rows = Flow(fold_adds=fused and fold_adds, block=block), design.rows
    start = flow.tensor(numel(design.input))
    top = [i for i, row in enumerate(rows) if row.depth == 0]
    names = {INPUT: start}
    last, _ = _sequence(flow, rows, top, start, fused, names)
    flow.outputs = [names[name] for name in design.outputs] or [last]
    return flow


def _sequence(flow: Flow, rows, indices: list[int], tensor: int, fused: bool,
              names: dict[str, int]) -> tuple[int, Step | None]:
    """Steps for a sequence of rows from `tensor`; `names` maps named tensors (`as:`, and `input`) to ids.
    Returns the sequence's output tensor and the layer a following batchnorm or activation would fold into."""
    host: Step | None = None
    for i in indices:
        row = rows[i]
        if row.sources and row.role != "merge":  # `from:` reads a named tensor, not the row before
            tensor, host = names[row.sources[0]], None
        if row.role == "layer" and flow.fold_adds and _pads_the_next_conv(rows, indices, i):
            flow.steps.append(Step(row, [], None, 0, folded=True))  # the conv reads its input and pads as it goes
            continue
        if row.role == "layer" and fused and host is not None and _folds(flow, host, row):
            _fold(host, row)
            flow.steps.append(Step(row, [], None, 0, folded=True))
        elif row.role == "layer":
            written = flow.tensor(numel(row.output))
            flow.steps.append(Step(row, [tensor], written, row.cost.params))
            host = flow.steps[-1] if row.op.category in FUSABLE_HOSTS or _runs_as_conv(flow, row) else None
            tensor = written
        elif row.role == "merge":  # a merge of named tensors
            tensor, host = _merge(flow, row, [(names[name], _host_of(flow, names[name])) for name in row.sources])
        elif row.role == "branches":
            kids = child_indices(rows, i)
            ends = [_group(flow, rows, k, tensor, fused, names) for k in kids if rows[k].role != "merge"]
            tensor, host = _merge(flow, next(rows[k] for k in kids if rows[k].role == "merge"), ends)
        else:  # a block: what follows it folds into its last layer as into any other
            tensor, host = _group(flow, rows, i, tensor, fused, names)
        if row.keep:  # named: a later row reads this very tensor, so nothing folds into it
            names[row.keep], host = tensor, None
            flow.readers[tensor] = _readers(rows, i, row.keep)
    return tensor, host


def _folds(flow: Flow, host: Step, row: Row) -> bool:
    """Whether `row` folds into `host`: a batchnorm or activation does; on onnxruntime, only what it fuses: into a
    dense layer on a vector an activation of ORT_GEMM_ACTIVATIONS, into a batchnorm (`_runs_as_conv`) an activation
    of ORT_CONV_ACTIVATIONS, into any other host a batchnorm or such an activation."""
    category, kind = getattr(row.op, "category", ""), getattr(row.op, "kind", "")
    if not flow.fold_adds:
        return category in FOLDABLE
    if len(host.row.output) == 1:  # a dense layer on a vector: a Gemm
        return category == "activation" and kind in ORT_GEMM_ACTIVATIONS
    own = category == "batchnorm" and getattr(host.row.op, "category", "") != "batchnorm"
    return own or category == "activation" and kind in ORT_CONV_ACTIVATIONS


def _runs_as_conv(flow: Flow, row: Row) -> bool:
    """Whether a layer that is no conv runs on onnxruntime as one that activations fuse into: a batchnorm that no
    conv before it took, of an image, on channels its layout's block divides (or any, where the block is not known),
    which its NCHWc transformer makes a depthwise 1×1 Conv (DenseNet's and ResNetV2's batchnorm, ReLU, conv: one
    node `batchnorm3_bn_nchwc` with the ReLU; on 44 channels a BatchNormalization and a Relu)."""
    return (flow.fold_adds and getattr(row.op, "category", "") == "batchnorm" and len(row.output) == 3
            and (flow.block is None or row.output[-1] % flow.block == 0))


def _group(flow: Flow, rows, index: int, tensor: int, fused: bool,
           names: dict[str, int]) -> tuple[int, Step | None]:
    """A block or branch, which reads its own input as `input`."""
    outer = names[INPUT]
    names[INPUT] = tensor
    out = _sequence(flow, rows, child_indices(rows, index), tensor, fused, names)
    names[INPUT] = outer
    return out


def _merge(flow: Flow, row: Row, ends: list[tuple[int, Step | None]]) -> tuple[int, Step | None]:
    """The merge of branches ending at `ends` (tensor, host): folded into the conv that ran last, where the
    flow folds adds and that conv wrote one of the inputs; else a step of its own."""
    reads = [tensor for tensor, _ in ends]
    last = next((step for step in reversed(flow.steps) if not step.folded), None)
    host = next((host for _, host in ends if host is not None and host is last), None)
    if (flow.fold_adds and getattr(row.op, "kind", "") == "add" and host is not None and host.writes is not None
            and getattr(host.row.op, "category", "") in ADD_HOSTS):
        host.reads += [tensor for tensor in reads if tensor != host.writes]
        flow.steps.append(Step(row, [], None, 0, folded=True))
        return host.writes, host
    return _write(flow, row, reads), None


def _pads_the_next_conv(rows, indices: list[int], index: int) -> bool:
    """Whether rows[index] is a zero padding that onnxruntime folds into the conv after it (its pad fusion): the
    conv is the next row of the sequence, and reads the padding's output, which is named for no one else."""
    row, at = rows[index], indices.index(index)
    following = rows[indices[at + 1]] if at + 1 < len(indices) else None
    return (getattr(row.op, "kind", "") == "zeropad" and not row.keep and following is not None
            and following.role == "layer" and not following.sources
            and getattr(following.op, "category", "") in ADD_HOSTS)


def _readers(rows, index: int, name: str) -> int:
    """How many rows after `index` read the tensor it names `name`, until a row names another one so."""
    count = 0
    for row in rows[index + 1:]:
        count += name in row.sources
        if row.keep == name:
            break
    return count


def _host_of(flow: Flow, tensor: int) -> Step | None:
    """The step that ran last, where it wrote the named `tensor` and the merge at hand is the one row to read it
    (a runtime fuses a conv with the add after it only where the add is the conv's one reader); else None."""
    last = next((step for step in reversed(flow.steps) if not step.folded), None)
    return last if last is not None and last.writes == tensor and flow.readers.get(tensor) == 1 else None


def _write(flow: Flow, row: Row, reads: list[int]) -> int:
    """A merge's step: it reads `reads` and writes its output."""
    written = flow.tensor(numel(row.output))
    flow.steps.append(Step(row, reads, written, 0))
    return written


def _fold(host: Step, row: Row) -> None:
    """A batchnorm folded into its host becomes the host's bias, if it had none."""
    batchnorm = isinstance(row.op, Op) and row.op.category == "batchnorm"
    if batchnorm and not getattr(host.row.op, "bias", True) and not host.bias_folded:
        host.weights += host.row.output[-1]
        host.bias_folded = True


@dataclass(frozen=True, slots=True)
class Memory:
    """A design's traffic and live memory by row path ("" for the design), in bytes."""

    traffic: dict[str, Traffic]
    live: dict[str, int]
    steps: tuple[str, ...] = ()
    folded: frozenset[str] = frozenset()
    made: tuple = ()
    """memory()'s arguments after the design: activation and weight bytes, fused, batch, fold_adds, block."""

    def with_adds_folded(self, design: DesignResult, block: int | None) -> Memory:
        """This memory, fused, with adds folded too, on a layout of channel `block` (for a device whose runtime folds
        them); itself where it is unfused or folded so already."""
        activation_bytes, weight_bytes, fused, batch, fold_adds, made_block = self.made
        if not fused or fold_adds and made_block == block:
            return self
        return memory(design, activation_bytes, weight_bytes, True, batch, True, block)

    @property
    def peak(self) -> int:
        return self.live[""]

    @property
    def weights_bytes(self) -> int:
        """The model's size as it runs: every parameter unfused; fused, folded batchnorms become biases."""
        return self.traffic[""].weights


def memory(design: DesignResult, activation_bytes: int = 4, weight_bytes: int | None = None,
           fused: bool = False, batch: int = 1, fold_adds: bool = False, block: int | None = None) -> Memory:
    """Bytes moved and live activation memory of each row, at the given bytes per element, for a batch; fused,
    folded as onnxruntime fuses where `fold_adds` (the device's runtime is onnxruntime, whose layout holds channels
    in blocks of `block`, where known).

    Activations scale with the batch; weights are read once per batch."""
    weight_bytes = activation_bytes if weight_bytes is None else weight_bytes
    made = (activation_bytes, weight_bytes, fused, batch, fold_adds, block)
    activation_bytes *= batch
    flow = dataflow(design, fused, fold_adds, block)
    traffic, live = {}, {}
    for step, in_use in zip(flow.steps, live_elements(flow)):
        read = sum(flow.sizes[t] for t in step.reads)
        written = 0 if step.writes is None else flow.sizes[step.writes]
        traffic[step.row.path] = Traffic(read * activation_bytes, step.weights * weight_bytes,
                                         written * activation_bytes)
        live[step.row.path] = in_use * activation_bytes
    layers = [step.row.path for step in flow.steps]
    traffic.update(group_totals(design.rows, traffic, add, Traffic()))  # a group: the sum of its layers' traffic,
    live.update(group_totals(design.rows, live, max, 0))  # and the most of their live memory
    traffic[""] = sum((traffic[p] for p in layers), Traffic())
    live[""] = max((live[p] for p in layers), default=flow.sizes[0] * activation_bytes)
    folded = frozenset(step.row.path for step in flow.steps if step.folded)
    return Memory(traffic, live, tuple(layers), folded, made)


def group_totals(rows, values: dict, combine, empty) -> dict:
    """Each group row's path → `combine` folded over the `values` of the layers and merges inside it, in
    one pass: rows come in pre-order, so a group's own rows follow it, each deeper than it."""
    totals: dict[str, object] = {}
    open_groups: list[list] = []  # the groups around the current row: [depth, path, total so far]

    def close() -> None:
        _, path, total = open_groups.pop()
        totals[path] = total
        if open_groups:
            open_groups[-1][2] = combine(open_groups[-1][2], total)

    for row in rows:
        while open_groups and open_groups[-1][0] >= row.depth:
            close()
        if row.role not in ("layer", "merge"):
            open_groups.append([row.depth, row.path, empty])
        elif open_groups and row.path in values:
            open_groups[-1][2] = combine(open_groups[-1][2], values[row.path])
    while open_groups:
        close()
    return totals


def live_elements(flow: Flow) -> list[int]:
    """For each step, the elements of every tensor live while it runs."""
    last = {0: -1}
    for index, step in enumerate(flow.steps):
        for tensor in step.reads:
            last[tensor] = index
    last.update(dict.fromkeys(flow.outputs, len(flow.steps)))
    live, in_use = {0}, flow.sizes[0]
    result: list[int] = []
    for index, step in enumerate(flow.steps):
        if step.writes is None:  # folded: runs inside its host, with its memory (a padding first: the input)
            result.append(result[-1] if result else in_use)
            continue
        live.add(step.writes)
        in_use += flow.sizes[step.writes]
        result.append(in_use)
        for tensor in [t for t in live if last.get(t, index) <= index]:
            live.remove(tensor)
            in_use -= flow.sizes[tensor]
    return result
