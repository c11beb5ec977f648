"""A `Diagram` as SVG: boxes filled by their share of the design's MACs (or of what the diagram's fill
shows), with a legend that says so, and each box's note as its tooltip."""

from __future__ import annotations

import math

from ..safe import xml_text
from .geometry import CHAR_W, LABEL_SIZE, Diagram, cells
from .labels import shorten

FONT = "DejaVu Sans Mono, Menlo, Consolas, monospace"
BINS = ((0.0, "0%"), (0.02, "≤2%"), (0.05, "≤5%"), (0.10, "≤10%"), (0.20, "≤20%"), (0.40, "≤40%"), (1.01, ">40%"))
FILLS = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
"""ColorBrewer's Blues: one hue, light to dark, readable by colour-blind eyes and on a washed-out projector."""
INPUT_FILL = "#e8e8e8"
LEGEND_H = 60
HEADING_H = 32
"""Room above each diagram for its design's name, where several are drawn side by side."""

def backed(x: float, y: float, text: str, size: int, attributes: str) -> list[str]:
    """Text of `size` px at (x, y) on a white rectangle of its size, so that an edge passing under it leaves it
    readable in every renderer (a `paint-order` halo is lost in those without it: cairosvg, slide tools)."""
    return [f'<rect class="text-back" x="{x - 3:g}" y="{y - size + 1:g}" '
            f'width="{len(text) * CHAR_W * size / 14 + 6:g}" '
            f'height="{size + 4:g}" fill="#ffffff"/>',
            f'<text x="{x:g}" y="{y:g}" font-size="{size}" {attributes}>{xml_text(text)}</text>']


def fill(share: float) -> str:
    """The fill of a box with this share (of the MACs, or the latency): the first bin whose upper bound holds it."""
    if share <= 0:
        return FILLS[0]
    return next(colour for (bound, _), colour in zip(BINS[1:], FILLS[1:]) if share <= bound)


def ink(colour: str) -> str:
    """Black or white text, whichever reads on `colour`."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#000000" if 0.299 * red + 0.587 * green + 0.114 * blue > 140 else "#ffffff"


def legend(y: float, captions: list[str]) -> list[str]:
    """What the fill shows (a line per caption), then the bins' colours."""
    labels = ["0%", "≤2%", "≤5%", "≤10%", "≤20%", "≤40%", ">40%"]
    parts = [f'<text x="16" y="{y + 18 + 18 * i}" class="legend">{xml_text(caption)}</text>'
             for i, caption in enumerate(captions)]
    y += 18 * (len(captions) - 1)
    for i, (label, colour) in enumerate(zip(labels, FILLS)):
        x = 16 + i * 70
        parts.append(f'<rect x="{x}" y="{y + 28}" width="60" height="24" fill="{colour}" stroke="#333"/>')
        parts.append(f'<text x="{x + 30}" y="{y + 45}" text-anchor="middle" '
                     f'fill="{ink(colour)}">{xml_text(label)}</text>')
    return parts


def svg(diagram: Diagram, title: str = "") -> str:
    """A standalone SVG document."""
    return side_by_side([("", diagram)], title)


def side_by_side(diagrams: list[tuple[str, Diagram]], title: str = "") -> str:
    """Diagrams left to right in one SVG document, each under its name (none for a lone unnamed one), over one
    legend: a caption for all, or one per design where they differ (a latency's total)."""
    headed = any(name for name, _ in diagrams)
    top = HEADING_H if headed else 0
    captions = list(dict.fromkeys(diagram.caption for _, diagram in diagrams))
    if len(captions) > 1:
        captions = [f"{name}: {diagram.caption}" for name, diagram in diagrams]
    body, x = [], 0.0
    for name, diagram in diagrams:
        if headed:
            body.append(f'<text class="design" x="{x + 16:g}" y="22" font-size="16" font-weight="bold">'
                        f'{xml_text(shorten(name, cells(diagram.width - 32)))}</text>')
        body += [f'<g transform="translate({x:g},{top:g})">', *drawing(diagram), "</g>"] if headed else drawing(diagram)
        x += diagram.width
    height = top + max(diagram.height for _, diagram in diagrams)
    width = max(x, 16 + 7 * 70, *(math.ceil(32 + CHAR_W * len(caption)) for caption in captions))
    return document(width, height + LEGEND_H + 18 * (len(captions) - 1), title, [*body, *legend(height, captions)])


def document(width: float, height: float, title: str, body: list[str]) -> str:
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" width="{width:g}" '
           f'height="{height:g}" font-family="{FONT}" font-size="14" role="img">']
    if title:
        out.append(f"<title>{xml_text(title)}</title>")
    out.append('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
               'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#444"/></marker></defs>')
    out.append(f'<rect width="{width:g}" height="{height:g}" fill="#ffffff"/>')
    out += body
    out.append("</svg>")
    return "\n".join(out) + "\n"


def drawing(diagram: Diagram) -> list[str]:
    """A diagram's frames, edges, titles and boxes."""
    out = []
    for frame in diagram.frames:
        if frame.role != "branch":
            out.append(f'<rect class="frame" x="{frame.x:g}" y="{frame.y:g}" width="{frame.w:g}" height="{frame.h:g}" '
                       'rx="10" fill="none" stroke="#777" stroke-dasharray="6 4"/>')
    for edge in diagram.edges:
        points = " ".join(f"{x:g},{y:g}" for x, y in edge.points)
        out.append(f'<polyline class="edge" points="{points}" fill="none" stroke="#444" stroke-width="1.5" '
                   'marker-end="url(#arrow)"/>')
    for edge in diagram.edges:  # over the edges, each on a white rectangle
        if edge.label:
            x, y = edge.points[0]
            out += backed(x + 4, y - 5, edge.label, LABEL_SIZE, 'class="edge-label" fill="#333"')
    for frame in diagram.frames:
        out += backed(frame.x + 8, frame.y + 18, frame.title, 14, 'class="frame-title" fill="#333" font-weight="bold"')
    for box in diagram.boxes:
        colour = INPUT_FILL if box.role == "input" else fill(box.share)
        out.append(f'<g class="box" data-path="{xml_text(box.path)}">')
        if box.note:
            out.append(f"<title>{xml_text(box.note)}</title>")
        out.append(f'<rect x="{box.x:g}" y="{box.y:g}" width="{box.w:g}" height="{box.h:g}" rx="6" fill="{colour}" '
                   'stroke="#333"/>')
        for i, line in enumerate(box.lines):
            weight = ' font-weight="bold"' if i == 0 else ""
            out.append(f'<text x="{box.x + box.w / 2:g}" y="{box.y + 20 + 18 * i:g}" text-anchor="middle" '
                       f'fill="{ink(colour)}"{weight}>{xml_text(line)}</text>')
        out.append("</g>")
    return out
