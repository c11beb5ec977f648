"""A diagram's fill from the roofline: each box's share of the design's estimated latency on a device.

A layer's time is its roofline estimate (costcalc.device.roofline) at the batch: the longer of
its compute and memory times plus the per-layer overhead, or, folded by `--fused`, its compute
time only. A folded block's or branch's time is the sum of its layers'. Each box's tooltip
carries what the box shows, its time, its bound and its share of the design's time.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..count.engine import DesignResult, Row
from ..device.profiles import Device
from ..device.roofline import Estimate, latency
from ..device.traffic import memory
from ..units import seconds
from .layout import Fill, box_lines

BOUNDS = {"compute": "compute-bound", "memory": "memory-bound", "fused": "fused: its compute time only",
          "—": "nothing to run"}


def latency_fill(design: DesignResult, device: Device, dtype: str, weight_dtype: str, element_bytes: Mapping[str, int],
                 fused: bool = False, batch: int = 1) -> Fill:
    """Each row's share of the design's estimated latency on `device`, at `dtype` for activations and
    `weight_dtype` for weights (`element_bytes` gives each one's size) and `batch` samples."""
    found = memory(design, element_bytes[dtype], element_bytes[weight_dtype], fused, batch)
    estimates = latency(design, found, device, dtype, batch)
    total = estimates[""].seconds
    shares = {row.path: estimates[row.path].seconds / total if total else 0.0 for row in design.rows}
    layers = set(found.steps)
    notes = {row.path: note(row, estimates[row.path], shares[row.path], total, device, row.path in layers)
             for row in design.rows}
    precision = [dtype] + ([f"{weight_dtype} weights"] if weight_dtype != dtype else []) + (["fused"] if fused else [])
    caption = (f"fill: share of the estimated latency on {device.name} at batch {batch}, "
               f"{seconds(total)} ({', '.join(precision)})")
    return Fill(caption, shares, notes, {row.path: seconds(estimates[row.path].seconds) for row in design.rows})


def note(row: Row, estimate: Estimate, share: float, total: float, device: Device, layer: bool) -> str:
    """The tooltip: the path and kind, the box's shape and counts, then its time, bound and share."""
    bound = BOUNDS[estimate.bound] if layer or estimate.bound == "—" else f"mostly {BOUNDS[estimate.bound]}"
    percent = "<0.1%" if 0 < share < 0.001 else ">99.9%" if 0.999 < share < 1 else f"{share:.1%}"
    return "\n".join((f"{row.path} · {row.kind}", *box_lines(row)[1:],
                      f"{seconds(estimate.seconds)} on {device.name}, {bound}; {percent} of the design's {seconds(total)}"))
