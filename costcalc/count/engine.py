"""Shape propagation and exact costs per layer, branch, block and design. Pure: no I/O."""

from __future__ import annotations

from ..errors import CostcalcError, LimitError, ShapeError, Where
from ..limits import MAX_COUNT, MAX_PATH_CHARS
from ..model.merges import Merge, operands
from ..model.ops import Op, Shape, format_shape, numel
from ..model.tree import INPUT, Branches, Group, Join, Layer, Node, Spec
from ..record import field, record, replace
from ..safe import brief
from ..varying import anywhere
from .conventions import CONVENTIONS, KINDS, Convention, Facts


@record
class Cost:
    """What a layer, group or design costs; every figure an exact integer."""

    macs: int = 0
    flops: int = 0
    trainable_params: int = 0
    non_trainable_params: int = 0
    activations: int = 0
    activation_bytes: int = 0

    @property
    def params(self) -> int:
        return self.trainable_params + self.non_trainable_params

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            self.macs + other.macs,
            self.flops + other.flops,
            self.trainable_params + other.trainable_params,
            self.non_trainable_params + other.non_trainable_params,
            self.activations + other.activations,
            self.activation_bytes + other.activation_bytes,
        )


@record
class Row:
    """One line of a report: a layer, a merge, or the subtotal of a block, branch or branches.

    `role` is layer, merge, block, branch or branches; `kind` is the layer kind, the merge,
    or the block's name. Rows come in pre-order: a group's row before its children's.
    """

    path: str
    name: str
    kind: str
    role: str
    depth: int
    input: Shape
    output: Shape
    cost: Cost
    work: dict[str, int] = field(default_factory=dict, compare=False)
    where: Where | None = field(default=None, compare=False)
    op: Op | Merge | None = field(default=None, compare=False)
    breakdown: dict[str, int] = field(default_factory=dict, compare=False)
    sources: tuple[str, ...] = field(default=(), compare=False)
    """The named tensors a row reads (`from:`), where it does not read the row before it."""
    operands: dict[str, Shape] = field(default_factory=dict, compare=False)
    """For a merge of named tensors, the shape of each (`x (2)` for a tensor read twice)."""
    keep: str | None = field(default=None, compare=False)
    """The name its output is given (`as:`), for later rows to read."""
    frozen: bool = field(default=False, compare=False)
    """A layer whose weights are frozen (`trainable: false`): all its parameters non-trainable."""


def child_indices(rows: tuple[Row, ...], index: int) -> list[int]:
    """The indices of the rows directly under the group row at `index` (rows come in pre-order)."""
    depth, found = rows[index].depth, []
    for position in range(index + 1, len(rows)):  # no slice: a copy of the rest per group is quadratic
        if rows[position].depth <= depth:
            break
        if rows[position].depth == depth + 1:
            found.append(position)
    return found


@record
class DesignResult:
    """A design's rows and totals; `breakdown` is its FLOPs by operation kind under the convention.

    A design that names its outputs (`outputs:`) has each one's shape in `outputs`, and the first's in `output`.
    """

    name: str
    input: Shape
    output: Shape
    total: Cost
    rows: tuple[Row, ...]
    breakdown: dict[str, int] = field(default_factory=dict, compare=False)
    outputs: dict[str, Shape] = field(default_factory=dict)

    def outputs_text(self) -> str:
        """Its output's shape, `7×7×512`; or each named output's, `p4 14×14×256, p5 7×7×256`."""
        if not self.outputs:
            return format_shape(self.output)
        return ", ".join(f"{name} {format_shape(shape)}" for name, shape in self.outputs.items())


@record
class Analysis:
    """Everything costcalc computes for a spec."""

    name: str | None
    file: str
    input: Shape
    baseline: str
    convention: str
    bytes_per_element: int
    designs: tuple[DesignResult, ...]

    def design(self, name: str) -> DesignResult:
        for design in self.designs:
            if design.name == name:
                return design
        raise CostcalcError(f"no design {brief(name)} in {self.file}; designs: "
                            f"{', '.join(d.name for d in self.designs)}")

    def _repr_html_(self) -> str:
        """Each design's totals as an HTML table, as Jupyter shows a result (names escaped)."""
        from html import escape

        heads = ("design", "output", "MACs", "FLOPs", "params", "trainable", "activations")
        cells = [(d.name, d.outputs_text(), *(f"{v:,}" for v in (
            d.total.macs, d.total.flops, d.total.params, d.total.trainable_params, d.total.activations)))
            for d in self.designs]
        rows = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in cells)
        head = "".join(f"<th>{h}</th>" for h in heads)
        return f"<table><caption>{escape(self.name or self.file)}</caption><tr>{head}</tr>{rows}</table>"


