"""The one place that decides how a table fits a width: from its columns' widths to a layout.

A table can take several forms (as built; its ratios joined to their values; turned, its rows
as columns: see show/fit.py), and be drawn in three styles: boxed (`│ a │ b │`), compact
(columns a space apart) or, when no table fits, as a record per row. `layout` picks the first
that fits the line's width, in this order: each form boxed, at full width or else with its columns
squeezed (text wrapped at spaces, paths elided) down to their floors; the same compact; the first
form compact in groups of columns, one table after the other, each led by the columns that name a
row (design, varied parameters, layer path); then records. No width (output to a file or a pipe)
is today's full width.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..record import record

BOX, COMPACT, RECORDS = "box", "compact", "records"


@record
class Column:
    """A column's width in cells: `width` its widest line, `floor` the narrowest it can be squeezed to."""

    width: int
    floor: int


@record
class Layout:
    """Which form, in which style, the width of each of its columns (none for records), and, for a table
    split in groups, the columns of each group after the first column."""

    form: int
    style: str
    widths: tuple[int, ...] = ()
    groups: tuple[tuple[int, ...], ...] = ()


def table_width(widths: Sequence[int], style: str) -> int:
    """Cells of a line of the table: `│ a │ b │` boxed, `a b` compact."""
    count = len(widths)
    return sum(widths) + (3 * count + 1 if style == BOX else count - 1)


def squeeze(columns: Sequence[Column], room: int) -> tuple[int, ...]:
    """Widths that add up to at most `room`, taken a cell at a time from the widest column above its floor."""
    widths = [column.width for column in columns]
    for _ in range(sum(widths) - room):
        widest = max((i for i, column in enumerate(columns) if widths[i] > column.floor),
                     key=widths.__getitem__, default=None)
        if widest is None:
            break
        widths[widest] -= 1
    return tuple(widths)


def layout(forms: Sequence[Sequence[Column]], line_width: int, keys: Sequence[int] = ()) -> Layout:
    """The first layout of `forms` (in order of preference) that fits `line_width` cells; `keys[n]` leading columns
    of form n name a row (1 when not given), and every group of a split repeats them."""
    for style in (BOX, COMPACT):
        for number, form in enumerate(forms):
            widths = tuple(column.width for column in form)
            if table_width(widths, style) <= line_width:
                return Layout(number, style, widths)
            if table_width([column.floor for column in form], style) <= line_width:
                return Layout(number, style, squeeze(form, line_width - table_width([0] * len(form), style)))
    splits = (split(form, line_width, number, keys[number] if keys else 1) for number, form in enumerate(forms))
    return next((found for found in splits if found), Layout(0, RECORDS))


def split(form: Sequence[Column], line_width: int, number: int = 0, keys: int = 1) -> Layout | None:
    """The columns after the first `keys` in consecutive groups, each fitting `line_width` compact beside those key
    columns (at their floors, widened as far as every group allows); None when a group cannot fit."""
    if len(form) < keys + 2:
        return None
    lead = [column.floor for column in form[:keys]]
    groups: list[list[int]] = [[]]
    for i in range(keys, len(form)):
        beside = [*lead, *(form[j].width for j in groups[-1]), form[i].width]
        if groups[-1] and table_width(beside, COMPACT) > line_width:
            groups.append([])
        groups[-1].append(i)
    widths = lead + [column.width for column in form[keys:]]
    for group in groups:
        room = line_width - table_width(lead + [0] * len(group), COMPACT)
        if sum(form[j].floor for j in group) > room:
            return None
        for j, cells in zip(group, squeeze([form[j] for j in group], room)):
            widths[j] = cells
    spare = min(line_width - table_width([*lead, *(widths[j] for j in group)], COMPACT) for group in groups)
    for k in range(keys):  # the key columns widened, the first first, as far as the spare cells go
        widths[k] = min(form[k].width, lead[k] + spare)
        spare -= widths[k] - lead[k]
    return Layout(number, COMPACT, tuple(widths), tuple(map(tuple, groups)))


def console_width(file=None) -> int | None:
    """The width to fit, as Rich reports it: the terminal's, or COLUMNS. None, today's full width,
    when the output is not a terminal and COLUMNS is unset (scripts and pipes see what they always saw)."""
    import os
    import sys

    stream = sys.stdout if file is None else file
    isatty = getattr(stream, "isatty", None)
    if not os.environ.get("COLUMNS") and not (isatty and isatty()):
        return None
    from rich.console import Console

    return Console(file=stream).width
