"""Latency by the roofline: each layer takes the longer of its compute time and its memory time.

    compute time = FLOPs / (peak FLOP/s at the dtype × compute efficiency of the layer's kernel)
    memory time  = bytes moved / (bandwidth × memory efficiency)
    layer time   = max(compute time, memory time) + overhead per kernel it runs as

The FLOPs are those the runtime computes (on onnxruntime a conv skips its taps in the padding, `kernels.work`);
the overhead inside a network is the device's `network_overhead_s` where calibration fitted one.

A separable layer runs as two kernels, a depthwise and a 1×1 conv (`kernels.stages`): two overheads, and the
efficiency their times give together (`Device.efficiency`).
A layer folded into the one before it (fused) adds its compute time to the design and no
memory time or overhead; on a device calibrated with the runtime's fused units (`fusion`), at
the efficiency of the layer it folds into, whose timings held its work. A device calibrated on
a runtime multiplies each layer's time by its `network_factor` (whole networks' measured time over
the sum of their layers' estimates; at the design's size, where the device has a `network_slope`).
A group's time is the sum of its layers'; its bound is the one
that most of its time is bound by. Times are estimates in seconds (floats), never counts.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ..count.engine import DesignResult
from .kernels import stages
from .profiles import Device
from .traffic import Memory, group_totals


@dataclass(frozen=True, slots=True)
class Estimate:
    """A layer's (or a group's) estimated time, in seconds, and what bounds it."""

    compute_s: float
    memory_s: float
    overhead_s: float
    seconds: float
    bound: str
    efficiency: float | None = None
    """The compute efficiency a layer's estimate used (a group's is None)."""


def layer_estimate(flops: int, moved: int, device: Device, dtype: str, folded: bool = False,
                   efficiency: float | None = None, kernels: int = 1) -> Estimate:
    """One layer's estimate, at `efficiency` (default: the device's compute efficiency), with the overhead of each
    of the `kernels` it runs as."""
    efficiency = device.compute_efficiency if efficiency is None else efficiency
    compute, factor = flops / (device.peak(dtype) * efficiency), device.network_factor
    if folded:
        return Estimate(compute, 0.0, 0.0, compute * factor, "fused", efficiency)
    memory, overhead = moved / (device.bytes_per_s * device.memory_efficiency), device.kernel_overhead_s * kernels
    bound = "compute" if compute >= memory else "memory"
    return Estimate(compute, memory, overhead, (max(compute, memory) + overhead) * factor, bound, efficiency)


def latency(design: DesignResult, memory: Memory, device: Device, dtype: str, batch: int = 1) -> dict[str, Estimate]:
    """Each row's estimate by path, and the design's under "", for a batch (`memory` must be for the same batch);
    fused, with adds folded too where the device's runtime folds them."""
    if device.folds_adds:
        memory = memory.with_adds_folded(design, device.channel_block)
    rows, device = {row.path: row for row in design.rows}, device.at(dtype).for_design(design.total.macs)
    layers, efficiency = {}, device.compute_efficiency
    for path in memory.steps:
        folded = path in memory.folded
        if not (folded and device.fusion):  # a folded layer's work was timed in its host's, on such a device
            efficiency = device.efficiency(rows[path], batch)
        layers[path] = layer_estimate(device.work(rows[path], batch), memory.traffic[path].total, device, dtype,
                                      folded, efficiency, len(stages(rows[path])))
    parts = {path: _part(estimate) for path, estimate in layers.items()}
    groups = group_totals(design.rows, parts, _add, None)
    return {**layers, **{path: _sum(part) for path, part in groups.items()},
            "": _sum(functools.reduce(_add, parts.values(), None))}


Part = tuple[float, ...]
"""An estimate as sums: compute, memory and overhead seconds, seconds, and the seconds of compute-bound and
of memory-bound layers."""


def _part(e: Estimate) -> Part:
    return (e.compute_s, e.memory_s, e.overhead_s, e.seconds, e.seconds * (e.bound == "compute"),
            e.seconds * (e.bound == "memory"))


def _add(total: Part | None, part: Part | None) -> Part | None:
    if total is None or part is None:
        return part if total is None else total
    return tuple(a + b for a, b in zip(total, part))


def _sum(part: Part | None) -> Estimate:
    """A group's estimate: the sum of its layers', bound by what most of its time is bound by."""
    if part is None:
        return Estimate(0, 0, 0, 0, "—")
    compute, memory, overhead, seconds, by_compute, by_memory = part
    return Estimate(compute, memory, overhead, seconds, "memory" if by_memory > by_compute else "compute")
