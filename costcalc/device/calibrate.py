"""`costcalc devices calibrate`: a device fitted to single layers timed on the runtime that will run them.

Each timing is one layer, alone, at one shape (or, on a runtime that fuses, one layer and what folds into it,
timed as a unit: its FLOPs are the unit's, its row the layer's; FLOPs as the runtime computes them, on
onnxruntime without a conv's taps in the padding, `kernels.work`). With the base device's peak and bandwidth (at its
memory efficiency), a layer's roofline time at efficiency 1 is max(FLOPs / peak, bytes / bandwidth):

    overhead   = the time of the layer with the least roofline time, beyond that roofline time
    peak       = the base's, or the most FLOP/s a layer reached beyond the overhead where that is more
    efficiency = (FLOPs / peak) / (time − overhead) for a layer that took longer than its roofline
                 time at efficiency 1 beyond the overhead, else 1

Each layer's efficiency becomes a row [M, N, K, efficiency] of its kernel (kernels.py) (with `merge`, as
`devices calibrate --runtime` fits: the units timed at one kernel and shape, one row of their median
efficiency); a layer without FLOPs (flatten, dropout, zero padding) gives none, having no arithmetic to be slow
at, nor does one that runs as two kernels (a separable layer), whose time does not say which took it. A layer
timed inside a whole network by the runtime's profiler (`in_context`) gives a row the same way, at the overhead
and peak the single layers gave: the network's own shapes, with its layout and caches around them. The
calibrated device keeps the base's bandwidth, memory efficiency and compute efficiency (for the kernels it has
no timings of).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from ..count.engine import DesignResult
from ..limits import MAX_SOURCE_CHARS
from ..record import replace
from ..safe import elide_chars
from .kernels import Samples, kernel, stages, work
from .profiles import Device, entry, parse_devices
from .settings import DTYPES
from .traffic import memory

Profiled = tuple[DesignResult, dict[str, float]]
"""A network timed layer by layer inside it (a runtime's profiler): the seconds of each row, by path."""
Timing = tuple[DesignResult, float]
"""A timed unit, as a design, and the seconds it took: one layer, or where the runtime fuses, a layer and what
folds into it (a batchnorm, an activation, an add)."""


def calibrate(timings: list[Timing], base: Device, dtype: str, name: str, about: str,
              origin: str = "calibrated", fusion: str | None = None, merge: bool = False,
              networks: Sequence[Profiled] = ()) -> Device:
    """`base` fitted to the timed units (at `dtype`), and to the layers of the profiled `networks`; `about` says
    what timed them, `fusion` the runtime whose fused units they are (None: single layers), `merge` whether units
    of one kernel and shape give one row. A fit with a figure out of range (limits.py) is refused as from
    `origin`, the timings file: what calibrate writes reads back.

    A unit of several steps (squeeze-and-excitation's pool, then its gating multiply) calibrates its last
    step: its time less the other steps' estimates on the device fitted to the units of one step. The overhead
    and the peak come from the units alone; a network's layers add rows (in_context)."""
    measured = [_measured(design, seconds, base, dtype, fusion) for design, seconds in timings]
    alone = [m for m in measured if m[5] is None]
    if len(alone) < len(measured):
        first = _fit(alone, base, dtype, merge)
        measured = [m if m[5] is None else _less_the_others(m, first, dtype) for m in measured]
    layers = [unit for design, seconds in networks for unit in in_context(design, seconds, base, dtype, fusion)]
    made = f"; calibrated with {len(timings)} layers timed on {about} (costcalc devices calibrate)"
    source = elide_chars(base.source, MAX_SOURCE_CHARS - len(made)) + made
    fitted = replace(_fit(measured, base, dtype, merge, layers), name=name, source=source, origin="calibrated",
                     fusion=fusion)
    parse_devices({"devices": {name: entry(fitted)}}, origin)
    return fitted


def _fit(measured: list[tuple], base: Device, dtype: str, merge: bool, layers: Sequence[tuple] = ()) -> Device:
    """`base` with the overhead and peak the measured units give, and the kernels that they and the `layers` of
    networks give (the module's formulas)."""
    smallest = min(measured, key=lambda m: m[3])
    overhead = max(0.0, smallest[4] - smallest[3])
    peak = max([base.peak(dtype)] + [m[1] / (m[4] - overhead) for m in measured if m[4] > overhead])
    kernels: dict[str, dict[tuple, list[float]]] = {}  # kernel → (shape, and unless merged its unit) → efficiencies
    for index, (row, flops, streaming, _, seconds, _) in enumerate([*measured, *layers]):
        if not flops:  # no arithmetic to be efficient at: its time is its memory time and the overhead
            continue
        if len(stages(row)) > 1:
            continue
        compute, rest = flops / peak, seconds - overhead
        slower = rest > max(compute, streaming) * (1 + 1e-9)  # past rounding
        kernel_name, shape = kernel(row, block=base.channel_block)
        key = shape if merge else (*shape, index)
        kernels.setdefault(kernel_name, {}).setdefault(key, []).append(compute / rest if slower else 1.0)
    rows = {k: Samples((*key[:3], float(f"{statistics.median(found):.4g}")) for key, found in shapes.items())
            for k, shapes in kernels.items()}
    return replace(base, flops_per_s={**base.flops_per_s, dtype: float(f"{peak:.6g}")},
                   overhead_s=float(f"{overhead:.4g}"), kernels=rows)


def _memory(design: DesignResult, base: Device, dtype: str, fusion: str | None):
    """The design's traffic as the runtime runs it: fused where it fuses, folded as onnxruntime folds on its layout."""
    return memory(design, DTYPES[dtype], fused=fusion is not None, fold_adds=fusion == "onnxruntime",
                  block=base.channel_block)


def _work(row, base: Device, fusion: str | None) -> int:
    """The FLOPs the row computes as the runtime runs it (kernels.work)."""
    return work(row, block=base.channel_block, fusion=fusion)


def _measured(design: DesignResult, seconds: float, base: Device, dtype: str, fusion: str | None) -> tuple:
    """(the row that runs, or the last of several; its FLOPs, with those folded into it; its streaming time; its
    roofline time at efficiency 1; seconds; None, or where other steps ran before it, (design, memory, their
    paths))."""
    found = _memory(design, base, dtype, fusion)
    rows = {row.path: row for row in design.rows}
    *others, runs = [path for path in found.steps if path not in found.folded]
    flops = sum(_work(rows[path], base, fusion) for path in found.steps[found.steps.index(runs):])
    streaming = found.traffic[runs].total / (base.bytes_per_s * base.memory_efficiency)
    return (rows[runs], flops, streaming, max(flops / base.peak(dtype), streaming), seconds,
            (design, found, others) if others else None)


def in_context(design: DesignResult, seconds: dict[str, float], base: Device, dtype: str,
               fusion: str | None) -> list[tuple]:
    """Each layer of a network that a profiler timed (`seconds` by path), as `_measured` gives a unit: on a runtime
    that fuses, a layer with what folds into it, timed as their sum. A layer the profiler gave no time (its
    time went to a node of no row) gives none."""
    found = _memory(design, base, dtype, fusion)
    rows = {row.path: row for row in design.rows}
    units: list[list[str]] = []
    for path in found.steps:
        if path in found.folded and units:
            units[-1].append(path)
        else:
            units.append([path])
    measured = []
    for host, *folded in units:
        timed = sum(seconds.get(path, 0.0) for path in (host, *folded))
        flops = sum(_work(rows[path], base, fusion) for path in (host, *folded))
        if timed > 0:
            streaming = found.traffic[host].total / (base.bytes_per_s * base.memory_efficiency)
            measured.append((rows[host], flops, streaming, max(flops / base.peak(dtype), streaming), timed, None))
    return measured


def _less_the_others(measured: tuple, device: Device, dtype: str) -> tuple:
    """A unit of several steps as its last step alone: its seconds less the others' estimates on `device`."""
    from .latency import latency

    row, flops, streaming, roofline, seconds, (design, found, others) = measured
    estimates = latency(design, found, device, dtype)
    alone = seconds - sum(estimates[path].seconds for path in others)
    return row, flops, streaming, roofline, max(alone, 1e-9), None