def analyze(spec: Spec, input_shape: Shape | None = None, designs=None,
            bytes_per_element: int = 4, convention: str = "costcalc", rows: bool = True) -> Analysis:
    """Costs of the spec's designs (all, or those named) on its input or on `input_shape`.

    `rows=False` keeps only each design's total (no rows, an empty breakdown): a sweep's figures
    are arrays, and thousands of variants' rows would not fit in memory.
    """
    shape = tuple(input_shape or spec.input)
    names = list(designs or spec.designs)
    for name in names:
        if name not in spec.designs:
            raise CostcalcError(f"no design {brief(name)} in {spec.file}; designs: {', '.join(spec.designs)}")
    trees = spec.rebuild(shape) if spec.rebuild and shape != tuple(spec.input) else spec.designs
    walker = _Walker(CONVENTIONS[convention], bytes_per_element, rows)
    results = tuple(walker.design(name, trees[name], shape, spec.outputs.get(name, ())) for name in names)
    baseline = spec.baseline if spec.baseline in names else names[0]
    return Analysis(spec.name, spec.file, shape, baseline, convention, bytes_per_element, results)


class _Walker:
    """Walks node trees, appending rows; each visit returns (output shape, cost).

    `tensors` holds the shapes of the named tensors (`as:`) and, as `input`, the input of the
    design, block or branch being walked; the spec reader has checked every name read.
    """

    def __init__(self, convention: Convention, bytes_per_element: int, keep: bool = True):
        self.convention = convention
        self.bytes_per_element = bytes_per_element
        self.keep = keep
        self.rows: list[Row] = []
        self.tensors: dict[str, Shape] = {}
        self.known: dict[tuple[int, Shape, bool], tuple] = {}
        """(id of an op, its input shape) → what layer() worked out for it: a repeated layer is counted once."""

    def design(self, name: str, nodes: tuple[Node, ...], shape: Shape, outputs: tuple[str, ...] = ()) -> DesignResult:
        self.rows = []
        self.tensors = {INPUT: shape}
        out, total = self.sequence(nodes, shape, "", 0)
        breakdown = dict.fromkeys(KINDS, 0) if self.keep else {}
        for row in self.rows if self.keep else ():
            for kind, n in row.breakdown.items():
                breakdown[kind] += n
        shapes = {output: self.tensors[output] for output in outputs}
        return DesignResult(name, shape, shapes[outputs[0]] if outputs else out, total, tuple(self.rows), breakdown,
                            shapes)

    def sequence(self, nodes, shape: Shape, prefix: str, depth: int) -> tuple[Shape, Cost]:
        total = Cost()
        for node in nodes:
            shape, cost = self.node(node, shape, prefix, depth)
            total += cost
            if not self.keep and depth == 0:
                self.rows.clear()  # a node's rows are needed while it is walked, not after
        return shape, total

    def node(self, node: Node, shape: Shape, prefix: str, depth: int) -> tuple[Shape, Cost]:
        if len(prefix) + len(node.name) > MAX_PATH_CHARS:
            raise LimitError(f"the path {brief(prefix + node.name)} is longer than {MAX_PATH_CHARS:,} characters, the"
                             " limit for a row's path", node.where,
                             "shorten the names of the enclosing blocks and branches")
        index = len(self.rows)  # where the node's own row goes
        if isinstance(node, Join):
            out, cost = self.join(node, prefix + node.name, depth)
        else:
            shape = self.tensors[node.source] if node.source else shape
            out, cost = self.placed(node, shape, prefix, depth)
        if node.keep:
            self.tensors[node.keep] = out
            self.rows[index] = replace(self.rows[index], keep=node.keep)
        return out, cost

    def placed(self, node: Layer | Group | Branches, shape: Shape, prefix: str, depth: int) -> tuple[Shape, Cost]:
        """A layer, block or branches on its input shape."""
        sources = (node.source,) if node.source else ()
        if isinstance(node, Layer):
            return self.layer(node, shape, prefix + node.name, depth, sources)
        index = len(self.rows)
        self.rows.append(None)  # type: ignore[arg-type]  # holds the node's place until its row, made below
        path = prefix + node.name
        if isinstance(node, Group):
            out, cost = self.group(node, shape, path, depth)
            role = "branch" if node.kind == "branch" else "block"
        else:
            out, cost = self.branches(node, shape, path, depth + 1)
            role = "branches"
        kind = node.kind if isinstance(node, Group) else f"branches ({node.merge.kind})"
        self.rows[index] = Row(path, node.name, kind, role, depth, shape, out, cost, where=node.where, sources=sources)
        return out, cost

    def group(self, node: Group, shape: Shape, path: str, depth: int) -> tuple[Shape, Cost]:
        """A block's body or a branch, which reads its own input as `input`."""
        outer = self.tensors[INPUT]  # the design's input, else the enclosing group's
        self.tensors[INPUT] = shape
        out, cost = self.sequence(node.children, shape, path + "/", depth + 1)
        self.tensors[INPUT] = outer
        return out, cost

    def layer(self, layer: Layer, shape: Shape, path: str, depth: int, sources=()) -> tuple[Shape, Cost]:
        op = layer.op
        key = (id(op), shape, layer.frozen)  # the spec holds its ops: ids stay theirs
        try:
            known, hashable = self.known.get(key), True
        except TypeError:  # sizes that are arrays (a sweep)
            known, hashable = None, False
        if known is not None:
            out, work, cost, breakdown = known
        else:
            try:
                out = op.infer(shape)
            except ShapeError as exc:
                raise ShapeError(f"{path} ({op.kind}) on {_shape(shape)}: {exc.message}", layer.where,
                                 exc.hint) from None
            work = op.work(shape, out)
            trainable, fixed = op.params(shape, out)
            if layer.frozen:
                trainable, fixed = 0, trainable + fixed
            cost, breakdown = self.cost(Facts(op, shape, out, op.macs(shape, out), work), trainable, fixed)
            _bounded(cost, f"{path} ({op.kind})", layer.where)
            if hashable:
                self.known[key] = out, work, cost, breakdown
        self.rows.append(Row(path, layer.name, op.kind, "layer", depth, shape, out, cost, work, layer.where, op,
                             breakdown, sources, frozen=layer.frozen))
        return out, cost

    def branches(self, node: Branches, shape: Shape, path: str, depth: int) -> tuple[Shape, Cost]:
        outputs, total = {}, Cost()
        for group in node.branches:
            outputs[group.name], cost = self.placed(group, shape, path + "/", depth)
            total += cost
        name = node.merge.kind if node.merge.kind not in outputs else f"{node.merge.kind}~{len(outputs) + 1}"
        out, cost = self.merged(node, outputs, shape, f"{path}/{name}", f"{path} (branches)", depth)
        return out, total + cost

    def join(self, node: Join, path: str, depth: int) -> tuple[Shape, Cost]:
        """A merge of named tensors: its own row, reading them."""
        outputs = operands({name: self.tensors[name] for name in node.sources}, node.sources)
        return self.merged(node, outputs, self.tensors[node.sources[0]], path, f"{path} ({node.merge.kind})", depth,
                           node.sources)

    def merged(self, node: Branches | Join, outputs: dict[str, Shape], shape: Shape, path: str, what: str,
               depth: int, sources=()) -> tuple[Shape, Cost]:
        """The merge row of a `branches` layer or a `merge` of named tensors."""
        try:
            out = node.merge.infer(outputs)
        except ShapeError as exc:
            raise ShapeError(f"{what}: {exc.message}", node.where, exc.hint) from None
        work = node.merge.work(outputs, out)
        cost, breakdown = self.cost(Facts(node.merge, shape, out, 0, work), 0, 0)
        _bounded(cost, what, node.where)
        self.rows.append(Row(path, path.rsplit("/", 1)[-1], node.merge.kind, "merge", depth, shape, out, cost, work,
                             node.where, node.merge, breakdown, sources, outputs if sources else {}))
        return out, cost

    def cost(self, facts: Facts, trainable: int, non_trainable: int) -> tuple[Cost, dict[str, int]]:
        """The cost of one layer or merge, and its FLOPs by operation kind under the convention."""
        breakdown = self.convention.count(facts)
        elements = numel(facts.out)
        cost = Cost(facts.macs, sum(breakdown.values()), trainable, non_trainable, elements,
                    elements * self.bytes_per_element)
        return cost, breakdown


def _bounded(cost: Cost, what: str, where: Where | None) -> None:
    """Refuse counts beyond MAX_COUNT: sizes such as 10**400 are a mistake, and would not print."""
    if any(anywhere(n > MAX_COUNT) for n in (cost.macs, cost.flops, cost.params, cost.activations)):
        raise LimitError(f"{what}: counts beyond 10**100; sizes this large are surely a mistake", where)


def _shape(shape: Shape) -> str:
    return "[" + ", ".join(map(str, shape)) + "]"

