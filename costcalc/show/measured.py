"""`costcalc measure`'s output: each design's measured time beside its estimate, as a table, json or csv."""

from __future__ import annotations

from .. import __version__
from ..device.measured import Measurement, Timed
from ..units import seconds
from .jsontext import json_text
from .render import JSON_FORMAT, csv_text
from .views import View


def _about(m: Measurement) -> str:
    fused = "fused as it runs them" if m.fused else "unfused"
    return (f"{m.runtime} {m.version} CPU, {m.threads} thread{'s' * (m.threads != 1)}, batch {m.batch}, {m.dtype}; "
            f"estimated on {m.device} ({m.device_origin}), {fused}")


def _error(estimated: float | None, measured: float) -> str:
    return "" if estimated is None or not measured else f"{100 * (estimated - measured) / measured:+.1f}%"


UNSTEADY_PERCENT = 20.0
"""Rounds that spread by more than this (the width of a ±10 % band) say the machine's speed moved while timing."""


def unsteady_note(timed: list[tuple[str, Timed]]) -> str:
    """A note naming what was timed (name, Timed) whose rounds spread by more than UNSTEADY_PERCENT, or ""."""
    spread = [f"{name} {t.spread_percent:.0f}%" for name, t in timed if t.spread_percent > UNSTEADY_PERCENT]
    return (f"rounds spread by more than {UNSTEADY_PERCENT:.0f}% of the median ({'; '.join(spread)}): this machine's "
            "speed moved while timing, so an error within that spread says little; time again, or with more "
            "--rounds") if spread else ""


def measured_views(m: Measurement) -> list[View]:
    rows: list[tuple[tuple[str, ...], bool]]
    rows = [((d.name, seconds(d.timed.median_s), f"{seconds(d.timed.low_s)} – {seconds(d.timed.high_s)}",
              seconds(d.estimated_s), f"{d.error_percent:+.1f}%"), False) for d in m.designs]
    notes = (_about(m), f"measured: the median of {m.designs[0].timed.rounds} interleaved rounds after a warm-up; "
                        "rounds: the fastest and slowest round; error: estimated against measured",
             unsteady_note([(d.name, d.timed) for d in m.designs]),
             m.caveat)
    views = [View(f"measured on {m.runtime}, estimated on {m.device}",
                  ("design", "measured", "rounds", "estimated", "error"), rows, notes=tuple(filter(None, notes)),
                  right=(1, 2, 3, 4))]
    for d in m.designs:
        if d.layers:
            layer_rows: list[tuple[tuple[str, ...], bool]]
            layer_rows = [((t.path or "(runtime's own nodes)", seconds(t.measured_s),
                            "" if t.estimated_s is None else seconds(t.estimated_s),
                            _error(t.estimated_s, t.measured_s)), False) for t in d.layers]
            views.append(View(f"{d.name}: layers as {m.runtime} times them",
                              ("layer", "measured", "estimated", "error"), layer_rows, right=(1, 2, 3),
                              notes=("a layer folded into the one before it runs inside that one's node",) * m.fused))
    return views


def measured_json(m: Measurement) -> str:
    designs = [{"name": d.name, "measured_s": d.timed.median_s, "low_s": d.timed.low_s, "high_s": d.timed.high_s,
                "rounds": d.timed.rounds, "estimated_s": d.estimated_s, "error_percent": d.error_percent,
                "layers": [{"path": t.path, "measured_s": t.measured_s, "estimated_s": t.estimated_s}
                           for t in d.layers]}
               for d in m.designs]
    return json_text({"costcalc": __version__, "format": JSON_FORMAT, "spec": m.spec, "runtime": m.runtime,
                      "version": m.version, "threads": m.threads, "batch": m.batch, "dtype": m.dtype, "fused": m.fused,
                      "device": m.device, "device_origin": m.device_origin, "caveat": m.caveat or None,
                      "designs": designs})


def measured_csv(m: Measurement) -> str:
    header = ["design", "path", "measured_s", "low_s", "high_s", "estimated_s", "error_percent"]
    rows = []
    for d in m.designs:
        rows.append([d.name, "", d.timed.median_s, d.timed.low_s, d.timed.high_s, d.estimated_s,
                     round(d.error_percent, 3)])
        rows += [[d.name, t.path, t.measured_s, "", "", "" if t.estimated_s is None else t.estimated_s, ""]
                 for t in d.layers]
    return csv_text(header, rows)
