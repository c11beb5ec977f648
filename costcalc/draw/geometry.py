"""A design as boxes and edges: input at the top, layers stacked, branches side by side.

Pure geometry, no SVG: `diagram_of(design, depth)` turns a design's rows into a `Diagram` of
boxes (layers, merges, collapsed blocks), frames (expanded blocks and branches) and
edges (orthogonal polylines), all in pixels. Rows deeper than `depth` are folded into their
group, drawn as one box. Each box is filled by its share of the design's MACs, or of whatever
a `Fill` gives (costcalc.draw.timing: the estimated latency on a device).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

from ..count.engine import DesignResult, Row
from ..errors import LimitError
from ..limits import MAX_DRAWN_BOXES
from ..model.ops import format_shape
from ..units import readable
from .labels import label, shorten

BOX_W, BOX_H = 260, 66
GAP_Y, GAP_X = 34, 24
PAD, TITLE_H = 12, 26
CHAR_W = 8.4
"""The width of one character of the diagram's 14 px monospace-like text, for fitting labels."""

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    lines: tuple[str, ...]
    share: float
    """The box's share of the design's total (MACs, or what the `Fill` shows), 0 to 1: what its fill shows."""
    role: str
    path: str
    note: str = ""
    """More about the box for its tooltip (the `Fill`'s note), or nothing."""


@dataclass(frozen=True, slots=True)
class Frame:
    x: float
    y: float
    w: float
    h: float
    title: str
    role: str


@dataclass(frozen=True, slots=True)
class Edge:
    points: tuple[Point, ...]
    label: str = ""
    """The name (`as:`) of the tensor a skip edge carries, written where it leaves its box."""


@dataclass(frozen=True, slots=True)
class Diagram:
    width: float
    height: float
    boxes: tuple[Box, ...]
    frames: tuple[Frame, ...]
    edges: tuple[Edge, ...]
    caption: str = ""
    """What the fill shows, for the legend."""


MACS_CAPTION = "fill: share of the design's MACs"


@dataclass(frozen=True, slots=True)
class Fill:
    """What the boxes' fill shows: each row's share of the design's total by path (0 to 1), a note
    per row for its tooltip, and the legend's caption."""

    caption: str
    shares: dict[str, float]
    notes: dict[str, str] = field(default_factory=dict)
    figures: dict[str, str] = field(default_factory=dict)
    """What each box shows before its MACs, by path: the time the fill is a share of."""


def macs_fill(design: DesignResult) -> Fill:
    """The default fill: each row's share of the design's MACs."""
    total = design.total.macs
    return Fill(MACS_CAPTION, {row.path: row.cost.macs / total if total else 0.0 for row in design.rows})


@dataclass(slots=True)
class _Part:
    """Laid-out geometry relative to its own top-left corner, with where edges enter and leave."""

    w: float
    h: float
    top: Point
    bottom: Point
    boxes: list = field(default_factory=list)
    frames: list = field(default_factory=list)
    edges: list = field(default_factory=list)

    def moved(self, dx: float, dy: float) -> _Part:
        shift = lambda p: (p[0] + dx, p[1] + dy)  # noqa: E731
        return _Part(
            self.w, self.h, shift(self.top), shift(self.bottom),
            [Box(b.x + dx, b.y + dy, b.w, b.h, b.lines, b.share, b.role, b.path, b.note) for b in self.boxes],
            [Frame(f.x + dx, f.y + dy, f.w, f.h, f.title, f.role) for f in self.frames],
            [Edge(tuple(shift(p) for p in e.points), e.label) for e in self.edges],
        )


@dataclass(slots=True)
class _Node:
    row: Row
    children: list[_Node] = field(default_factory=list)


def tree(rows: tuple[Row, ...]) -> list[_Node]:
    """Rows in pre-order with depths → nested nodes."""
    roots: list[_Node] = []
    stack: list[_Node] = []
    for row in rows:
        node = _Node(row)
        while stack and stack[-1].row.depth >= row.depth:
            stack.pop()
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return roots


def cells(width: float) -> int:
    """How many characters fit `width` pixels (at least 5)."""
    return max(int(width / CHAR_W), 5)


