"""Designs side by side: ratios to the baseline, the best of each metric, costs by branch."""

from __future__ import annotations

from ..count.engine import Analysis, Cost, DesignResult
from ..record import record

METRICS = ("params", "macs", "flops", "activation_bytes")


def metric(cost: Cost, name: str) -> int:
    return getattr(cost, name)


@record
class BranchLine:
    """One branch (or a branches block's total) and its cost in each design that has it."""

    path: str
    role: str
    depth: int
    costs: dict[str, Cost]


@record
class Comparison:
    """The designs of an analysis against its baseline."""

    analysis: Analysis
    baseline: DesignResult
    best: dict[str, tuple[str, ...]]
    branches: tuple[BranchLine, ...]

    def ratio(self, design: DesignResult, name: str) -> float | None:
        base = metric(self.baseline.total, name)
        return metric(design.total, name) / base if base else None


def compare(analysis: Analysis, baseline: str | None = None, branches: bool | None = None,
            depth: int | None = None) -> Comparison:
    """Compare every design of `analysis` with `baseline` (default: the analysis's baseline).

    Branches: where several designs share a branch's path (None), every branch (True) or none (False);
    `depth` keeps the branches at most that deep."""
    base = analysis.design(baseline or analysis.baseline)
    best = {}
    for name in METRICS:
        lowest = min(metric(d.total, name) for d in analysis.designs)
        best[name] = tuple(d.name for d in analysis.designs if metric(d.total, name) == lowest)
    lines = () if branches is False else branch_lines(analysis, depth)
    if branches is None and len(analysis.designs) > 1:
        lines = tuple(line for line in lines if len(line.costs) > 1)
    return Comparison(analysis, base, best, lines)


def branch_lines(analysis: Analysis, depth: int | None = None) -> tuple[BranchLine, ...]:
    """Each branch and branches block by path (at most `depth` deep), in order of first appearance."""
    lines: dict[str, BranchLine] = {}
    for design in analysis.designs:
        for row in design.rows:
            if row.role in ("branch", "branches") and (depth is None or row.depth <= depth):
                line = lines.setdefault(row.path, BranchLine(row.path, row.role, row.depth, {}))
                line.costs[design.name] = row.cost
    return tuple(lines.values())
