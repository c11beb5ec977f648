"""Table models of reports and comparisons: titled rows of text cells, for Rich and Markdown alike."""

from __future__ import annotations

from ..analyses.compare import METRICS, Comparison, metric
from ..count.conventions import KINDS
from ..count.engine import Analysis, Cost, DesignResult
from ..model.ops import format_shape
from ..record import field, record
from ..units import exact as exact_figure
from ..units import ratio as ratio_text
from ..units import readable, readable_bytes

BEST = "★"
METRIC_TITLES = {"params": "params", "macs": "MACs", "flops": "FLOPs", "activation_bytes": "activations"}


@record
class View:
    """A titled table: `rows` are (cells, emphasis) pairs; `notes` follow the table.

    To fit a narrow console (show/fit.py), a column of `joins` may share the cell of the column
    before it (a ratio beside its value), and a `transposable` table may be turned, rows as columns.
    The first `keys` columns name a row (design, varied parameters, layer path): a table split in groups of
    columns repeats them in every group.
    A view without columns is its title and notes, with no table.
    """

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[tuple[str, ...], bool]] = field(default_factory=list)
    notes: tuple[str, ...] = ()
    right: tuple[int, ...] = ()
    joins: tuple[int, ...] = ()
    transposable: bool = False
    keys: int = 1


@record
class ExtraColumns:
    """More columns for a report's rows, each design's by row path ("" for the total row).

    `cells` are the table's text under `titles`; `values` are what json and csv carry under `keys`;
    `notes`, per design, what the table says under them; `devices`, where each device's figures come from
    (name → origin, costcalc.device.profiles.origin).
    """

    titles: tuple[str, ...]
    keys: tuple[str, ...]
    cells: dict[str, dict[str, tuple[str, ...]]]
    values: dict[str, dict[str, tuple]]
    notes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    devices: dict[str, str] = field(default_factory=dict)

    def row_cells(self, design: str, path: str) -> tuple[str, ...]:
        return self.cells.get(design, {}).get(path, ("",) * len(self.titles))

    def row_values(self, design: str, path: str) -> tuple:
        return self.values.get(design, {}).get(path, (None,) * len(self.keys))

    def __add__(self, other: ExtraColumns) -> ExtraColumns:
        """These columns, then `other`'s."""
        paths = {(d, p) for mine in (self.cells, other.cells) for d, rows in mine.items() for p in rows}
        cells: dict[str, dict[str, tuple]] = {}
        values: dict[str, dict[str, tuple]] = {}
        for design, path in paths:
            cells.setdefault(design, {})[path] = self.row_cells(design, path) + other.row_cells(design, path)
            values.setdefault(design, {})[path] = self.row_values(design, path) + other.row_values(design, path)
        notes = {d: self.notes.get(d, ()) + other.notes.get(d, ()) for d in {**self.notes, **other.notes}}
        return ExtraColumns(self.titles + other.titles, self.keys + other.keys, cells, values, notes,
                            self.devices | other.devices)


def device_notes(devices: dict[str, str]) -> tuple[str, ...]:
    """Where each device's figures come from, as every output's notes say it: `device jetson-nano: built-in`."""
    return tuple(f"device {name}: {origin}" for name, origin in devices.items())


def figure(n: int | float, exact: bool) -> str:
    return exact_figure(n) if exact else readable(n)


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def summary(design: DesignResult, analysis: Analysis) -> tuple[str, ...]:
    """Keras-style total lines, always exact."""
    total, bytes_per_element = design.total, analysis.bytes_per_element
    return (
        f"Total params: {total.params:,}",
        f"Trainable params: {total.trainable_params:,}",
        f"Non-trainable params: {total.non_trainable_params:,}",
        f"MACs: {total.macs:,} ({readable(total.macs)})",
        f"FLOPs: {total.flops:,} ({readable(total.flops)}), {analysis.convention} convention",
        f"Activations: {total.activations:,} elements, {readable_bytes(total.activation_bytes)}"
        f" at {bytes_per_element} bytes each",
        *([f"Outputs: {design.outputs_text()}"] if len(design.outputs) > 1 else []),
    )