def box_lines(row: Row, figure: str = "") -> tuple[str, ...]:
    """Name (and kind, where it adds something), output shape, and MACs and params (or `figure` first:
    the time the fill shows)."""
    counts = f"{readable(row.cost.macs)} MACs" + ("" if figure else f" · {readable(row.cost.params)} params")
    return (label(row.path.rsplit("/", 1)[-1], row.kind, cells(BOX_W - 16)), format_shape(row.output),
            f"{figure} · {counts}" if figure else counts)


def bounded(designs: list[DesignResult], depth: int | None) -> None:
    """Refuse diagrams of more than MAX_DRAWN_BOXES boxes in all (a layer, merge or folded block each)."""
    drawn = sum(1 for design in designs for row in design.rows if depth is None or row.depth <= depth)
    if drawn > MAX_DRAWN_BOXES:
        names = ", ".join(design.name for design in designs)
        raise LimitError(f"the diagram of {shorten(names, 60)} would have {drawn:,} boxes, more than "
                         f"{MAX_DRAWN_BOXES:,}", hint="fold blocks into one box each with --depth (0 draws the top "
                                                      "level only)")


def diagram_of(design: DesignResult, depth: int | None = None, fill: Fill | None = None) -> Diagram:
    """The whole design: an input box on top of its rows, every part centred on its column; boxes
    filled by `fill` (default: their share of the MACs)."""
    bounded([design], depth)
    fill = fill or macs_fill(design)

    def box(row: Row, lines: tuple[str, ...] | None = None) -> _Part:
        share, note = ((0.0, "") if row.role == "input"
                       else (fill.shares.get(row.path, 0.0), fill.notes.get(row.path, "")))
        lines = lines or box_lines(row, fill.figures.get(row.path, ""))
        return _Part(BOX_W, BOX_H, (BOX_W / 2, 0), (BOX_W / 2, BOX_H),
                     [Box(0, 0, BOX_W, BOX_H, lines, share, row.role, row.path, note)])

    def folded(row: Row) -> bool:
        return depth is not None and row.depth >= depth

    def element(node: _Node) -> _Part:
        row = node.row
        if row.role in ("layer", "merge") or folded(row) or not node.children:
            return box(row)
        return framed(branches(node) if row.role == "branches" else sequence(node.children), row)

    def framed(content: _Part, row: Row) -> _Part:
        """A block or branches module: its parts inside a frame titled with its name, kind and MACs (or time)."""
        inner = content.moved(PAD, TITLE_H)
        height = inner.h + TITLE_H + PAD
        part = _Part(inner.w + 2 * PAD, height, inner.top, inner.bottom, inner.boxes, inner.frames, inner.edges)
        figure = fill.figures.get(row.path) or f"{readable(row.cost.macs)} MACs"
        title = label(row.path.rsplit("/", 1)[-1], row.kind, cells(part.w - 2 * PAD), figure)
        part.frames.insert(0, Frame(0, 0, part.w, part.h, title, row.role))
        return part

    def sequence(nodes: list[_Node]) -> _Part:
        parts = [element(n) for n in nodes]
        width = max((p.w for p in parts), default=BOX_W / 2)
        seq = _Part(width, 0, (width / 2, 0), (width / 2, 0))
        for index, part in enumerate(parts):
            dy = seq.h + (GAP_Y if index else 0)
            placed = part.moved((width - part.w) / 2, dy)
            if not index:
                seq.top = placed.top
            elif not reads_named(nodes[index].row):
                seq.edges.append(Edge((seq.bottom, placed.top)))
            seq.boxes += placed.boxes
            seq.frames += placed.frames
            seq.edges += placed.edges
            seq.h, seq.bottom = dy + part.h, placed.bottom
        return seq

    def column(group: _Node) -> _Part:
        """One branch: its name on a band, left of the edge down its middle, then its layers (or one box, folded;
        or nothing, the identity, as wide as its name needs up to a box's width)."""
        name = group.row.path.rsplit("/", 1)[-1]
        if group.children:
            inner = box(group.row) if folded(group.row) else sequence(group.children)
        else:
            half = min(max(BOX_W / 4, len(name) * CHAR_W + 12), BOX_W / 2)
            inner = _Part(2 * half, 0, (half, 0), (half, 0))
        col = inner.moved(0, TITLE_H)
        col.h += TITLE_H
        col.frames.insert(0, Frame(0, 0, col.w, TITLE_H, shorten(name, cells(col.w / 2 - 12)), "branch"))
        return col

    def branches(node: _Node) -> _Part:
        *groups, merge = node.children
        columns = [column(g) for g in groups]
        spread = sum(c.w for c in columns) + GAP_X * (len(columns) - 1)
        merged = box(merge.row)
        width = max(spread, merged.w)
        fork_y, top_y = GAP_Y / 2, GAP_Y
        merge_y = top_y + max(c.h for c in columns) + GAP_Y
        part = _Part(width, merge_y + merged.h, (width / 2, 0), (width / 2, merge_y + merged.h))
        x = (width - spread) / 2
        for col in columns:
            placed = col.moved(x, top_y)
            part.boxes += placed.boxes
            part.frames += placed.frames
            part.edges += placed.edges
            join_y = merge_y - GAP_Y / 2
            part.edges.append(Edge(((width / 2, 0), (width / 2, fork_y), (placed.top[0], fork_y), placed.top)))
            part.edges.append(Edge((placed.bottom, (placed.bottom[0], join_y), (width / 2, join_y),
                                    (width / 2, merge_y))))
            x += col.w + GAP_X
        part.boxes += merged.moved((width - merged.w) / 2, merge_y).boxes
        return part

    empty = Row("input", "input", "input", "input", 0, design.input, design.input, type(design.total)())
    head = box(empty, ("input", format_shape(design.input), ""))
    body = sequence(tree(design.rows))
    width = max(BOX_W, body.w)
    top = head.moved((width - BOX_W) / 2, 0)
    parts = [top]
    height: float = BOX_H
    if design.rows:
        rest = body.moved((width - body.w) / 2, BOX_H + GAP_Y)
        parts.append(rest)
        height = BOX_H + GAP_Y + body.h
    whole = _Part(width, height, top.top, parts[-1].bottom,
                  [b for p in parts for b in p.boxes], [f for p in parts for f in p.frames],
                  [e for p in parts for e in p.edges] + ([Edge((top.bottom, parts[1].top))] if design.rows else []))
    named = named_edges(design.rows, whole.boxes, whole.frames)
    width = max([width, *(max(x for x, _ in e.points) + LANE for e in named),
                 *(e.points[0][0] + CHAR_W * LABEL_SIZE / 14 * (len(e.label) + 1) for e in named)])
    margin = 16
    whole = _Part(width, height, whole.top, whole.bottom, whole.boxes, whole.frames, whole.edges + named)
    whole = whole.moved(margin, margin)
    return Diagram(width + 2 * margin, height + 2 * margin, tuple(whole.boxes), tuple(whole.frames), tuple(whole.edges),
                   fill.caption)


