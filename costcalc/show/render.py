"""Output formats: Rich tables and Markdown from views; JSON and CSV with exact integers.

The JSON layout is documented in docs/json.md and versioned by its `format` field.
"""

from __future__ import annotations

import functools
import io
import re
import sys
from operator import attrgetter
from typing import TYPE_CHECKING

from .. import __version__
from ..count.engine import Analysis, Cost, DesignResult, Row
from ..record import replace
from ..safe import csv_cell, json_visible, markdown_text, visible
from . import terminal
from .jsontext import Lines, encode, json_text, string
from .text import one_cell_each, pad, width, wrap

if TYPE_CHECKING:  # a json or csv report imports neither the views nor the comparisons
    from ..analyses.compare import Comparison
    from ..model.ops import Shape
    from .views import ExtraColumns, View

JSON_FORMAT = 1
COST_FIELDS = ("macs", "flops", "params", "trainable_params", "non_trainable_params", "activations", "activation_bytes")
_COST_JSON = ", ".join(f'"{name}": %s' for name in COST_FIELDS)
_COST_FIGURES = attrgetter(*COST_FIELDS)
"""A cost's figures as json: `_COST_JSON % _COST_FIGURES(cost)`, two C calls per row (a third of a row's writing
took each figure by name)."""


def cell_lines(cells, widths, right) -> list[list[str]]:
    """A row's cells padded to their column's width, one list per line (a cell may hold several lines)."""
    if not any("\n" in cell for cell in cells):  # one line each: most rows
        return [[pad(cell, w, i in right) for i, (cell, w) in enumerate(zip(cells, widths))]]
    split = [cell.split("\n") for cell in cells]
    height = max(map(len, split), default=1)
    return [[pad(lines[k] if k < len(lines) else "", w, i in right) for i, (lines, w) in enumerate(zip(split, widths))]
            for k in range(height)]


def column_widths(view: View) -> list[int]:
    """The cells each column takes: its widest line, header included."""
    return [_widest(column) for column in zip(view.columns, *(cells for cells, _ in view.rows))]


def _widest(column: tuple[str, ...]) -> int:
    """The widest cell of a column: at C speed where every cell is one line of one-cell characters."""
    joined = "".join(column)
    return max(map(len, column)) if "\n" not in joined and one_cell_each(joined) else max(map(width, column))


def box_lines(view: View) -> list[tuple[str, bool]]:
    """The view as a box-drawn table (the look of Rich's default box): (line, emphasis) pairs."""
    widths = column_widths(view)
    right = set(view.right)  # a set: a compare of 10,000 designs has 20,000 columns
    line = "│ " + " │ ".join(f"{{:{'>' if i in right else '<'}{w}}}" for i, w in enumerate(widths)) + " │"

    def lines(cells) -> list[str]:
        text = "".join(cells)
        if "\n" not in text and one_cell_each(text):  # most rows: `str.format` pads them, in one call
            return [line.format(*cells)]
        return ["│ " + " │ ".join(padded) + " │" for padded in cell_lines(cells, widths, right)]

    def rule(left: str, fill: str, middle: str, right: str) -> str:
        return left + middle.join(fill * (w + 2) for w in widths) + right

    header = [(line.replace("│", "┃"), True) for line in lines(view.columns)]
    table = [(rule("┏", "━", "┳", "┓"), False), *header, (rule("┡", "━", "╇", "┩"), False)]
    table += [(line, emphasis) for cells, emphasis in view.rows for line in lines(cells)]
    table.append((rule("└", "─", "┴", "┘"), False))
    return table


def print_views(views: list[View], file=None) -> None:
    """Tables through Rich, fitted to the console's width: bold on a terminal, plain when piped or under NO_COLOR
    or TERM=dumb."""
    from .fit import view_lines
    from .table_layout import console_width

    stream = sys.stdout if file is None else file
    cells = console_width(stream)
    parts: list[tuple[str, bool]] = []  # (text, bold)
    for number, view in enumerate(map(shown, views)):
        if number:
            parts.append(("\n", False))
        parts += [(line + "\n", bold) for line, bold in view_lines(view, cells)]
    console = terminal.styling_console(stream)
    if console is None:  # piped: nothing to style, and Rich would take seconds over 100,000 rows; nothing for its
        # strip_control_codes to remove either, since `shown` escaped every control character
        stream.write("".join(text for text, _ in parts))
        return
    from rich.text import Text

    console.print(Text.assemble(*((text, "bold") if bold else text for text, bold in parts)), end="")


def shown(view: View) -> View:
    """`view` with the control characters of its text escaped: names from a spec may hold ESC or newlines."""
    rows = [(cells if "".join(cells).isprintable() else tuple(map(visible, cells)), emphasis)  # most rows: as they are
            for cells, emphasis in view.rows]
    return replace(view, title=visible(view.title), columns=tuple(map(visible, view.columns)), rows=rows,
                   notes=tuple(map(visible, view.notes)))


