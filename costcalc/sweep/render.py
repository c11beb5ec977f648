"""A sweep as a table (text or markdown), json or csv; json and csv always carry exact integers."""

from __future__ import annotations

import json

from .. import __version__
from ..show.check_render import json_figure
from ..show.device import figures_cells, figures_columns, figures_data, figures_notes, figures_titles
from ..show.measured import unsteady_note
from ..show.render import COST_FIELDS, JSON_FORMAT, cost_dict, csv_text
from ..show.views import View, figure
from ..units import readable_bytes, seconds
from .run import Sweep, Variant

FITS = "★"


def value_text(value) -> str:
    """A parameter's value as a spec writes it: 0.5, 224, true."""
    return repr(value) if isinstance(value, float) else str(value).lower() if isinstance(value, bool) else str(value)


def variant_text(sweep: Sweep, variant: Variant) -> str:
    """`alpha=0.75, resolution=192` (and the design, where the spec has several)."""
    values = ", ".join(f"{name}={value_text(v)}" for name, v in zip(sweep.names, variant.values))
    return values + (f" ({variant.design})" if _several_designs(sweep) else "")


def _several_designs(sweep: Sweep) -> bool:
    return len({v.design for v in sweep.variants}) > 1


def verdict(sweep: Sweep) -> str:
    """How many variants fit their budget, and the largest that does."""
    fitting = sum(bool(v.fits) for v in sweep.variants)
    largest = sweep.largest
    found = (f"the largest that fits: {variant_text(sweep, largest)} ({figure(largest.cost.macs, False)} MACs)"
             if largest else "none fits")
    return f"{fitting} of {len(sweep.variants)} variants fit their budget; {found}"


def measured_titles(sweep: Sweep) -> tuple[str, ...]:
    """With --measure: the measured time, and each device's estimate's error against it."""
    on_device = sweep.variants[0].on_device
    return ("measured", *(f"{d} error" for d in on_device.latency_s)) if sweep.measured and on_device else ()


def measured_notes(sweep: Sweep) -> tuple[str, ...]:
    m, on_device = sweep.measured, sweep.variants[0].on_device
    if not (m and on_device):
        return ()
    batch = on_device.batch
    fused = "fused, as it runs the model" if m.fused else "unfused, as it runs the model"
    rounds = f"{m.rounds} interleaved round{'s' * (m.rounds != 1)}"
    notes = [f"measured: {m.about}, batch {batch}, float32, the median of {rounds} after a warm-up; "
             f"error: the estimate ({fused}) against it"]
    if any("latency" in v.limits for v in sweep.variants):
        notes.append("fits: the measured latency against the latency limit, not the estimate")
    if unsteady := unsteady_note([(variant_text(sweep, v), v.measured) for v in sweep.variants if v.measured]):
        notes.append(unsteady)
    return (*notes, *m.caveats)


def sweep_views(sweep: Sweep, exact: bool = False) -> list[View]:
    """One table: a row per variant (and design) with its figures; with a budget, which fit ({FITS}: the largest)."""
    several, budgeted, largest = _several_designs(sweep), sweep.budgeted, sweep.largest
    on_device = sweep.variants[0].on_device  # every variant has figures, or none has
    columns = (*sweep.names, *(("design",) if several else ()), "MACs", "FLOPs", "params", "activations",
               *(figures_titles(on_device) if on_device else ()), *measured_titles(sweep),
               *(("fits",) if budgeted else ()))
    first = len(sweep.names) + several
    notes = [f"FLOPs: {sweep.convention} convention; activations are the bytes of every layer's output"
             f" at {sweep.bytes_per_element} bytes each",
             *(figures_notes(on_device, dict(sweep.devices)) if on_device else ()), *measured_notes(sweep)]
    if budgeted:
        notes.append(verdict(sweep) + (f"; {FITS} marks it" if largest else ""))
    view = View(f"{sweep.name or sweep.file}: {len(sweep.variants)} variants", columns, notes=tuple(notes),
                right=tuple(range(len(sweep.names))) + tuple(range(first, len(columns) - budgeted)), keys=first)
    for variant in sweep.variants:
        cost = variant.cost
        cells = [value_text(v) for v in variant.values] + ([variant.design] if several else [])
        bytes_text = figure(cost.activation_bytes, True) if exact else readable_bytes(cost.activation_bytes)
        cells += [figure(cost.macs, exact), figure(cost.flops, exact), figure(cost.params, exact), bytes_text]
        cells += figures_cells(variant.on_device, exact) if on_device and variant.on_device else ()
        if variant.measured and variant.on_device:
            cells += [seconds(variant.measured.median_s),
                      *(f"{variant.error_percent(d):+.1f}%" for d in variant.on_device.latency_s)]
        if budgeted:
            cells.append(("yes" + f" {FITS}" * (variant is largest)) if variant.fits else "no")
        view.rows.append((tuple(cells), variant is largest))
    return [view]


