"""Receptive fields as report columns: `RF`, `jump` and `offset` in tables; per axis in json and csv."""

from __future__ import annotations

from fractions import Fraction

from ..analyses.receptive import Field, receptive_fields
from ..count.engine import Analysis, DesignResult
from .views import ExtraColumns

TITLES = ("RF", "jump", "offset")
KEYS = ("rf_height", "rf_width", "jump_height", "jump_width", "offset_height", "offset_width")
WHOLE = "all"


def number(value: Fraction | int) -> int | float | str:
    """An exact value for json: an int, a float where binary holds it exactly (15.5), else `p/q`."""
    value = Fraction(value)
    if value.denominator == 1:
        return int(value)
    if value.denominator & (value.denominator - 1) == 0:
        return float(value)
    return str(value)


def text(height, width) -> str:
    """`196` when both axes agree, `7×1` when they do not."""
    return f"{number(height)}" if height == width else f"{number(height)}×{number(width)}"


def cells(field: Field) -> tuple[str, ...]:
    if field.whole:
        return (WHOLE, "", "")
    if field.axes is None:
        return ("—", "—", "—")
    h, w = field.axes
    return text(h.size, w.size), text(h.jump, w.jump), text(h.offset, w.offset)


def values(field: Field) -> tuple:
    if field.whole:
        return (WHOLE,) * 2 + (None,) * 4
    if field.axes is None:
        return (None,) * 6
    h, w = field.axes
    return tuple(number(v) for v in (h.size, w.size, h.jump, w.jump, h.offset, w.offset))


def unknown_note(design: DesignResult, fields: dict[str, Field]) -> tuple[str, ...]:
    """Why a row has no field (`—`): the layers whose field costcalc does not model, which the rows after them
    inherit; nothing where every field is known."""
    causes = list(dict.fromkeys(f.cause for f in fields.values() if f.cause))
    if not causes:
        return ()
    kinds = {row.path: row.kind for row in design.rows}
    named = ", ".join(f"{path} ({kinds[path]})" for path in causes[:3])
    named += f" and {len(causes) - 3} more" * (len(causes) > 3)
    which = "that layer's" if len(causes) == 1 else "those layers'"
    return (f"— no receptive field from {named} on: costcalc does not model {which} field, nor so those of the rows "
            "that follow (docs/conventions.md, Receptive fields)",)


def outputs_note(design: DesignResult) -> tuple[str, ...]:
    """Where a design of several outputs has each one's receptive field: on the row that gives it."""
    if len(design.outputs) < 2:
        return ()
    rows = {row.keep: row.path for row in design.rows if row.keep and row.depth == 0}
    where = ", ".join(f"{name} ({rows[name]})" for name in design.outputs)
    return (f"each output's receptive field is on its row: {where}",)


def receptive_columns(analysis: Analysis) -> ExtraColumns:
    """Each row's receptive field (and the design's, on its total row) as extra report columns."""
    table, data, notes = {}, {}, {}
    for design in analysis.designs:
        fields = receptive_fields(design)
        last = fields[design.rows[-1].path] if design.rows else None
        table[design.name] = {path: cells(f) for path, f in fields.items()}
        data[design.name] = {path: values(f) for path, f in fields.items()}
        notes[design.name] = (*unknown_note(design, fields), *outputs_note(design))
        if last is not None and len(design.outputs) < 2:
            table[design.name][""], data[design.name][""] = cells(last), values(last)
    return ExtraColumns(TITLES, KEYS, table, data, notes)
