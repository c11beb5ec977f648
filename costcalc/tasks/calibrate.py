"""`costcalc devices calibrate` as a call: a device fitted to layers timed on a runtime, from a timings file
(`calibrate_file`) or timed here on onnxruntime or torch (`calibrate_runtime`)."""

from __future__ import annotations

from ..device.profiles import Device
from ..device.settings import DTYPES
from ..errors import CostcalcError
from ..limits import MAX_NAME_CHARS
from ..record import replace
from ..safe import brief, elide_chars


def calibrate_file(timings: str, device: Device, name: str | None = None) -> Device:
    """`device` fitted to the layers timed in the file `timings` (docs/latency.md, Calibrating), named
    `name` (default: DEVICE-calibrated, DEVICE elided to keep it a name)."""
    from ..count.engine import analyze
    from ..device.calibrate import calibrate as fit
    from ..spec.timings import read_timings

    found = read_timings(timings)
    if found.dtype not in DTYPES:
        raise CostcalcError(f"{timings}: dtype {brief(found.dtype)} is not one of {', '.join(DTYPES)}")
    timed = [(analyze(spec, bytes_per_element=DTYPES[found.dtype]).designs[0], seconds)
             for spec, seconds in found.layers]
    name = name or f"{elide_chars(device.name, MAX_NAME_CHARS - len('-calibrated'))}-calibrated"
    return fit(timed, device, found.dtype, name, found.runtime, timings)


def calibrate_runtime(runtime: str = "onnxruntime", threads: int = 1, device: Device | None = None,
                      name: str | None = None, grid: str = "small", budget_s: float = 300.0,
                      progress=None) -> tuple[Device, int]:
    """A device fitted to the `grid` (tiny, small or full; runtimes/grid.py) timed here on `runtime` at `threads`
    until `budget_s` seconds are spent in all (the first unit is always timed), and to the layers of whole networks
    timed by the runtime's profiler (grid.NETWORKS; their wholes give its `network_factor` and the overhead of a
    kernel inside a network, `network_fit`; the first, with its time, is its `probe`); based on `device` (default:
    this machine as `devices measure` finds it now, timed as the grid is), named `name` (default:
    RUNTIME-N-thread(s)). Returns the device and how many units of the grid were timed; `progress(done, total)` is
    called after each network and unit."""
    import datetime
    import os
    import time

    from ..device.calibrate import calibrate as fit
    from ..device.measure import this_machine
    from ..runtimes import open_runtime
    from ..runtimes.grid import GRIDS, network_name, networks
    from ..runtimes.grid import grid as units_of
    from ..runtimes.layers import time_networks, time_units
    from ..runtimes.machine import machine_name

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
            "machine": machine_name(),
            "cpus": os.cpu_count() or 1, "date": start.strftime("%Y-%m-%d %H:%M UTC")}
    factor, inside = network_fit([(design, seconds) for design, seconds, _ in whole], fitted, opened.fuses)
    probe = network_name(nets[0]), float(f"{whole[0][1]:.6g}")
    return replace(fitted, network_factor=factor, network_overhead_s=inside, calibrated_on=made,
                   probe=probe), len(timed)


def network_fit(whole, device: Device, fused: bool) -> tuple[float, float | None]:
    """How the timed networks' measured times W follow their estimates on `device`: W ≈ factor × (E − O + K·o), E
    a network's estimate, O the overhead of its K kernels in it at a single layer's overhead, o a kernel's
    overhead inside a network. factor and factor·o by least squares on the relative error, o held from 0 to the
    single layer's (where it falls outside, factor is fitted again with o at the bound). Returns factor (4
    significant digits, within the range a device may hold) and o in seconds (4 significant digits), or None
    without three networks or a single layer's overhead (then o is the single layer's; without networks factor
    is 1)."""
    from ..device.figures import on_device
    from ..device.settings import DeviceSettings
    from ..limits import MAX_NETWORK_FACTOR, MIN_NETWORK_FACTOR

    if not whole:
        return 1.0, None
    single = device.overhead_s
    estimates = [(on_device(design, DeviceSettings(fused=fused), device).estimates[""], seconds)
                 for design, seconds in whole]
    work = [(estimate.seconds - estimate.overhead_s) / seconds for estimate, seconds in estimates]
    kernels = [estimate.overhead_s / single / seconds if single else 0.0 for estimate, seconds in estimates]
    inside = None
    if len(whole) >= 3 and single:
        uu, uk, kk = (sum(a * b for a, b in zip(x, y)) for x, y in ((work, work), (work, kernels), (kernels, kernels)))
        determinant = uu * kk - uk * uk
        if determinant > 0:
            scale = (kk * sum(work) - uk * sum(kernels)) / determinant
            times = (uu * sum(kernels) - uk * sum(work)) / determinant  # scale × o
            inside = float(f"{min(single, max(0.0, times / scale if scale > 0 else single)):.4g}")
    at = single if inside is None else inside
    shares = [u + k * at for u, k in zip(work, kernels)]
    factor = sum(shares) / sum(x * x for x in shares)
    return float(f"{min(MAX_NETWORK_FACTOR, max(MIN_NETWORK_FACTOR, factor)):.4g}"), inside
