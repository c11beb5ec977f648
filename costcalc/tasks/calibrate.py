"""`costcalc devices calibrate` as a call: a device fitted to layers timed on a runtime, from a timings file
(`calibrate_file`) or timed here on onnxruntime or torch (`calibrate_runtime`)."""

from __future__ import annotations

import math

from ..device.profiles import Device
from ..device.settings import DTYPES
from ..errors import CostcalcError
from ..record import replace
from ..safe import brief


def calibrate_file(timings: str, device: Device, name: str | None = None) -> Device:
    """`device` fitted to the layers timed in the file `timings` (docs/latency.md, Calibrating), named
    `name` (default: DEVICE-calibrated)."""
    from ..count.engine import analyze
    from ..device.calibrate import calibrate as fit
    from ..spec.timings import read_timings

    found = read_timings(timings)
    if found.dtype not in DTYPES:
        raise CostcalcError(f"{timings}: dtype {brief(found.dtype)} is not one of {', '.join(DTYPES)}")
    timed = [(analyze(spec, bytes_per_element=DTYPES[found.dtype]).designs[0], seconds)
             for spec, seconds in found.layers]
    name = name or f"{device.name}-calibrated"
    return fit(timed, device, found.dtype, name, found.runtime, timings)


def calibrate_runtime(runtime: str = "onnxruntime", threads: int = 1, device: Device | None = None,
                      name: str | None = None, grid: str = "small", budget_s: float = 300.0,
                      progress=None) -> tuple[Device, int]:
    """A device fitted to the `grid` (tiny, small or full; runtimes/grid.py) timed here on `runtime` at `threads`
    until `budget_s` seconds are spent in all (the first unit is always timed), and to the layers of whole networks
    timed by the runtime's profiler (grid.NETWORKS; their wholes give its `network_factor`); based on `device`
    (default: this machine as `devices measure` finds it now, timed as the grid is), named `name` (default:
    RUNTIME-N-thread(s)). Returns the device and how many units of the grid were timed; `progress(done, total)` is
    called after each network and unit."""
    import datetime
    import os
    import platform
    import time

    from ..device.calibrate import calibrate as fit
    from ..device.measure import this_machine
    from ..runtimes import open_runtime
    from ..runtimes.grid import GRIDS, networks
    from ..runtimes.grid import grid as units_of
    from ..runtimes.layers import time_networks, time_units

    if grid not in GRIDS:
        raise CostcalcError(f"{brief(grid)} is not a grid; one of {', '.join(GRIDS)}")
    opened = open_runtime(runtime, threads, "costcalc devices calibrate")
    start, deadline = datetime.datetime.now(datetime.timezone.utc), time.monotonic() + budget_s
    clock = time.thread_time if threads == 1 else time.perf_counter
    block = opened.channel_block()
    base = replace(device or this_machine(1.0, clock), channel_block=block)
    nets, units = networks(grid), units_of(grid, opened.fuses, block)
    total = len(nets) + len(units)
    whole = time_networks(opened, nets, (lambda done, _: progress(done, total)) if progress else None)
    timed = time_units(opened, units, deadline - time.monotonic(),
                       (lambda done, _: progress(len(nets) + done, total)) if progress else None)
    name = name or f"{opened.name}-{threads}-thread{'s' * (threads != 1)}"
    fusion = opened.name if opened.fuses else None
    how = "this thread's CPU time" if threads == 1 else "the wall clock"
    fitted = fit(timed, base, "float32", name, f"{opened.about} ({grid} grid, {len(timed)} of {len(units)} units, "
                 f"timed by {how})",
                 fusion=fusion, merge=True, networks=[(design, layers) for design, _, layers in whole])
    made = {"runtime": opened.name, "version": opened.version, "threads": threads,
            "machine": f"{platform.machine()} {platform.processor() or platform.system()}".strip(),
            "cpus": os.cpu_count() or 1, "date": start.strftime("%Y-%m-%d %H:%M UTC")}
    factor, slope = network_factor([(design, seconds) for design, seconds, _ in whole], fitted, opened.fuses)
    return replace(fitted, network_factor=factor, network_slope=slope, calibrated_on=made), len(timed)


def network_factor(whole, device: Device, fused: bool) -> tuple[float, float]:
    """How the timed networks' measured time over their estimate goes with their size: the least-squares line of
    its logarithm against that of their MACs / 1e9, as (the factor at 1e9 MACs, 4 significant digits; the slope,
    3 decimals). Without three networks of different sizes, the geometric mean and slope 0 (1 without networks).
    Both clamped to the range a device may hold."""
    from ..device.figures import on_device
    from ..device.settings import DeviceSettings
    from ..limits import MAX_NETWORK_FACTOR, MAX_NETWORK_SLOPE, MIN_NETWORK_FACTOR

    if not whole:
        return 1.0, 0.0
    sizes = [math.log(design.total.macs / 1e9) for design, _ in whole]
    ratios = [math.log(seconds / on_device(design, DeviceSettings(fused=fused), device).estimates[""].seconds)
              for design, seconds in whole]
    mean_size, mean_ratio = sum(sizes) / len(sizes), sum(ratios) / len(ratios)
    spread = sum((x - mean_size) ** 2 for x in sizes)
    slope = 0.0 if len(whole) < 3 or spread == 0 else sum(
        (x - mean_size) * (y - mean_ratio) for x, y in zip(sizes, ratios)) / spread
    slope = round(min(MAX_NETWORK_SLOPE, max(-MAX_NETWORK_SLOPE, slope)), 3)
    factor = math.exp(mean_ratio - slope * mean_size)
    return float(f"{min(MAX_NETWORK_FACTOR, max(MIN_NETWORK_FACTOR, factor)):.4g}"), slope