def _variant_dict(sweep: Sweep, variant: Variant) -> dict:
    limits = {metric: json_figure(metric, limit) for metric, limit in variant.limits.items()}
    return {"values": dict(zip(sweep.names, variant.values)), "design": variant.design, **cost_dict(variant.cost),
            **(figures_data(variant.on_device) if variant.on_device else {}), **_measured_dict(variant),
            "limits": limits, "fits": variant.fits}


def _measured_dict(variant: Variant) -> dict:
    """With --measure: the variant's measured time (the median of its rounds, the fastest and slowest round) and
    each device's estimate's error against it."""
    m = variant.measured
    if not (m and variant.on_device):
        return {}
    return {"measured": {"measured_s": m.median_s, "low_s": m.low_s, "high_s": m.high_s, "rounds": m.rounds,
                         "error_percent": {d: variant.error_percent(d) for d in variant.on_device.latency_s}}}


def sweep_json(sweep: Sweep) -> str:
    largest = sweep.largest
    data = {
        "costcalc": __version__, "format": JSON_FORMAT, "spec": sweep.file, "name": sweep.name,
        "convention": sweep.convention, "bytes_per_element": sweep.bytes_per_element, "varied": list(sweep.names),
        "zipped": sweep.zipped, "devices": dict(sweep.devices),
        "measured": None if not (m := sweep.measured) else {
            "runtime": m.runtime, "version": m.version, "threads": m.threads, "rounds": m.rounds, "fused": m.fused,
            "caveats": list(m.caveats)},
        "variants": [_variant_dict(sweep, v) for v in sweep.variants],
        "largest_that_fits": _variant_dict(sweep, largest) if largest else None,
    }
    return json.dumps(data, indent=2) + "\n"


def sweep_csv(sweep: Sweep) -> str:
    """A row per variant and design: the varied values, the design, every figure (device figures too, where
    computed; the measured time and each device's error, where measured), and fits (empty without a budget)."""
    header: list[str] = []
    on_device: dict[int, list] = {}
    if sweep.variants[0].on_device:
        header, on_device = figures_columns({i: v.on_device for i, v in enumerate(sweep.variants) if v.on_device})
    measured: list[str] = []
    if sweep.measured and (first := sweep.variants[0].on_device):
        measured = ["measured_s", "low_s", "high_s", *(f"error_percent_{d}" for d in first.latency_s)]
    rows = [[*map(value_text, variant.values), variant.design, *cost_dict(variant.cost).values(), *on_device.get(i, ()),
             *(_measured_row(variant) if variant.measured else ()),
             "" if variant.fits is None else str(variant.fits).lower()] for i, variant in enumerate(sweep.variants)]
    return csv_text([*sweep.names, "design", *COST_FIELDS, *header, *measured, "fits"], rows)


def _measured_row(variant: Variant) -> list:
    m, found = variant.measured, variant.on_device
    assert m and found
    return [m.median_s, m.low_s, m.high_s, *(round(variant.error_percent(d), 3) for d in found.latency_s)]