LANE = 14
"""How far right of what it passes a named-tensor edge runs, and how far apart two such edges run."""
LABEL_SIZE = 12
"""The size in px of an edge's label; a character of it is CHAR_W * LABEL_SIZE / 14 wide."""


def reads_named(row: Row) -> bool:
    """A layer that reads a named tensor instead of the one before it (a merge reads both)."""
    return bool(row.sources) and row.role != "merge"


def _parent(path: str) -> str:
    return path.rpartition("/")[0]


def named_edges(rows: tuple[Row, ...], boxes: list[Box], frames: list[Frame]) -> list[Edge]:
    """An edge from each named tensor a row reads to that row, routed down a lane right of what lies between."""
    index = _Index(rows, boxes)
    edges: list[Edge] = []
    for at, row in enumerate(rows):
        target = index.drawn.get(row.path)
        if target is None or not row.sources:
            continue
        sibling = index.sibling[at]
        for name in row.sources:
            start = _named_source(index, at, name)
            if start is None or (row.role == "merge" and name != "input" and sibling is not None
                                 and rows[sibling].keep == name):
                continue  # the edge from the layer just before is drawn already
            edges.append(_route(start, target, boxes, frames, len(edges), name))
    return edges


class _Index:
    """What finding a named tensor's writer needs, worked out in one pass over the rows (pre-order): each
    row's previous sibling, where each group's rows end, the rows that name each tensor by scope, and the
    order of the drawn boxes."""

    def __init__(self, rows: tuple[Row, ...], boxes: list[Box]):
        self.rows, self.drawn = rows, {box.path: box for box in boxes}
        self.order = {row.path: i for i, row in enumerate(rows)}
        self.sibling: list[int | None] = []
        self.end = [len(rows)] * len(rows)
        self.keepers: dict[tuple[str, str], list[int]] = {}
        last: dict[str, int] = {}
        open_rows: list[int] = []
        for i, row in enumerate(rows):
            while open_rows and rows[open_rows[-1]].depth >= row.depth:
                self.end[open_rows.pop()] = i
            open_rows.append(i)
            parent = _parent(row.path)
            self.sibling.append(last.get(parent))
            last[parent] = i
            if row.keep:
                self.keepers.setdefault((parent, row.keep), []).append(i)
        self.boxes = sorted(self.order[b.path] for b in boxes if b.path in self.order)

    def writer(self, at: int, name: str) -> int | None:
        """The last row before `at` that names `name` in `at`'s scope or around it."""
        scope, found = _parent(self.rows[at].path), None
        while True:
            before = self.keepers.get((scope, name), [])
            k = bisect_left(before, at)
            if k and (found is None or before[k - 1] > found):
                found = before[k - 1]
            if not scope:
                return found
            scope = _parent(scope)

    def last_box(self, at: int) -> Box | None:
        """The drawn box of the row at `at`, or else the last drawn box inside it."""
        if self.rows[at].path in self.drawn:
            return self.drawn[self.rows[at].path]
        k = bisect_left(self.boxes, self.end[at])
        return self.drawn[self.rows[self.boxes[k - 1]].path] if k and self.boxes[k - 1] > at else None


