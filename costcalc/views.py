"""Table models of reports and comparisons: titled rows of text cells, for Rich and Markdown alike."""

from __future__ import annotations

from dataclasses import dataclass, field

from .compare import METRICS, Comparison, metric
from .engine import Analysis, Cost, DesignResult
from .ops import format_shape
from .units import exact as exact_figure
from .units import ratio as ratio_text
from .units import readable, readable_bytes

BEST = "★"
METRIC_TITLES = {"params": "params", "macs": "MACs", "flops": "FLOPs", "activation_bytes": "activations"}


@dataclass(frozen=True, slots=True)
class View:
    """A titled table: `rows` are (cells, emphasis) pairs; `notes` follow the table."""

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[tuple[str, ...], bool]] = field(default_factory=list)
    notes: tuple[str, ...] = ()
    right: tuple[int, ...] = ()


def figure(n: int, exact: bool) -> str:
    return exact_figure(n) if exact else readable(n)


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def summary(design: DesignResult, bytes_per_element: int) -> tuple[str, ...]:
    """Keras-style total lines, always exact."""
    total = design.total
    return (
        f"Total params: {total.params:,}",
        f"Trainable params: {total.trainable_params:,}",
        f"Non-trainable params: {total.non_trainable_params:,}",
        f"MACs: {total.macs:,} ({readable(total.macs)})",
        f"FLOPs: {total.flops:,} ({readable(total.flops)})",
        f"Activations: {total.activations:,} elements, {readable_bytes(total.activation_bytes)}"
        f" at {bytes_per_element} bytes each",
    )


def report_views(analysis: Analysis, depth: int | None = None, exact: bool = False) -> list[View]:
    """One table per design: a row per layer, subtotal rows for groups, and a total row."""
    views = []
    for design in analysis.designs:
        title = f"{analysis.name or analysis.file} — {design.name}" if len(analysis.designs) > 1 or analysis.name else design.name
        view = View(
            f"{title}: {format_shape(design.input)} → {format_shape(design.output)}",
            ("layer", "kind", "output", "params", "MACs", "share"),
            notes=summary(design, analysis.bytes_per_element),
            right=(3, 4, 5),
        )
        for row in design.rows:
            if depth is None or row.depth <= depth:
                indent = "  " * row.depth
                cells = (indent + row.path, row.kind, format_shape(row.output), figure(row.cost.params, exact),
                         figure(row.cost.macs, exact), share(row.cost.macs, design.total.macs))
                view.rows.append((cells, row.role not in ("layer", "merge")))
        view.rows.append((("total", "", format_shape(design.output), figure(design.total.params, exact),
                           figure(design.total.macs, exact), share(design.total.macs, design.total.macs)), True))
        views.append(view)
    return views


def compare_views(comparison: Comparison, exact: bool = False) -> list[View]:
    """The designs table, and a by-branch table where designs have branches."""
    analysis = comparison.analysis
    columns = ["design", "output"]
    for name in METRICS:
        columns += [METRIC_TITLES[name], f"× {comparison.baseline.name}"]
    title = f"{analysis.name or analysis.file}: designs on {format_shape(analysis.input)}"
    view = View(title, tuple(columns), right=tuple(range(2, len(columns))),
                notes=(f"{BEST} best in its column; ratios are to {comparison.baseline.name}; "
                       f"activations are the bytes of every layer's output at {analysis.bytes_per_element} bytes each",))
    for design in analysis.designs:
        cells = [design.name + (" (baseline)" if design is comparison.baseline else ""), format_shape(design.output)]
        for name in METRICS:
            value = metric(design.total, name)
            text = readable_bytes(value) if name == "activation_bytes" and not exact else figure(value, exact)
            mark = f" {BEST}" if design.name in comparison.best[name] and len(analysis.designs) > 1 else ""
            cells += [text + mark, ratio_text(comparison.ratio(design, name))]
        view.rows.append((tuple(cells), design is comparison.baseline))
    views = [view]
    if comparison.branches:
        views.append(branch_view(comparison, exact))
    return views


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
