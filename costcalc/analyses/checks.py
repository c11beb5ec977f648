"""Budget checks as plain data: each design's figure against its limit, from the spec or given with the call.

A limit given with the call (`flags`: check's --max-* on the command line) wins over the spec's
`budget:` for that metric, for every design. A figure equal to its limit holds; only a figure above it
is over. Against a baseline, growth limits (given, or `growth:` in the budget) turn into limits of their
own: the baseline's figure plus the growth allowed. Shrinking always holds. What a check lacks is said
as data (`CannotCheck.wants`); how to give it, in the caller's words, is the caller's (show/check_render.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..count.engine import Analysis
from ..errors import CostcalcError, Where
from ..model.tree import DEVICE_METRICS, METRICS, UNITS, Growth, Limit, Spec
from ..units import quantity

Totals = dict[str, dict[str, int]]
"""design → metric → figure: what a baseline contributes to growth checks."""

class CannotCheck(CostcalcError):
    """A check that lacks what it needs, `wants`: a "budget" (none in the spec for the designs asked, no limit
    given), a "baseline" (the budget limits only growth) or a "device baseline" (the growth of a device figure,
    from a baseline with none, as a json report). The hint that says how to give it is the caller's."""

    def __init__(self, message: str, wants: str, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.wants = wants


@dataclass(frozen=True, slots=True)
class Verdict:
    """One design's figure for one metric against its limit."""

    design: str
    metric: str
    value: int
    limit: int
    where: Where | None = field(default=None, compare=False)
    baseline: int | None = None
    growth: Growth | None = None
    device: str | None = None
    """The device a latency is estimated on."""

    @property
    def over(self) -> bool:
        return self.value > self.limit

    @property
    def used(self) -> float | None:
        """The share of the limit used (1.0 = exactly at the limit); None for a zero limit."""
        return self.value / self.limit if self.limit else None

    @property
    def allowed(self) -> str:
        """The growth allowed, an amount in the metric's unit: `+10%`, `+0`, `+500 µs`, `+64.0 KiB`."""
        unit, growth = UNITS.get(self.metric, ""), self.growth
        assert growth is not None, "only a growth limit allows growth"
        if growth.percent is not None or growth.amount is None or not unit:
            return str(growth)
        return f"+{quantity(growth.amount, unit)}"


@dataclass(frozen=True, slots=True)
class FileCheck:
    """The checks of one spec file, or the error that stopped them.

    `no_baseline`: the designs whose growth was not checked, not being in the baseline; `new_since`: the
    revision that has no copy of the file at all (a git revision as the baseline). With `baseline_required`,
    either fails the check. `devices`: name → where the device came from (built-in, a user's devices file)."""

    file: str
    verdicts: tuple[Verdict, ...] = ()
    unchecked: tuple[str, ...] = ()
    error: CostcalcError | None = field(default=None, compare=False)
    no_baseline: tuple[str, ...] = ()
    new_since: str | None = None
    baseline_required: bool = False
    devices: tuple[tuple[str, str], ...] = ()

    @property
    def over(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.verdicts if v.over)

    @property
    def missing_baseline(self) -> bool:
        """Whether growth went unchecked for want of a baseline."""
        return bool(self.no_baseline or self.new_since)

    @property
    def failed(self) -> bool:
        """A limit exceeded, or a baseline missing where one is required."""
        return bool(self.over) or (self.baseline_required and self.missing_baseline)


def limits_for(spec: Spec, design: str, flags: dict[str, int]) -> dict[str, Limit]:
    """metric → Limit for one design: the spec's budget, overridden by flags, in METRICS order."""
    merged = {**spec.budgets.get(design, {}), **{m: Limit(v) for m, v in flags.items()}}
    return {metric: merged[metric] for metric in METRICS + DEVICE_METRICS if metric in merged}


def device_metrics(spec: Spec, flags: dict, growth_flags: dict | None = None) -> set[str]:
    """The device metrics (latency, peak_memory, ...) that some budget or flag limits; with `growth_flags`
    (against a baseline), those whose growth the spec or the flags limit too."""
    limited = set(flags).union(*spec.budgets.values())
    if growth_flags is not None:
        limited |= set(growth_flags).union(*spec.growth.values())
    return limited & set(DEVICE_METRICS)


def growth_for(spec: Spec, design: str, flags: dict[str, Growth]) -> dict[str, Growth]:
    """metric → Growth for one design: the spec's `growth:`, overridden by `flags`, in METRICS order."""
    merged = {**spec.growth.get(design, {}), **flags}
    return {metric: merged[metric] for metric in METRICS + DEVICE_METRICS if metric in merged}


def totals(analysis: Analysis, device_figures: Totals | None = None) -> Totals:
    """An analysis as a baseline: each design's figure for each metric (and each of its `device_figures`)."""
    return {d.name: {**{metric: getattr(d.total, metric) for metric in METRICS},
                     **(device_figures or {}).get(d.name, {})}
            for d in analysis.designs}


def evaluate(spec: Spec, analysis: Analysis, flags: dict[str, int], baseline: Totals | None = None,
             growth_flags: dict[str, Growth] | None = None, device_figures: Totals | None = None,
             device: str | None = None) -> FileCheck:
    """Every limit of every analysed design, and with a baseline every growth limit.

    `device_figures` (design → metric → figure) gives the DEVICE_METRICS that limits name, the baseline's
    as well as the design's; `device` is the device the latency is estimated on.
    CannotCheck when a growth limit's baseline figure is missing, or there is nothing at all to check.
    """
    verdicts, unchecked, no_baseline = [], [], []
    for name, figures in totals(analysis, device_figures).items():
        limits = limits_for(spec, name, flags)
        growth = growth_for(spec, name, growth_flags or {}) if baseline is not None else {}
        if not limits and not growth:
            unchecked.append(name)
        for metric, limit in limits.items():
            verdicts.append(Verdict(name, metric, figures[metric], limit.value, limit.where,
                                    device=device if metric == "latency" else None))
        if baseline is None or not growth:  # growth is limited against a baseline only
            continue
        if name not in baseline:
            no_baseline.append(name)
            continue
        for metric, allowed in growth.items():
            if metric not in baseline[name]:
                raise CannotCheck(f"{spec.file}: the baseline has no {metric} of {name} to measure growth from",
                                  "device baseline")
            old = baseline[name][metric]
            verdicts.append(Verdict(name, metric, figures[metric], allowed.ceiling(old), allowed.where, old, allowed,
                                    device if metric == "latency" else None))
    if not verdicts and not no_baseline:
        if baseline is None and any(spec.growth.values()):
            raise CannotCheck(f"{spec.file}: its budget limits only growth, which needs a baseline", "baseline")
        which = "" if not spec.budgets else " for " + ", ".join(unchecked)
        raise CannotCheck(f"{spec.file}: no budget to check{which}", "budget")
    return FileCheck(spec.file, tuple(verdicts), tuple(unchecked), no_baseline=tuple(no_baseline))
