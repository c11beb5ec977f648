"""Spatial axes: one, two or three before the channels ([length, C], [height, width, C], [time, height, width, C]),
and the per-axis options (kernel, stride, dilation, padding, pool sizes) resolved for an input's axes.

An option written as one number stands for every axis (`Every`), so `kernel: 3` is 3 on a sequence, 3×3 on an
image and 3×3×3 on a clip; a list gives one number per axis. Padding is `same`, or sides: p, one per axis, or
a before and an after per axis. A 2-D kind reads the values as options store them, unchanged.
"""

from __future__ import annotations

from ..errors import ShapeError

Shape = tuple[int, ...]
Padding = str | tuple[int, ...]
AXES = {1: "[length, channels]", 2: "[height, width, channels]", 3: "[time, height, width, channels]"}


class Every(tuple):
    """A per-axis option written as one number: that number on every spatial axis, however many."""

    __slots__ = ()


class PerAxis(tuple):
    """Padding written as one number per axis ([ph, pw]), stored as sides (ph, ph, pw, pw)."""

    __slots__ = ()


def axes_of(kind: str, shape: Shape) -> int:
    """The spatial axes of `shape` (1, 2 or 3) for a kind that slides or pools over them."""
    if not 2 <= len(shape) <= 4:
        raise ShapeError(
            f"{kind} needs an input of [height, width, channels] (or [length, channels], [time, height, width,"
            f" channels]), got [{'×'.join(map(str, shape))}]",
            hint="a global pool gives [C]; give it keepdims: true to keep [1, 1, C]" if len(shape) == 1 else None,
        )
    return len(shape) - 1


def per_axis(value: tuple[int, ...], axes: int, name: str) -> tuple[int, ...]:
    """`value` with one number per spatial axis: as written, or one number repeated."""
    if len(value) == axes:
        return tuple(value)
    if isinstance(value, Every):
        return (value[0],) * axes
    given = f"{len(value)} axis" if len(value) == 1 else f"{len(value)} axes"
    raise ShapeError(f"{name} [{', '.join(map(str, value))}] gives {given}, the input has {axes} ({AXES[axes]})",
                     hint=f"give one number for every axis, or {axes} of them")


def sides(padding: Padding, axes: int) -> Padding:
    """`same`, or a before and an after for each spatial axis."""
    if padding == "same" or len(padding) == 2 * axes:
        return padding
    if isinstance(padding, Every):
        return (padding[0],) * (2 * axes)
    if isinstance(padding, PerAxis) and len(padding) == 4 and axes == 1:
        return padding[0], padding[2]  # [before, after], as a sequence's padding is written
    written = len(padding) // 2 if isinstance(padding, PerAxis) else len(padding)
    raise ShapeError(f"padding of {written} numbers does not fit an input of {axes} spatial axes ({AXES[axes]})",
                     hint=f"give p, {axes} numbers (one per axis) or {2 * axes} (a before and an after per axis)")
