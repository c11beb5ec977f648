"""Shape propagation and exact costs per layer, branch, block and design. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import CostcalcError, LimitError, ShapeError, Where
from ..limits import MAX_COUNT
from ..model.merges import Merge
from ..model.ops import Op, Shape, numel
from ..model.tree import Branches, Group, Layer, Node, Spec
from .conventions import CONVENTIONS, KINDS, Convention, Facts


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class DesignResult:
    """A design's rows and totals; `breakdown` is its FLOPs by operation kind under the convention."""

    name: str
    input: Shape
    output: Shape
    total: Cost
    rows: tuple[Row, ...]
    breakdown: dict[str, int] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
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
        return next(d for d in self.designs if d.name == name)


def analyze(spec: Spec, input_shape: Shape | None = None, designs=None,
            bytes_per_element: int = 4, convention: str = "costcalc") -> Analysis:
    """Costs of the spec's designs (all, or those named) on its input or on `input_shape`."""
    shape = tuple(input_shape or spec.input)
    names = list(designs or spec.designs)
    for name in names:
        if name not in spec.designs:
            raise CostcalcError(f"no design {name!r} in {spec.file}; designs: {', '.join(spec.designs)}")
    walker = _Walker(CONVENTIONS[convention], bytes_per_element)
    results = tuple(walker.design(name, spec.designs[name], shape) for name in names)
    baseline = spec.baseline if spec.baseline in names else names[0]
    return Analysis(spec.name, spec.file, shape, baseline, convention, bytes_per_element, results)


class _Walker:
    """Walks node trees, appending rows; each visit returns (output shape, cost)."""

    def __init__(self, convention: Convention, bytes_per_element: int):
        self.convention = convention
        self.bytes_per_element = bytes_per_element
        self.rows: list[Row] = []

    def design(self, name: str, nodes: tuple[Node, ...], shape: Shape) -> DesignResult:
        self.rows = []
        out, total = self.sequence(nodes, shape, "", 0)
        breakdown = dict.fromkeys(KINDS, 0)
        for row in self.rows:
            for kind, n in row.breakdown.items():
                breakdown[kind] += n
        return DesignResult(name, shape, out, total, tuple(self.rows), breakdown)

    def sequence(self, nodes, shape: Shape, prefix: str, depth: int) -> tuple[Shape, Cost]:
        total = Cost()
        for node in nodes:
            shape, cost = self.node(node, shape, prefix, depth)
            total += cost
        return shape, total

    def node(self, node: Node, shape: Shape, prefix: str, depth: int) -> tuple[Shape, Cost]:
        if isinstance(node, Layer):
            return self.layer(node, shape, prefix + node.name, depth)
        index = len(self.rows)
        self.rows.append(None)
        path = prefix + node.name
        if isinstance(node, Group):
            out, cost = self.sequence(node.children, shape, path + "/", depth + 1)
            role = "branch" if node.kind == "branch" else "block"
        else:
            out, cost = self.branches(node, shape, path, depth + 1)
            role = "branches"
        kind = node.kind if isinstance(node, Group) else f"branches ({node.merge.kind})"
        self.rows[index] = Row(path, node.name, kind, role, depth, shape, out, cost, where=node.where)
        return out, cost

    def layer(self, layer: Layer, shape: Shape, path: str, depth: int) -> tuple[Shape, Cost]:
        op = layer.op
        try:
            out = op.infer(shape)
        except ShapeError as exc:
            raise ShapeError(f"{path} ({op.kind}) on {_shape(shape)}: {exc.message}", layer.where, exc.hint) from None
        work = op.work(shape, out)
        cost, breakdown = self.cost(Facts(op, shape, out, op.macs(shape, out), work), *op.params(shape, out))
        _bounded(cost, f"{path} ({op.kind})", layer.where)
        self.rows.append(Row(path, layer.name, op.kind, "layer", depth, shape, out, cost, work, layer.where, op, breakdown))
        return out, cost

    def branches(self, node: Branches, shape: Shape, path: str, depth: int) -> tuple[Shape, Cost]:
        outputs, total = {}, Cost()
        for group in node.branches:
            outputs[group.name], cost = self.node(group, shape, path + "/", depth)
            total += cost
        try:
            out = node.merge.infer(outputs)
        except ShapeError as exc:
            raise ShapeError(f"{path} (branches): {exc.message}", node.where, exc.hint) from None
        work = node.merge.work(outputs, out)
        cost, breakdown = self.cost(Facts(node.merge, shape, out, 0, work), 0, 0)
        _bounded(cost, f"{path} (branches)", node.where)
        name = node.merge.kind if node.merge.kind not in outputs else f"{node.merge.kind}~{len(outputs) + 1}"
        self.rows.append(Row(f"{path}/{name}", name, node.merge.kind, "merge", depth, shape, out, cost, work,
                             node.where, node.merge, breakdown))
        return out, total + cost

    def cost(self, facts: Facts, trainable: int, non_trainable: int) -> tuple[Cost, dict[str, int]]:
        """The cost of one layer or merge, and its FLOPs by operation kind under the convention."""
        breakdown = self.convention.count(facts)
        elements = numel(facts.out)
        cost = Cost(facts.macs, sum(breakdown.values()), trainable, non_trainable, elements,
                    elements * self.bytes_per_element)
        return cost, breakdown


def _bounded(cost: Cost, what: str, where: Where | None) -> None:
    """Refuse counts beyond MAX_COUNT: sizes such as 10**400 are a mistake, and would not print."""
    if max(cost.macs, cost.flops, cost.params, cost.activations) > MAX_COUNT:
        raise LimitError(f"{what}: counts beyond 10**100; sizes this large are surely a mistake", where)


def _shape(shape: Shape) -> str:
    return "[" + ", ".join(map(str, shape)) + "]"