def listing(entries: dict[str, str], cells: int | None) -> str:
    """Each name, then a line about it beside it, aligned; that line wrapped to `cells` (None: left whole), or
    under the name where the room beside it is under 40 cells."""
    left = max(map(width, entries), default=0) + 2
    lines = []
    for name, about in entries.items():
        about = visible(about)
        if cells is None:
            lines.append(pad(name, left) + about)
        elif cells - left >= 40:
            first, *rest = wrap(about, cells - left)
            lines += [pad(name, left) + first, *(" " * left + line for line in rest)]
        else:
            lines += [name, *("    " + line for line in wrap(about, cells - 4))]
    return "".join(line.rstrip() + "\n" for line in lines)


def markdown(views: list[View]) -> str:
    """GitHub-flavoured Markdown tables, emphasised rows in bold; a view without columns is its title and notes."""
    parts = []
    for view in views:
        title = f"### {markdown_text(view.title)}"
        if not view.columns:
            parts.append("\n".join([title, "", *(f"{markdown_text(note)}  " for note in view.notes)]).rstrip())
            continue
        lines = [title, "", "| " + " | ".join(map(markdown_text, view.columns)) + " |"]
        right = set(view.right)  # a set: a compare of 10,000 designs has 20,000 columns
        lines.append("|" + "|".join("---:" if i in right else "---" for i in range(len(view.columns))) + "|")
        for row, emphasis in view.rows:
            cells = [markdown_text(c.strip(" ")) for c in row]  # spaces only: a name's own tab is shown
            if emphasis:
                cells = [f"**{c}**" if c else c for c in cells]
            lines.append("| " + " | ".join(cells) + " |")
        lines += [""] + [f"{markdown_text(note)}  " for note in view.notes]
        parts.append("\n".join(lines).rstrip())
    return "\n\n".join(parts) + "\n"


def markdown_error(error: Exception) -> str:
    """A bad spec or bad usage, said in Markdown: what a job summary built from stdout shows.

    The message is fenced by more backticks than it holds in a row, so that no file name can close the fence."""
    text = str(error)
    fence = "`" * max(3, 1 + max(map(len, re.findall("`+", text)), default=0))
    return f"### costcalc: error\n\n{fence}text\n{text}\n{fence}\n"


def cost_dict(cost: Cost) -> dict[str, int]:
    return {name: getattr(cost, name) for name in COST_FIELDS}


def _header(analysis: Analysis) -> dict:
    return {
        "costcalc": __version__,
        "format": JSON_FORMAT,
        "spec": analysis.file,
        "name": analysis.name,
        "input": list(analysis.input),
        "convention": analysis.convention,
        "bytes_per_element": analysis.bytes_per_element,
        "baseline": analysis.baseline,
    }


def row_json(row: Row, more: dict) -> str:
    """A row as one line of JSON (docs/json.md), `more`'s keys after its own: the text the encoder writes for the
    row's dict, written here (the dict and the encoder took two thirds of a json report's writing)."""
    items = [f'"path": {string(row.path)}, "name": {string(row.name)}, "kind": {string(row.kind)}, '
             f'"role": {string(row.role)}, "depth": {row.depth}, "input": {_ints(row.input)}, '
             f'"output": {_ints(row.output)}',
             _COST_JSON % _COST_FIGURES(row.cost),
             f'"line": {row.where.line if row.where else "null"}']
    if row.sources:
        items.append(f'"from": [{", ".join(map(string, row.sources))}]')
    if row.keep:
        items.append(f'"as": {string(row.keep)}')
    if more:
        items += (f"{string(key)}: {encode(value)}" for key, value in more.items())
    return json_visible("{" + ", ".join(items) + "}")


@functools.lru_cache(maxsize=4096)  # layers repeat their shapes: a look-up takes a fifth of the writing
def _ints(shape: Shape) -> str:
    return str(list(shape))  # a list of ints prints as its JSON


def design_dict(design: DesignResult, depth: int | None, extra: ExtraColumns | None = None) -> dict:
    def more(path: str) -> dict:
        return dict(zip(extra.keys, extra.row_values(design.name, path))) if extra else {}

    return {
        "name": design.name, "input": list(design.input), **output_dict(design),
        "totals": {**cost_dict(design.total), **more("")}, "flops_by_kind": design.breakdown,
        "rows": Lines((row_json(r, more(r.path)) for r in design.rows if depth is None or r.depth <= depth),
                      encoded=True),
    }


