"""Budget checks as plain data: each design's figure against its limit, from the spec or a flag.

A limit given by a flag (`--max-macs 600M`) wins over the spec's `budget:` for that metric,
for every design. A figure equal to its limit holds; only a figure above it is over.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..count.engine import Analysis
from ..errors import CostcalcError, Where
from ..model.tree import METRICS, Limit, Spec

HOW_TO_BUDGET = "add `budget: {macs: 600M, params: 5M}` to the spec, or give a limit such as --max-macs 600M"


class NoBudgetError(CostcalcError):
    """Nothing to check: no budget in the spec for the designs asked, and no flags."""


def flag_name(metric: str) -> str:
    return "--max-" + metric.replace("_", "-")


@dataclass(frozen=True, slots=True)
class Verdict:
    """One design's figure for one metric against its limit."""

    design: str
    metric: str
    value: int
    limit: int
    where: Where | None = field(default=None, compare=False)

    @property
    def over(self) -> bool:
        return self.value > self.limit

    @property
    def used(self) -> float | None:
        """The share of the limit used (1.0 = exactly at the limit); None for a zero limit."""
        return self.value / self.limit if self.limit else None

    @property
    def source(self) -> str:
        """Where the limit comes from: `FILE:LINE:COL` in the spec, or the flag."""
        return str(self.where) if self.where else flag_name(self.metric)


@dataclass(frozen=True, slots=True)
class FileCheck:
    """The checks of one spec file, or the error that stopped them."""

    file: str
    verdicts: tuple[Verdict, ...] = ()
    unchecked: tuple[str, ...] = ()
    error: CostcalcError | None = field(default=None, compare=False)

    @property
    def over(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.verdicts if v.over)


def limits_for(spec: Spec, design: str, flags: dict[str, int]) -> dict[str, Limit]:
    """metric → Limit for one design: the spec's budget, overridden by flags, in METRICS order."""
    merged = {**spec.budgets.get(design, {}), **{m: Limit(v) for m, v in flags.items()}}
    return {metric: merged[metric] for metric in METRICS if metric in merged}


def evaluate(spec: Spec, analysis: Analysis, flags: dict[str, int]) -> FileCheck:
    """Every limit of every analysed design; NoBudgetError when there is none at all."""
    verdicts, unchecked = [], []
    for design in analysis.designs:
        limits = limits_for(spec, design.name, flags)
        if not limits:
            unchecked.append(design.name)
        for metric, limit in limits.items():
            verdicts.append(Verdict(design.name, metric, getattr(design.total, metric), limit.value, limit.where))
    if not verdicts:
        which = "" if not spec.budgets else " for " + ", ".join(unchecked)
        raise NoBudgetError(f"{spec.file}: no budget to check{which}; {HOW_TO_BUDGET}")
    return FileCheck(spec.file, tuple(verdicts), tuple(unchecked))