def _named_source(index: _Index, at: int, name: str) -> tuple[float, float] | None:
    """Where an edge for `name` leaves: the right side of the box that wrote it; for `input`, of the box
    whose output enters the enclosing block or branch (the network's input box at the top level)."""
    if name == "input":
        writer = _entering(index, _parent(index.rows[at].path))
    else:
        writer = index.writer(at, name)
    box = (index.drawn.get("input") if name == "input" else None) if writer is None else index.last_box(writer)
    return (box.x + box.w, box.y + box.h / 2) if box else None


def _entering(index: _Index, scope: str) -> int | None:
    """The row whose output is the input of the group at `scope`: the sibling before it, or what enters
    its own parent (a branch's input is its branches' input); None for the network's input."""
    while scope:
        at = index.order.get(scope)
        if at is None:
            return None
        if index.rows[at].role != "branch" and index.sibling[at] is not None:
            return index.sibling[at]
        scope = _parent(scope)
    return None


def _route(start: tuple[float, float], target: Box, boxes: list[Box], frames: list[Frame], number: int,
           name: str) -> Edge:
    end = (target.x + target.w, target.y + target.h / 2)
    top, bottom = start[1], end[1]
    beside = [b.x + b.w for b in boxes if b.y < bottom and b.y + b.h > top]
    beside += [f.x + f.w for f in frames if f.y < bottom and f.y + f.h > top and not _holds(f, start, target)]
    lane = max([start[0], end[0], *beside]) + LANE * (1 + number % 3)
    return Edge((start, (lane, start[1]), (lane, end[1]), end), "" if name == "input" else name)


def _holds(frame: Frame, start: tuple[float, float], box: Box) -> bool:
    """Whether both ends of an edge lie in the frame, so that the edge may run inside it."""
    inside = frame.x <= start[0] <= frame.x + frame.w and frame.y <= start[1] <= frame.y + frame.h
    return inside and frame.x <= box.x and box.x + box.w <= frame.x + frame.w and frame.y <= box.y <= frame.y + frame.h