def output_cell(design: DesignResult) -> str:
    """A design's output in a table's cell: its shape, or how many it names (each listed elsewhere)."""
    return f"{len(design.outputs)} outputs" if len(design.outputs) > 1 else format_shape(design.output)


def kind_cell(row) -> str:
    """A row's kind, and where its inputs come from when it reads named tensors: `add ← skip1, up2`."""
    return f"{row.kind} ← {', '.join(row.sources)}" if row.sources else row.kind


def report_views(analysis: Analysis, depth: int | None = None, exact: bool = False,
                 extra: ExtraColumns | None = None) -> list[View]:
    """One table per design: a row per layer, subtotal rows for groups, and a total row; `extra` adds columns."""
    views = []
    titles = extra.titles if extra else ()
    for design in analysis.designs:
        several = len(analysis.designs) > 1 or analysis.name
        title = f"{analysis.name or analysis.file} — {design.name}" if several else design.name
        more = extra.row_cells if extra else lambda design, path: ()
        view = View(
            f"{title}: {format_shape(design.input)} → {output_cell(design)}",
            ("layer", "kind", "output", "params", "MACs", "share", *titles),
            right=tuple(range(3, 6 + len(titles))),
            notes=(*extra.notes.get(design.name, ()), *device_notes(extra.devices)) if extra else (),
        )
        known: dict = {}  # the cells of a figure, a shape or a share, each made once: layers repeat them

        def once(make, value) -> str:
            if (make, value) not in known:
                known[make, value] = make(value)
            return known[make, value]

        show = lambda n: figure(n, exact)  # noqa: E731
        part = lambda n: share(n, design.total.macs)  # noqa: E731
        for row in design.rows:
            if depth is None or row.depth <= depth:
                indent = "  " * row.depth
                cells = (indent + row.path, kind_cell(row), once(format_shape, row.output), once(show, row.cost.params),
                         once(show, row.cost.macs), once(part, row.cost.macs), *more(design.name, row.path))
                view.rows.append((cells, row.role not in ("layer", "merge")))
        view.rows.append((("total", "", output_cell(design), figure(design.total.params, exact),
                           figure(design.total.macs, exact), share(design.total.macs, design.total.macs),
                           *more(design.name, "")), True))
        views += [view, breakdown_view(design, analysis, exact)]
    return views


def breakdown_view(design: DesignResult, analysis: Analysis, exact: bool) -> View:
    """A design's FLOPs by each operation kind that has some under the convention, closed by the design's totals."""
    view = View(f"{design.name}: FLOPs by operation kind, {analysis.convention} convention", ("kind", "FLOPs", "share"),
                notes=summary(design, analysis), right=(1, 2))
    for kind in (kind for kind in KINDS if design.breakdown[kind]):
        view.rows.append(((kind, figure(design.breakdown[kind], exact),
                           share(design.breakdown[kind], design.total.flops)), False))
    view.rows.append((("total", figure(design.total.flops, exact), share(design.total.flops, design.total.flops)),
                      True))
    return view


def convention_diff_views(first: Analysis, second: Analysis) -> list[View]:
    """Kind by kind, where two conventions part, for each design; always exact, since the point is the difference."""
    a, b = first.convention, second.convention
    views = []
    for one, other in zip(first.designs, second.designs):
        view = View(f"{one.name}: FLOPs by operation kind, {a} against {b}", ("kind", a, b, f"{b} − {a}"),
                    right=(1, 2, 3))
        lines = [(kind, one.breakdown[kind], other.breakdown[kind]) for kind in KINDS]
        for kind, x, y in [*lines, ("total", one.total.flops, other.total.flops)]:
            view.rows.append(((kind, exact_figure(x), exact_figure(y), signed(y - x, exact=True)), kind == "total"))
        views.append(view)
    return views


def signed(value: int, exact: bool) -> str:
    """A change with its sign: +1.2M, -3,088, 0."""
    text = figure(value, exact)
    return f"+{text}" if value > 0 else text


