"""`budget:` in a spec: one mapping for every design, or one per design name."""

from __future__ import annotations

from ..errors import SpecError, Where
from ..model.tree import BYTE_METRICS, METRICS, Limit
from ..suggest import did_you_mean
from ..units import parse_figure
from .yamlload import YMap


def parse_limits(node, where: Where) -> dict[str, Limit]:
    """metric → Limit, from a mapping such as {macs: 600M, params: 4.2M}."""
    if not isinstance(node, YMap):
        raise SpecError(f"a budget maps metrics ({', '.join(METRICS)}) to limits", where)
    limits = {}
    for metric, value in node.items():
        if metric not in METRICS:
            raise SpecError(f"unknown budget metric {metric!r}", node.key_where[metric],
                            did_you_mean(metric, METRICS) or f"metrics: {', '.join(METRICS)}")
        try:
            limits[metric] = Limit(parse_figure(value, metric in BYTE_METRICS), node.at(metric))
        except ValueError as exc:
            raise SpecError(f"budget {metric}: {exc}", node.at(metric)) from None
    return limits


def parse_budgets(node, where: Where, designs) -> dict[str, dict[str, Limit]]:
    """design → metric → Limit; a shared budget applies to every design."""
    if not isinstance(node, YMap):
        raise SpecError("budget maps metrics to limits, or design names to such mappings", where)
    if not any(key in designs or isinstance(value, YMap) for key, value in node.items()):
        shared = parse_limits(node, where)
        return {design: shared for design in designs}
    budgets = {}
    for key in node:
        if key not in designs:
            known = [*designs, *METRICS]
            hint = did_you_mean(key, known) or f"designs: {', '.join(designs)}; metrics: {', '.join(METRICS)}"
            mixed = key in METRICS
            message = f"budget mixes metrics and design names ({key!r})" if mixed else f"unknown design {key!r} in budget"
            raise SpecError(message, node.key_where[key], None if mixed else hint)
        budgets[key] = parse_limits(node[key], node.at(key))
    return budgets
