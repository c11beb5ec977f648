"""A diff in every report format: table and markdown views, json and csv with exact integers."""

from __future__ import annotations

from .. import __version__
from ..analyses.diff import LAYER_METRICS, Change, DesignDiff, Diff
from ..device.figures import FIGURES
from ..units import readable_bytes, seconds
from .jsontext import json_text
from .render import JSON_FORMAT, cost_dict, csv_text
from .views import View, device_notes, figure, signed

DASH = "—"
BYTES = ("activation_bytes", *FIGURES)


def percent(change: Change) -> str:
    value = change.percent
    return DASH if value is None else f"{value:+.1f}%" if value else "0.0%"


def amount(metric: str, value: int | float | None, exact: bool) -> str:
    if value is None:
        return DASH
    if metric == "latency_s":
        return seconds(value)
    return readable_bytes(value) if metric in BYTES and not exact else figure(value, exact)


def past(change: Change, growth: dict | None) -> bool:
    """Whether a row is emphasised: changed, or with growth limits (metric → Growth) grown past its limit."""
    if growth is None:
        return change.old != change.new
    limit = growth.get(change.metric)
    return limit is not None and change.old is not None and change.new > limit.ceiling(change.old)


def totals_view(result: Diff, exact: bool, growth: dict | None = None) -> View:
    """Each design's metrics old → new, changed rows emphasised (with `growth`, only those grown past their
    limit); designs added and removed as notes."""
    same = result.old_file == result.new_file
    title = f"{result.old_file}: designs compared" if same else f"{result.old_file} → {result.new_file}"
    notes = [f"{label}: {', '.join(names)}" for label, names in
             (("designs added", result.added), ("designs removed", result.removed)) if names]
    if not result.designs and result.added and result.removed:
        notes.append(f"no design in common: pair two with --design OLD --design NEW, such as "
                     f"--design {result.removed[0]} --design {result.added[0]}")
    if result.batch is not None and result.designs:
        notes.append(f"device figures for a batch of {result.batch}; latency is a roofline estimate (docs/latency.md)")
        notes += device_notes(dict(result.devices))
    view = View(title, ("design", "metric", "old", "new", "change"), notes=tuple(notes), right=(2, 3, 4), keys=2)
    for design in result.designs:
        for change in design.every_change:
            cells = (design.name, change.label, amount(change.metric, change.old, exact),
                     amount(change.metric, change.new, exact), percent(change))
            view.rows.append((cells, past(change, growth)))
    return view


def layers_view(design: DesignDiff, exact: bool) -> View:
    """The layers of one design whose cost changed most, with MACs and params old → new."""
    columns = ["layer", "kind"]
    for metric in LAYER_METRICS:
        columns += [f"{metric} old", f"{metric} new", f"{metric} Δ"]
    shown = len(design.layers)
    note = f"{shown} of {design.changed_layers} changed layers; — where a layer is absent"
    view = View(f"{design.name}: layers that changed most", tuple(columns), notes=(note,),
                right=tuple(range(2, len(columns))))
    for layer in design.layers:
        cells = [layer.path, layer.kind]
        for metric in LAYER_METRICS:
            cells += [amount(metric, None if layer.old is None else getattr(layer.old, metric), exact),
                      amount(metric, None if layer.new is None else getattr(layer.new, metric), exact),
                      signed(layer.delta(metric), exact)]
        view.rows.append((tuple(cells), False))
    return view


def diff_views(result: Diff, exact: bool = False, growth: dict | None = None) -> list[View]:
    return [totals_view(result, exact, growth), *(layers_view(d, exact) for d in result.designs if d.layers)]


def _optional(cost):
    return cost_dict(cost) if cost is not None else None


def totals_json(design: DesignDiff, on_device: bool) -> dict:
    """Metric → old, new, change_percent; on a device, latency_s maps each device to its change too."""
    totals: dict[str, dict] = {}
    for c in design.every_change:
        entry = {"old": c.old, "new": c.new, "change_percent": c.percent}
        if c.device is None:
            totals[c.metric] = entry
        else:
            totals.setdefault(c.metric, {})[c.device] = entry
    if on_device:  # with --memory alone, no latency, as compare gives it
        totals.setdefault("latency_s", {})
    return totals


def diff_json(result: Diff) -> str:
    on_device = result.batch is not None
    designs = [
        {"name": d.name, "old": d.old.name, "new": d.new.name, "totals": totals_json(d, on_device),
         "changed_layers": d.changed_layers,
         "layers": [{"path": layer.path, "kind": layer.kind, "old": _optional(layer.old), "new": _optional(layer.new)}
                    for layer in d.layers]}
        for d in result.designs
    ]
    data = {"costcalc": __version__, "format": JSON_FORMAT, "old": result.old_file, "new": result.new_file,
            **({"batch": result.batch} if on_device else {}), "devices": dict(result.devices),
            "designs": designs, "added": list(result.added), "removed": list(result.removed)}
    return json_text(data)


def diff_csv(result: Diff) -> str:
    """Totals (path empty; device figures too) and the most changed layers, a row per metric: old, new, change
    in percent."""
    rows = []
    for d in result.designs:
        rows += [[d.name, "", "total", c.label, c.old, c.new, c.percent] for c in d.every_change]
        for layer in d.layers:
            for metric in LAYER_METRICS:
                change = layer.change(metric)
                rows.append([d.name, layer.path, layer.kind, metric, change.old, change.new, change.percent])
    return csv_text(["design", "path", "kind", "metric", "old", "new", "change_percent"], rows)
