"""Receptive fields: for each row of a design, which input pixels its first output pixel can see.

Per axis (height, width) three numbers, by the usual recurrence over a layer with effective
kernel k = d·(k−1)+1, stride s and padding p before the first window:

    size   r' = r + (k − 1)·j       jump  j' = j·s       first  f' = f − p·j

`first` is the input coordinate of the first pixel of the field of output pixel 0 (negative
where the field reaches into the padding); the offset reported is the field's centre,
f + (r − 1)/2. Fields are theoretical: they are not clipped at the image's border. A merge
takes the span of the union of its branches' fields (the largest of them when they are centred
alike) and, where the branches' jumps differ, the largest jump. After a global pool, a
flatten or anything else that leaves no spatial axes, the field is the whole input; so it is
after a groupnorm, whose statistics span every position. A crop moves the first pixel. Kinds
whose field costcalc does not model (an adaptive pool whose output does not divide its input,
a transposed convolution, a resize) have none, and neither has what follows them. A layer that
reads a named tensor (`from:`) starts from that tensor's field; a merge of named tensors takes
the union of theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..count.engine import DesignResult, Row
from ..errors import CostcalcError
from ..model.ops import Op, same_padding


@dataclass(frozen=True, slots=True)
class Axis:
    """The field along one axis: size in input pixels, jump between neighbouring outputs, first pixel."""

    size: int | Fraction
    jump: Fraction
    first: Fraction

    @property
    def offset(self) -> Fraction:
        """The input coordinate of the centre of the first output's field."""
        return self.first + Fraction(self.size - 1, 2)

    def window(self, kernel: int, stride: int, before: int) -> Axis:
        return Axis(self.size + (kernel - 1) * self.jump, self.jump * stride, self.first - before * self.jump)


@dataclass(frozen=True, slots=True)
class Field:
    """A row's receptive field: height and width axes, or `whole` once no spatial axes are left; with
    neither, unknown since the layer at `cause` (its path), whose field costcalc does not model."""

    height: Axis | None = None
    width: Axis | None = None
    whole: bool = False
    cause: str | None = None

    @property
    def axes(self) -> tuple[Axis, Axis] | None:
        """Height and width, when the field is known and not whole."""
        return None if self.height is None or self.width is None else (self.height, self.width)


START = Field(Axis(1, Fraction(1), Fraction(0)), Axis(1, Fraction(1), Fraction(0)))
WHOLE = Field(whole=True)


Step = tuple[int, int, int]
"""Along one axis: the effective kernel d·(k−1)+1, the stride, and the padding before the first window."""


def window(row: Row) -> tuple[Step, Step] | None:
    """The height and width steps of a layer that slides a window, or None."""
    found = row.op.receptive_window(row.input) if isinstance(row.op, Op) else None
    if found is None:
        return None
    kernel, stride, dilation, padding = found
    axes = []
    for size, k, s, d, side in zip(row.input[:2], kernel, stride, dilation, (0, 2)):
        span = d * (k - 1) + 1
        axes.append((span, s, same_padding(size, span, s) if isinstance(padding, str) else padding[side]))
    return axes[0], axes[1]


def step(field: Field, row: Row) -> Field:
    """The field after one layer."""
    if field.whole or field.axes is None:
        return field
    assert isinstance(row.op, Op), "a layer's row"
    if len(row.output) < 3 or row.op.mixes_positions:
        return WHOLE
    windows = window(row)
    if windows:
        height, width = field.axes
        return Field(height.window(*windows[0]), width.window(*windows[1]))
    if row.output[:2] == row.input[:2]:
        return field  # elementwise on each pixel: batchnorm, activations, dense on [H, W, C], dropout
    return Field(cause=row.path)


def _union(axes: list[Axis]) -> Axis:
    first = min(a.first for a in axes)
    last = max(a.first + a.size - 1 for a in axes)
    return Axis(int(last - first) + 1, max(a.jump for a in axes), first)


def merge(fields: list[Field]) -> Field:
    """The field of a merge: the union of its branches' fields (unknown as the first unknown one is)."""
    if any(f.whole for f in fields):
        return WHOLE
    if unknown := next((f for f in fields if f.axes is None), None):
        return unknown
    known = [f.axes for f in fields if f.axes is not None]
    return Field(_union([height for height, _ in known]), _union([width for _, width in known]))


def receptive_fields(design: DesignResult) -> dict[str, Field]:
    """path → Field for every row of a design (rows in the engine's pre-order)."""
    return {path: after for path, (_, after) in receptive_steps(design).items()}


def receptive_steps(design: DesignResult) -> dict[str, tuple[Field, Field]]:
    """path → (the field of the row's input, the field of its output) for every row of a design."""
    if len(design.input) in (2, 4):
        raise CostcalcError(f"receptive fields are computed for images, not for the {design.name} design's input"
                            f" [{'×'.join(map(str, design.input))}] (a sequence or a clip)")
    fields: dict[str, tuple[Field, Field]] = {}
    start = START if len(design.input) == 3 else WHOLE
    _sequence(design.rows, 0, 0, start, fields, {"input": start})
    return fields


def _sequence(rows, i: int, depth: int, field: Field, fields: dict, named: dict) -> tuple[int, Field]:
    """Rows from `i` at `depth` or deeper, in order; returns the next index and the last field.

    `named` holds the fields of the named tensors (`as:`), and as `input` that of the input of
    the design, block or branch being walked, for the rows that read them (`from:`).
    """
    while i < len(rows) and rows[i].depth >= depth:
        row = rows[i]
        if row.role == "merge":  # a merge of named tensors (a branches' merge row goes with its branches)
            before = field = merge([named[source] for source in row.sources])
            i += 1
        else:
            before = field = named[row.sources[0]] if row.sources else field
            if row.role == "layer":
                field = step(field, row)
                i += 1
            elif row.role in ("block", "branch"):
                i, field = _group(rows, i + 1, depth + 1, field, fields, named)
            else:  # branches: each branch from the same input, then the merge row
                ends, i = [], i + 1
                while rows[i].role == "branch":
                    branch = rows[i]
                    i, end = _group(rows, i + 1, depth + 2, field, fields, named)
                    fields[branch.path] = (field, end)
                    ends.append(end)
                field = merge(ends)
                fields[rows[i].path] = (before, field)
                i += 1
        fields[row.path] = (before, field)
        if row.keep:
            named[row.keep] = field
    return i, field


def _group(rows, i: int, depth: int, field: Field, fields: dict, named: dict) -> tuple[int, Field]:
    """A block's or branch's rows, which read their own input as `input`."""
    outer, named["input"] = named["input"], field
    result = _sequence(rows, i, depth, field, fields, named)
    named["input"] = outer
    return result
