"""The receptive field's recurrence on the board, with the numbers put in, for `explain --receptive-field`."""

from __future__ import annotations

from ..analyses.receptive import Axis, Field, window
from ..count.engine import Row
from .formulas import Line

NOTES = {"whole": "receptive field: the whole input (no spatial axes are left)",
         "statistics": "receptive field: the whole input (the statistics span every position)",
         "unknown": "receptive field: not modelled for this kind (docs/conventions.md, Receptive fields)"}


def _axis_lines(before: Axis, after: Axis, span: int, stride: int, pad: int, suffix: str) -> tuple[Line, ...]:
    r, j, first = int(before.size), int(before.jump), int(before.first)
    shift = ("f − p·j", f"{first} − {pad}·{j}") if pad >= 0 else ("f + c·j", f"{first} + {-pad}·{j}")  # c: cropped
    return (
        Line(f"RF{suffix}", "r + (k − 1)·j", f"{r} + ({span} − 1)·{j}", int(after.size)),
        Line(f"jump{suffix}", "j·s", f"{j}·{stride}", int(after.jump)),
        Line(f"first{suffix}", *shift, int(after.first)),
    )


def field_lines(row: Row, before: Field, after: Field) -> tuple[tuple[Line, ...], tuple[str, ...]]:
    """The recurrence's lines for a layer that slides a window, or a note saying what the field is."""
    if after.whole:
        spatial = len(row.output) == 3 and row.role == "layer"
        return (), (NOTES["statistics" if spatial else "whole"],) if not before.whole else ()
    if after.axes is None or before.axes is None:  # a known field follows a known one
        inherited = f"receptive field: unknown, as it follows {after.cause}, whose field costcalc does not model"
        return (), (NOTES["unknown"] if after.cause == row.path else inherited,)
    (height, width), (new_height, new_width) = before.axes, after.axes
    windows = window(row) if row.role == "layer" else None
    if windows is None or any(a.jump.denominator != 1 or a.first.denominator != 1 for a in (height, width)):
        return (), (f"receptive field {new_height.size}×{new_width.size}, jump {new_height.jump}, unchanged",)
    if windows[0] == windows[1] and height == width:
        return _axis_lines(height, new_height, *windows[0], ""), ()
    return (*_axis_lines(height, new_height, *windows[0], " (h)"),
            *_axis_lines(width, new_width, *windows[1], " (w)")), ()
