"""`costcalc devices measure`: this machine's float32 matmul throughput, streaming bandwidth and per-call overhead.

numpy is imported here only. Each figure is the best of repeated timed runs, since other work
on the machine only ever slows a run down. The profile sets efficiency 1: its peaks are what
numpy reached, not a datasheet's.
"""

from __future__ import annotations

import json
import platform
import time
from datetime import date


def best_rate(work: float, run, seconds: float, clock=time.perf_counter) -> float:
    """`work` units per second of the fastest call of `run` within about `seconds`, timed by `clock`."""
    run()  # warm up
    best, deadline = float("inf"), time.perf_counter() + seconds
    while True:
        start = clock()
        run()
        best = min(best, max(clock() - start, 1e-9))
        if time.perf_counter() > deadline:
            return work / best


def measure_profile(name: str, seconds: float = 2.0, clock=time.perf_counter) -> str:
    """A devices file (JSON) with one device: this machine as numpy sees it, each call timed by `clock` (the wall
    clock; `time.thread_time` for what one thread computes, however loaded the machine)."""
    import numpy as np

    n = 1024
    a, b = np.ones((n, n), np.float32), np.ones((n, n), np.float32)
    flops = best_rate(2 * n**3, lambda: a @ b, seconds, clock)
    source = np.ones(64 * 2**20 // 4, np.float32)
    target = np.empty_like(source)
    bandwidth = best_rate(2 * source.nbytes, lambda: np.copyto(target, source), seconds, clock)
    tiny = np.ones(8, np.float32)
    overhead = 1 / best_rate(1, lambda: tiny + tiny, seconds / 4, clock)
    device = {
        "title": f"{platform.machine()} {platform.processor() or platform.system()} (measured)",
        "tflops": {"float32": round(flops / 1e12, 6)},
        "bandwidth_gbs": round(bandwidth / 1e9, 3),
        "efficiency": {"compute": 1.0, "memory": 1.0},
        "overhead_us": round(overhead * 1e6, 3),
        "source": f"costcalc devices measure on {date.today().isoformat()}, numpy {np.__version__}: best of repeated "
                  f"{n}x{n} float32 matmuls; a {source.nbytes // 2**20} MiB copy (read + write); a tiny add for "
                  "overhead",
    }
    return json.dumps({"devices": {name: device}}, indent=2) + "\n"


MEASURED_NOW = "this machine by numpy, measured now"
"""Where the device of an estimate beside a measurement comes from when none is named (measure, sweep --measure)."""


def this_machine(seconds: float = 0.3, clock=time.perf_counter):
    """This machine as numpy sees it (`costcalc devices measure`): the Device a measurement is estimated on when
    no device is named, or `devices calibrate --runtime` calibrates; each call timed by `clock`."""
    from .profiles import parse_devices

    (device,) = parse_devices(json.loads(measure_profile("this-machine", seconds, clock)), "measured now").values()
    return device
