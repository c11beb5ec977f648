"""A diagram's fill from the roofline: each box's share of the design's estimated latency on a device.

A layer's time is its roofline estimate (costcalc.device.latency) at the batch: the longer of
its compute and memory times plus the per-layer overhead, or, folded by `--fused`, its compute
time only. A folded block's or branch's time is the sum of its layers'. Each box's tooltip
carries what the box shows, its time, its bound and its share of the design's time.
"""

from __future__ import annotations

from ..count.engine import Row
from ..device.figures import DesignOnDevice
from ..device.latency import Estimate
from ..device.profiles import Device, origins
from ..show.views import device_notes
from ..units import seconds
from .geometry import Fill, box_lines

BOUNDS = {"compute": "compute-bound", "memory": "memory-bound", "fused": "fused: its compute time only",
          "—": "nothing to run"}


def latency_fill(run: DesignOnDevice, spec=None) -> Fill:
    """Each row's share of the design's estimated latency on its device (`run.device`) at its settings; the
    caption says where the device comes from (built-in, a --devices file, or `spec`'s devices:)."""
    design, device, found, estimates = run.design, run.device, run.memory, run.estimates
    assert device is not None, "a run on a device"
    settings = run.settings
    dtype, weight_dtype, fused, batch = settings.dtype, settings.weights, settings.fused, settings.batch
    total = estimates[""].seconds
    shares = {row.path: estimates[row.path].seconds / total if total else 0.0 for row in design.rows}
    layers = set(found.steps)
    notes = {row.path: note(row, estimates[row.path], shares[row.path], total, device, row.path in layers)
             for row in design.rows}
    precision = [dtype] + ([f"{weight_dtype} weights"] if weight_dtype != dtype else []) + (["fused"] if fused else [])
    caption = (f"fill: share of the estimated latency on {device.name} at batch {batch}, "
               f"{seconds(total)} ({', '.join(precision)}); {device_notes(origins([device], spec))[0]}")
    return Fill(caption, shares, notes, {row.path: seconds(estimates[row.path].seconds) for row in design.rows})


def note(row: Row, estimate: Estimate, share: float, total: float, device: Device, layer: bool) -> str:
    """The tooltip: the path and kind, the box's shape and counts, then its time, bound and share."""
    bound = BOUNDS[estimate.bound] if layer or estimate.bound == "—" else f"mostly {BOUNDS[estimate.bound]}"
    percent = "<0.1%" if 0 < share < 0.001 else ">99.9%" if 0.999 < share < 1 else f"{share:.1%}"
    return "\n".join((f"{row.path} · {row.kind}", *box_lines(row)[1:],
                      f"{seconds(estimate.seconds)} on {device.name}, {bound}; {percent} of the design's "
                      f"{seconds(total)}"))
