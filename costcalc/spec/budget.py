"""`budget:` in a spec: one mapping for every design, or one per design name; `growth:` inside it."""

from __future__ import annotations

from ..errors import SpecError, Where
from ..model.tree import DEVICE_METRICS, METRICS, UNITS, Growth, Limit
from ..safe import brief
from ..suggest import did_you_mean
from ..units import parse_amount, parse_growth
from ..varying import one
from .substitute import substitute
from .yamlload import YMap

GROWTH = "growth"
"""The key, inside a budget, of the limits on growth over a baseline (`check --against`)."""
KNOWN = METRICS + DEVICE_METRICS


def _metric(node: YMap, metric, what: str) -> None:
    if metric not in KNOWN:
        raise SpecError(f"unknown {what} metric {brief(metric)}", node.key_where[metric], metric_hint(metric))


def metric_hint(metric) -> str:
    return did_you_mean(metric, KNOWN) or f"metrics: {', '.join(KNOWN)}"


def limit_amount(metric: str, text) -> int:
    """A limit on `metric` from a figure such as 600M, 2MiB or 5ms; ValueError says what is wrong."""
    return parse_amount(text, UNITS.get(metric, ""))


def growth_of(metric: str, text, where: Where | None = None) -> Growth:
    """How much `metric` may grow, from 2%, 0 or 64KiB; ValueError says what is wrong."""
    return Growth(*parse_growth(text, UNITS.get(metric, "")), where)


def growth_setting(text: str) -> tuple[str, Growth]:
    """`macs=2%` (a --max-growth value) → the metric and its Growth; ValueError says what is wrong."""
    metric, equals, limit = text.partition("=")
    if not equals:
        raise ValueError(f"{brief(text)}: write METRIC=LIMIT, such as macs=2% or params=0")
    if metric not in KNOWN:
        raise ValueError(f"{brief(metric)} is not a metric; {metric_hint(metric)}")
    return metric, growth_of(metric, limit)


def parse_growth_limits(node, where: Where) -> dict[str, Growth]:
    """metric → Growth, from a mapping such as {macs: 2%, params: 0}."""
    if not isinstance(node, YMap):
        raise SpecError("growth maps metrics to growth limits such as 2% or 0", where)
    growth = {}
    for metric, value in node.items():
        _metric(node, metric, "growth")
        try:
            growth[metric] = growth_of(metric, value, node.at(metric))
        except ValueError as exc:
            raise SpecError(f"growth {metric}: {exc}", node.at(metric)) from None
    return growth


def parse_limits(node, where: Where, params: dict) -> tuple[dict[str, Limit], dict[str, Growth]]:
    """metric → Limit, from a mapping such as {macs: 600M, params: 4.2M} (or expressions over the
    spec's `params`), and its growth limits."""
    if not isinstance(node, YMap):
        raise SpecError(f"a budget maps metrics ({', '.join(KNOWN)}) to limits", where)
    limits = {}
    for metric, value in node.items():
        if metric == GROWTH:
            continue
        _metric(node, metric, "budget")
        try:
            value = one(substitute(value, params, node.at(metric)))
            limits[metric] = Limit(limit_amount(metric, value), node.at(metric))
        except ValueError as exc:
            raise SpecError(f"budget {metric}: {exc}", node.at(metric)) from None
    growth = parse_growth_limits(node[GROWTH], node.at(GROWTH)) if GROWTH in node else {}
    return limits, growth


def parse_budgets(node, where: Where, designs, params: dict) -> tuple[dict[str, dict[str, Limit]],
                                                                      dict[str, dict[str, Growth]]]:
    """design → metric → Limit, and design → metric → Growth; a shared budget applies to every design."""
    if not isinstance(node, YMap):
        raise SpecError("budget maps metrics to limits, or design names to such mappings", where)
    if not any(key in designs or (isinstance(value, YMap) and key != GROWTH) for key, value in node.items()):
        shared = parse_limits(node, where, params)
        return {design: shared[0] for design in designs}, {design: shared[1] for design in designs}
    budgets, growth = {}, {}
    for key in node:
        if key not in designs:
            known = [*designs, *METRICS, *DEVICE_METRICS]
            hint = did_you_mean(key, known) or f"designs: {', '.join(designs)}; metrics: {', '.join(METRICS)}"
            mixed = key in METRICS + DEVICE_METRICS or key == GROWTH
            message = (f"budget mixes metrics and design names ({brief(key)})" if mixed
                       else f"unknown design {brief(key)} in budget")
            raise SpecError(message, node.key_where[key], None if mixed else hint)
        budgets[key], growth[key] = parse_limits(node[key], node.at(key), params)
    return budgets, growth