def output_dict(design: DesignResult) -> dict:
    """`output`, its shape, and for a design that names its outputs `outputs`, each one's (`output` null if several)."""
    if not design.outputs:
        return {"output": list(design.output)}
    return {"output": list(design.output) if len(design.outputs) == 1 else None,
            "outputs": {name: list(shape) for name, shape in design.outputs.items()}}


def report_json(analysis: Analysis, depth: int | None = None, extra: ExtraColumns | None = None) -> str:
    data = {**_header(analysis), "devices": extra.devices if extra else {},
            "designs": [design_dict(d, depth, extra) for d in analysis.designs]}
    return json_text(data)


def convention_diff_json(first: Analysis, second: Analysis) -> str:
    """Per design, FLOPs by operation kind under two conventions."""
    designs = [{"name": one.name,
                "flops_by_kind": {first.convention: one.breakdown, second.convention: other.breakdown},
                "flops": {first.convention: one.total.flops, second.convention: other.total.flops}}
               for one, other in zip(first.designs, second.designs)]
    data = {**_header(first), "convention": None, "conventions": [first.convention, second.convention],
            "designs": designs}
    return json_text(data)


def conventions_json(conventions) -> str:
    import json

    data = [{"name": c.name, "description": c.description, "flops_per_mac": c.flops_per_mac, "rules": c.summary,
             "no_rule": {kind: list(forms) for kind, forms in c.no_rule.items()}, "partly": c.partly}
            for c in conventions]
    return json.dumps({"costcalc": __version__, "format": JSON_FORMAT, "conventions": data}, indent=2,
                      ensure_ascii=False) + "\n"


def compare_json(comparison: Comparison, more: dict[str, dict] | None = None,
                 devices: dict[str, str] | None = None) -> str:
    """The comparison; `more` adds, by design name, keys to each design (costcalc.show.device's figures);
    `devices`, where each device comes from."""
    from ..analyses.compare import METRICS

    analysis = comparison.analysis
    designs = [
        {"name": d.name, **output_dict(d), "totals": cost_dict(d.total),
         "ratios": {name: comparison.ratio(d, name) for name in METRICS}, **(more or {}).get(d.name, {})}
        for d in analysis.designs
    ]
    branches = [
        {"path": line.path, "role": line.role, "designs": {name: cost_dict(c) for name, c in line.costs.items()}}
        for line in comparison.branches
    ]
    data = {**_header(analysis), "baseline": comparison.baseline.name, "devices": devices or {}, "designs": designs,
            "best": {name: list(names) for name, names in comparison.best.items()}, "branches": branches}
    return json_text(data)


def _csv_shape(shape) -> str:
    return "x".join(map(str, shape))


def _csv_output(design: DesignResult) -> str:
    """A design's output shape, or each named output's: `p4:14x14x256 p5:7x7x256`."""
    if len(design.outputs) > 1:
        return " ".join(f"{name}:{_csv_shape(shape)}" for name, shape in design.outputs.items())
    return _csv_shape(design.output)


def csv_text(header: list[str], rows) -> str:
    """A header and rows as CSV text with exact integers; no cell runs as a spreadsheet formula."""
    out = io.StringIO()
    import csv

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(map(csv_cell, header))
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


def report_csv(analysis: Analysis, depth: int | None = None, extra: ExtraColumns | None = None) -> str:
    """A row per layer and group of each design, then a `total` row per design; `extra` adds columns."""
    header = ["design", "path", "kind", "role", "depth", "input", "output", *COST_FIELDS,
              *(extra.keys if extra else ())]

    def more(design: str, path: str) -> tuple:
        return tuple("" if v is None else v for v in extra.row_values(design, path)) if extra else ()

    rows = []
    for design in analysis.designs:
        for row in design.rows:
            if depth is None or row.depth <= depth:
                rows.append([design.name, row.path, row.kind, row.role, row.depth, _csv_shape(row.input),
                             _csv_shape(row.output), *cost_dict(row.cost).values(), *more(design.name, row.path)])
        rows.append([design.name, "", "", "total", "", _csv_shape(design.input), _csv_output(design),
                     *cost_dict(design.total).values(), *more(design.name, "")])
    return csv_text(header, rows)


def compare_csv(comparison: Comparison, more: tuple[list[str], dict[str, list]] | None = None) -> str:
    """The designs, one per row; `more` is (header, values by design) of further columns."""
    from ..analyses.compare import METRICS

    extra_header, extra = more or ([], {})
    header = ["design", "output", *COST_FIELDS, *(f"{name}_ratio" for name in METRICS), *extra_header]
    rows = [
        [d.name, _csv_output(d), *cost_dict(d.total).values(),
         *(comparison.ratio(d, name) for name in METRICS), *extra.get(d.name, [])]
        for d in comparison.analysis.designs
    ]
    return csv_text(header, rows)
