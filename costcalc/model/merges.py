"""How the outputs of `branches` combine: concat, add and multiply. `MERGES` maps name → merge."""

from __future__ import annotations

from typing import ClassVar

from ..errors import ShapeError
from ..record import record
from ..varying import anywhere, one
from .ops import MatMul, Shape, elementwise, format_shape, numel

MERGES: dict[str, type[Merge]] = {}


def same(a: Shape, b: Shape) -> bool:
    """Whether two shapes are equal in every variant (their sizes may be a sweep's arrays)."""
    return len(a) == len(b) and not any(anywhere(x != y) for x, y in zip(a, b))


def _widest(shapes) -> Shape:
    """The first shape of the highest rank and, among those, of the most elements (in every variant of a sweep)."""
    best: Shape = ()
    for shape in shapes:
        if not best or len(shape) > len(best) or (len(shape) == len(best) and one(numel(shape) > numel(best))):
            best = shape
    return best


def _listing(shapes: dict[str, Shape]) -> str:
    return ", ".join(f"{name} gives {format_shape(shape)}" for name, shape in shapes.items())


@record
class Merge:
    """Combines branch output shapes; `work` counts its elementwise operations."""

    kind: ClassVar[str]
    family: ClassVar[str] = "other"
    torch: str = "operator"

    def infer(self, shapes: dict[str, Shape]) -> Shape:
        raise NotImplementedError

    def work(self, shapes: dict[str, Shape], out: Shape) -> dict[str, int]:
        return {"merge": (len(shapes) - 1) * numel(out)}

    def matmul(self, inp: Shape, out: Shape) -> MatMul:
        return elementwise(self.kind, out)

    def stages(self, inp: Shape, out: Shape) -> tuple[tuple[MatMul, int], ...]:
        """One kernel, of no MACs (as Op.stages)."""
        return ((self.matmul(inp, out), 0),)


def operands(shapes: dict[str, Shape], names) -> dict[str, Shape]:
    """The inputs of a merge of named tensors, by name; a tensor read twice is `x` and `x (2)`."""
    result: dict[str, Shape] = {}
    for name in names:
        key, n = name, 1
        while key in result:
            n += 1
            key = f"{name} ({n})"
        result[key] = shapes[name]
    return result


def _register(cls):
    MERGES[cls.kind] = cls
    return cls


@_register
@record
class Concat(Merge):
    """Joins along the channels: every branch must agree on all other axes."""

    kind = "concat"

    def infer(self, shapes: dict[str, Shape]) -> Shape:
        first = next(iter(shapes.values()))
        if not all(same(s[:-1], first[:-1]) for s in shapes.values()):
            what = "the same height and width" if len(first) == 3 else "the same rank and all axes but the last"
            raise ShapeError(f"concat needs {what} in every branch: {_listing(shapes)}")
        return (*first[:-1], sum(s[-1] for s in shapes.values()))

    def work(self, shapes: dict[str, Shape], out: Shape) -> dict[str, int]:
        return {}


@_register
@record
class Add(Merge):
    """Elementwise sum of branches of identical shape (a residual connection)."""

    kind = "add"

    def infer(self, shapes: dict[str, Shape]) -> Shape:
        first = next(iter(shapes.values()))
        if not all(same(s, first) for s in shapes.values()):
            raise ShapeError(f"add needs identical shapes in every branch: {_listing(shapes)}")
        return first


@_register
@record
class Multiply(Merge):
    """Elementwise product; a [C] or [1, 1, C] branch broadcasts (squeeze-and-excitation)."""

    kind = "multiply"

    def infer(self, shapes: dict[str, Shape]) -> Shape:
        if len(shapes) < 2:
            raise ShapeError("multiply needs two or more branches")
        widest = _widest(shapes.values())
        for shape in shapes.values():
            broadcast = same(shape, (widest[-1],)) or same(shape, (1, 1, widest[-1]))
            if not same(shape, widest) and not broadcast:
                raise ShapeError(
                    "multiply needs identical shapes, or [C] / [1, 1, C] branches against [H, W, C]: "
                    f"{_listing(shapes)}"
                )
        return widest