def conventions_views(conventions) -> list[View]:
    """A table per convention: its rule for each operation kind (— counts nothing), and the layer kinds it has
    no rule for."""
    views = []
    for convention in conventions:
        view = View(f"{convention.name}: {convention.description}", ("kind", "rule"), notes=convention.no_rule_lines())
        view.rows.extend(((kind, convention.summary.get(kind, "—")), False) for kind in KINDS)
        views.append(view)
    return views


def compare_views(comparison: Comparison, exact: bool = False, per_sample: bool = False) -> list[View]:
    """The designs table, and a by-branch table where designs have branches; `per_sample` says in the title
    that its figures are for one sample (beside device figures for a batch)."""
    analysis = comparison.analysis
    columns = ["design", "output"]
    for name in METRICS:
        columns += [METRIC_TITLES[name], f"× {comparison.baseline.name}"]
    title = f"{analysis.name or analysis.file}: designs on {format_shape(analysis.input)}{', per sample' * per_sample}"
    ratios = tuple(i for i, column in enumerate(columns) if column.startswith("× "))
    view = View(title, tuple(columns), right=tuple(range(2, len(columns))), joins=ratios, transposable=True,
                notes=(f"{BEST} best in its column; ratios are to {comparison.baseline.name}; "
                       "activations are the bytes of every layer's output at "
                       f"{analysis.bytes_per_element} bytes each",
                       *(f"{design.name}'s outputs: {design.outputs_text()}" for design in analysis.designs
                         if len(design.outputs) > 1)))
    best = {name: set(names) for name, names in comparison.best.items()}  # sets: linear in designs
    for design in analysis.designs:
        cells = [design.name + (" (baseline)" if design is comparison.baseline else ""), output_cell(design)]
        for name in METRICS:
            value = metric(design.total, name)
            text = figure(value, exact)
            if name == "activation_bytes":  # bytes, with their unit: 98.0 KiB, or exactly 100,352 B
                text = f"{text} B" if exact else readable_bytes(value)
            mark = f" {BEST}" if design.name in best[name] and len(analysis.designs) > 1 else ""
            cells += [text + mark, ratio_text(comparison.ratio(design, name))]
        view.rows.append((tuple(cells), design is comparison.baseline))
    views = [view]
    if comparison.branches:
        views.append(branch_view(comparison, exact))
    return views


GLANCE = {"macs": "MACs", "params": "params", "activation_bytes": "activations"}
BAR_CELLS = 12


def glance_view(comparison: Comparison) -> View:
    """For the terminal: each design's MACs, params and activations as bars against the largest of each."""
    from .text import bar

    designs = comparison.analysis.designs
    view = View("at a glance", ("design", *GLANCE.values()),
                notes=(f"each bar is a share of the largest design's figure; {BAR_CELLS} cells = the largest",))
    largest = {name: max(metric(d.total, name) for d in designs) for name in GLANCE}
    for design in designs:
        bars = (bar(metric(design.total, name), largest[name], BAR_CELLS) or "·" for name in GLANCE)
        view.rows.append(((design.name, *bars), False))
    return view


def branch_view(comparison: Comparison, exact: bool) -> View:
    """MACs and params of each branch in each design, with the MACs ratio to the baseline's branch."""
    designs = [d.name for d in comparison.analysis.designs]
    columns = ["branch"]
    for name in designs:
        columns += [f"{name} MACs", f"{name} params"]
    view = View("cost by branch", tuple(columns), right=tuple(range(1, len(columns))),
                notes=("— where a design has no branch at that path",))
    base = comparison.baseline.name
    for line in comparison.branches:
        cells = [line.path + (" (all branches)" if line.role == "branches" else "")]
        for name in designs:
            cost: Cost | None = line.costs.get(name)
            if cost is None:
                cells += ["—", "—"]
                continue
            ratio = ""
            if name != base and base in line.costs and line.costs[base].macs:
                ratio = f" ({ratio_text(cost.macs / line.costs[base].macs)})"
            cells += [figure(cost.macs, exact) + ratio, figure(cost.params, exact)]
        view.rows.append((tuple(cells), line.role == "branches"))
    return view
