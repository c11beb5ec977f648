"""Self-contained HTML pages: summary figures, tables, bar charts and diagrams, inline CSS and SVG only.

No script, no font or style from the network: the page opens the same offline, in a review
tool or projected in class.
"""

from __future__ import annotations

from ..analyses.compare import Comparison
from ..count.engine import Analysis, DesignResult
from ..errors import LimitError
from ..safe import xml_text
from ..show.views import ExtraColumns, View, compare_views, report_views
from ..units import readable, readable_bytes
from .geometry import diagram_of
from .svg import FONT, svg

STYLE = f"""
body {{ font-family: system-ui, sans-serif; margin: 24px; color: #111; background: #fff; }}
h1 {{ font-size: 26px; }} h2 {{ font-size: 21px; margin-top: 32px; }}
table {{ border-collapse: collapse; font-family: {FONT}; font-size: 15px; }}
th, td {{ border: 1px solid #999; padding: 4px 10px; }} th {{ background: #eee; }}
td.num {{ text-align: right; }} tr.em td {{ font-weight: bold; }}
.figures {{ display: flex; flex-wrap: wrap; gap: 16px; }}
.figure {{ border: 1px solid #999; border-radius: 8px; padding: 10px 16px; min-width: 150px; }}
.figure .value {{ font-size: 24px; font-weight: bold; }} .figure .label {{ color: #333; }}
.note {{ color: #333; }} svg {{ max-width: 100%; height: auto; }}
"""
BAR = "#3182bd"


def table(view: View) -> str:
    head = "".join(f"<th>{xml_text(c)}</th>" for c in view.columns)
    rows = []
    for cells, emphasis in view.rows:
        tds = "".join(f'<td class="num">{xml_text(c.strip())}</td>' if i in view.right else f"<td>{xml_text(c)}</td>"
                      for i, c in enumerate(cells))
        rows.append(f'<tr class="em">{tds}</tr>' if emphasis else f"<tr>{tds}</tr>")
    notes = "".join(f'<p class="note">{xml_text(n)}</p>' for n in view.notes)
    return f"<h3>{xml_text(view.title)}</h3>\n<table><tr>{head}</tr>\n" + "\n".join(rows) + f"\n</table>{notes}"


def bars(title: str, items: list[tuple[str, int]], text=readable) -> str:
    """A horizontal bar chart as SVG: one labelled bar per item, lengths in proportion."""
    label_w, bar_w, row_h = 260, 520, 30
    top = max((v for _, v in items), default=0) or 1
    height = 40 + row_h * len(items)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {label_w + bar_w + 120} {height}" '
           f'width="{label_w + bar_w + 120}" height="{height}" font-family="{FONT}" font-size="14" role="img">',
           f'<text x="0" y="20" font-weight="bold">{xml_text(title)}</text>']
    for i, (label, value) in enumerate(items):
        y = 34 + i * row_h
        length = bar_w * value / top
        out.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end">{xml_text(label[-32:])}</text>')
        out.append(f'<rect class="bar" x="{label_w}" y="{y}" width="{length:.1f}" height="{row_h - 8}" fill="{BAR}"/>')
        out.append(f'<text x="{label_w + length + 6:.1f}" y="{y + 17}">{xml_text(text(value))}</text>')
    out.append("</svg>")
    return "\n".join(out)


def figures(design: DesignResult, analysis: Analysis) -> str:
    total = design.total
    items = [("MACs", readable(total.macs)), ("FLOPs", readable(total.flops)), ("params", readable(total.params)),
             ("activations", readable_bytes(total.activation_bytes)),
             ("outputs" if len(design.outputs) > 1 else "output", design.outputs_text())]
    cards = "".join(f'<div class="figure"><div class="value">{xml_text(v)}</div>'
                    f'<div class="label">{xml_text(k)}</div></div>'
                    for k, v in items)
    return f'<div class="figures">{cards}</div>'


def page(title: str, body: list[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
            f"<title>{xml_text(title)}</title><style>{STYLE}</style></head>\n<body>\n<h1>{xml_text(title)}</h1>\n"
            + "\n".join(body) + "\n</body></html>\n")


def parts_of(design: DesignResult) -> list[tuple[str, int]]:
    """What a bar chart of a design shows: its top-level blocks and branches, or its layers; a design that
    is one module shows the module's parts."""
    depth = 0
    while True:
        level = [row for row in design.rows if row.depth == depth and row.role != "merge"]
        groups = [row for row in level if row.role != "layer"]
        if len(level) != 1 or not groups:
            break
        depth += 1
    return [(row.path, row.cost.macs) for row in (groups or level)]


def diagram(design: DesignResult, depth: int | None, title: str) -> str:
    """The design's diagram, or a note where it would pass MAX_DRAWN_BOXES."""
    try:
        return svg(diagram_of(design, depth), title)
    except LimitError as error:
        return f'<p class="note">No diagram: {xml_text(str(error))}.</p>'



def report_page(analysis: Analysis, depth: int | None = None, exact: bool = False, extra: ExtraColumns | None = None,
                roofline=None) -> str:
    """Each design: its figures, its MACs by block or branch, its roofline on a device (`roofline`: design →
    SVG), its diagram, and the report's tables (with `extra` columns)."""
    title = analysis.name or analysis.file
    body = []
    views = report_views(analysis, depth, exact, extra)
    for index, design in enumerate(analysis.designs):
        body.append(f"<h2>{xml_text(design.name)}</h2>")
        body.append(figures(design, analysis))
        body.append(bars(f"MACs by block or branch — {design.name}", parts_of(design)))
        if roofline:
            body.append(roofline(design))
        body.append(diagram(design, depth, f"{title} — {design.name}"))
        body += [table(view) for view in views[2 * index: 2 * index + 2]]
    return page(title, body)


def compare_page(comparison: Comparison, exact: bool = False, depth: int | None = None) -> str:
    """The designs table, MACs, params and activations side by side as bars, and each design's diagram."""
    analysis = comparison.analysis
    title = analysis.name or analysis.file
    body = [table(view) for view in compare_views(comparison, exact)]
    designs = analysis.designs
    body.append(bars("MACs", [(d.name, d.total.macs) for d in designs]))
    body.append(bars("params", [(d.name, d.total.params) for d in designs]))
    body.append(bars("activations", [(d.name, d.total.activation_bytes) for d in designs], readable_bytes))
    for design in designs:
        body.append(f"<h2>{xml_text(design.name)}</h2>")
        body.append(diagram(design, depth, f"{title} — {design.name}"))
    return page(title, body)
