"""Views fitted to a width, as show/table_layout.py decides: the forms a view can take, its cells wrapped
or elided to their columns' widths, and the lines of each style (boxed, compact, split in
groups of columns, records)."""

from __future__ import annotations

from ..record import replace
from .render import box_lines, cell_lines, column_widths
from .table_layout import BOX, RECORDS, Column, layout
from .text import indent_of, pad, width, wrap
from .views import View

PATH_FLOOR = 12
"""The fewest cells a path is elided to: `3a/…/conv2`."""


def columns_of(view: View, keep: tuple[int, ...]) -> View:
    """The view with only the columns in `keep`."""
    rows = [(tuple(cells[i] for i in keep), emphasis) for cells, emphasis in view.rows]
    return replace(view, columns=tuple(view.columns[i] for i in keep), rows=rows,
                   right=tuple(n for n, i in enumerate(keep) if i in view.right), joins=(),
                   keys=sum(i < view.keys for i in keep))


def joined(view: View, aligned: bool = True) -> View:
    """Each column of `view.joins` in the cell of the column before it (`12.4M 0.103×`), aligned within the column."""
    widths = [max((width(cells[i]) for cells, _ in view.rows), default=0) for i in range(len(view.columns))]

    def cell(cells, i: int) -> str:
        if i + 1 not in view.joins:
            return cells[i]
        if not aligned:
            return f"{cells[i]} {cells[i + 1]}"
        return f"{pad(cells[i], widths[i], True)} {pad(cells[i + 1], widths[i + 1], True)}"

    merged = replace(view, rows=[(tuple(cell(cells, i) for i in range(len(cells))), emphasis)
                                 for cells, emphasis in view.rows])
    return columns_of(merged, tuple(i for i in range(len(view.columns)) if i not in view.joins))


def turned(view: View) -> View:
    """Rows as columns: the first column's cells become the headers, the other headers the first column."""
    columns = (view.columns[0], *(cells[0] for cells, _ in view.rows))
    rows = [((view.columns[j], *(cells[j] for cells, _ in view.rows)), False) for j in range(1, len(view.columns))]
    notes = tuple(note.replace(" in its column", " in its row") for note in view.notes)  # compare's ★
    return replace(view, columns=columns, rows=rows, notes=notes, right=tuple(range(1, len(columns))), joins=(),
                   transposable=False, keys=1)


def forms(view: View) -> list[View]:
    """The forms of a view, in order of preference: as built, ratios joined, turned (ratios joined, then not)."""
    found = [view, joined(view)] if view.joins else [view]
    if view.transposable:
        found += [turned(joined(view, aligned=False)), turned(view)] if view.joins else [turned(view)]
    return found


def floor(cell: str) -> int:
    """The narrowest a left-aligned cell can be: its indent and its widest word, a path elided to PATH_FLOOR."""
    words = (min(width(word), PATH_FLOOR) if "/" in word else width(word) for word in cell.split())
    return indent_of(cell) + max(words, default=0)


def column(view: View, i: int) -> Column:
    """Column i's width and floor: headers wrap at spaces; figures (right-aligned) never shrink."""
    cells = [cells[i] for cells, _ in view.rows]
    header = view.columns[i]
    words = max((width(word) for word in header.split()), default=0)
    widest = max(map(width, cells), default=0)
    narrowest = widest if i in view.right else max(map(floor, cells), default=0)
    return Column(max(width(header), widest), max(words, narrowest))


def shaped(view: View, widths: tuple[int, ...]) -> View:
    """Headers and cells wider than their column wrapped at spaces, their paths elided in the middle."""
    def fit(text: str, i: int) -> str:
        return text if width(text) <= widths[i] else "\n".join(wrap(text, widths[i]))

    rows = [(tuple(fit(cell, i) for i, cell in enumerate(cells)), emphasis) for cells, emphasis in view.rows]
    return replace(view, columns=tuple(fit(header, i) for i, header in enumerate(view.columns)), rows=rows)


def compact_lines(view: View) -> list[tuple[str, bool]]:
    """Columns a space apart, the header ruled off: the narrowest table."""
    widths = column_widths(view)

    def lines(cells) -> list[str]:
        return [" ".join(padded).rstrip() for padded in cell_lines(cells, widths, view.right)]

    table = [(line, True) for line in lines(view.columns)]
    table.append((" ".join("━" * w for w in widths), False))
    table += [(line, emphasis) for cells, emphasis in view.rows for line in lines(cells)]
    table.append((" ".join("─" * w for w in widths), False))
    return table


def split_lines(view: View, widths: tuple[int, ...], groups: tuple[tuple[int, ...], ...]) -> list[tuple[str, bool]]:
    """A compact table per group of columns, each led by the view's key columns, a blank line between them."""
    lines: list[tuple[str, bool]] = []
    for number, group in enumerate(groups):
        keep = (*range(view.keys), *group)
        lines += [("", False)] if number else []
        lines += compact_lines(shaped(columns_of(view, keep), tuple(widths[i] for i in keep)))
    return lines


def record_lines(view: View, line_width: int) -> list[tuple[str, bool]]:
    """A record per row, each header beside its cell, a blank line between records: when no table fits."""
    label = max(map(width, view.columns), default=0)
    lines: list[tuple[str, bool]] = []
    for number, (cells, emphasis) in enumerate(view.rows):
        lines += [("", False)] if number else []
        for header, cell in zip(view.columns, cells):
            parts = wrap(cell.strip(), max(line_width - label - 2, 1))
            lines += [(pad("" if k else header, label) + "  " + part, emphasis) for k, part in enumerate(parts)]
    return lines


def view_lines(view: View, line_width: int | None) -> list[tuple[str, bool]]:
    """The view's title, table and notes in the layout that fits `line_width` (None: as built, boxed): (line, bold)
    pairs; a view without columns has no table."""
    if not view.columns:
        def lines(text: str) -> list[str]:
            return [text] if line_width is None else wrap(text, line_width, hang=2)

        return [*((line, True) for line in lines(view.title)),
                *((line, False) for n in view.notes for line in lines(n))]
    if line_width is None:
        return [(view.title, True), *box_lines(view), *((note, False) for note in view.notes)]
    candidates = forms(view)
    chosen = layout([[column(form, i) for i in range(len(form.columns))] for form in candidates], line_width,
                    [form.keys for form in candidates])
    form = candidates[chosen.form]
    if chosen.style == RECORDS:
        table = record_lines(form, line_width)
    elif chosen.groups:
        table = split_lines(form, chosen.widths, chosen.groups)
    else:
        form = shaped(form, chosen.widths)
        table = box_lines(form) if chosen.style == BOX else compact_lines(form)
    title = [(line, True) for line in wrap(view.title, line_width, hang=2)]
    return [*title, *table, *((line, False) for note in form.notes for line in wrap(note, line_width, hang=2))]
