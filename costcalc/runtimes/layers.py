"""Timing the calibration grid (grid.py) and whole networks on a runtime, for `devices calibrate --runtime`.

Each unit is built as `measure` builds a design (its export, run by the runtime), called once to warm up,
then timed in three rounds of enough calls to last about 10 ms (a network: five of 0.1 s, then ten runs under the
runtime's profiler for its layers' times); its figure is
the fastest round's median, since other work on a shared machine only ever slows a round down. At one thread
the runtime computes on the calling thread, and a call is timed by that thread's CPU time: on a loaded
machine the wall clock counts the time other processes hold the core, which falls on a 100 ms network far
more than on a 1 ms layer that fits in the scheduler's time slice. Units are timed in the grid's order until
the budget is spent.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

from ..count.engine import DesignResult
from . import Runtime
from .grid import Unit
from .timing import calls_for, median_seconds

Progress = Callable[[int, int], None]
"""Called after each unit timed with (units timed, units in the grid)."""


def unit_design(unit: Unit) -> DesignResult:
    """A grid unit as a one-design spec, analysed."""
    from ..count.engine import analyze
    from ..spec.reader import loads

    shape, layers = unit
    return analyze(loads(json.dumps({"input": shape, "layers": layers}), "<calibration grid>")).designs[0]


def seconds_of(run: Callable[[], object], threads: int, target_s: float = 0.01, rounds: int = 3,
               best: bool = True) -> float:
    """The least (not `best`: the median) over `rounds` rounds of the median time of a call of `run`, after a
    warm-up call: by this thread's CPU time where the runtime runs on it alone (`threads` 1), else by the wall
    clock."""
    run()
    calls = calls_for(run, target_s, most=20)
    clock = time.thread_time if threads == 1 else time.perf_counter
    found = [median_seconds(run, calls, clock) for _ in range(rounds)]
    return min(found) if best else statistics.median(found)


def time_units(runtime: Runtime, units: list[Unit], budget_s: float,
               progress: Progress | None = None) -> list[tuple[DesignResult, float]]:
    """Each unit's design and the seconds it took on `runtime`, in order, until `budget_s` seconds are spent (the
    first unit is always timed). At more than one thread the units timed are timed again, last first, while the
    budget lasts, and each keeps the faster time: timed by the wall clock, a second or two of other work on the
    machine slowed a run of some 50 units in a row by 30 to 170 % (onnxruntime, 2 threads, 2 cores), and in the
    other pass other units."""
    deadline, timed = time.monotonic() + budget_s, []
    for unit in units:
        design = unit_design(unit)
        timed.append((design, seconds_of(runtime.build(design), runtime.threads)))
        if progress:
            progress(len(timed), len(units))
        if time.monotonic() > deadline:
            break
    if runtime.threads > 1:
        for index in reversed(range(len(timed))):
            if time.monotonic() > deadline:
                break
            design, seconds = timed[index]
            timed[index] = design, min(seconds, seconds_of(runtime.build(design), runtime.threads))
    return timed


def time_networks(runtime: Runtime, networks,
                  progress: Progress | None = None) -> list[tuple[DesignResult, float, dict[str, float]]]:
    """Each (spec, design or None: the first) as a design, the seconds a run of it took on `runtime`, and each
    of its rows' seconds by the runtime's profiler (`Runtime.layer_seconds`). A run's seconds are the median of its
    rounds, as `measure` reports, not the least: the wholes give the network factor that takes the layers'
    estimates to what `measure` reports, and where the machine's speed moves the least is its fast spells only
    (onnxruntime at 2 threads: with the least, 33 of 42 held-out networks came out low, 6 December 06:13; at 1
    thread on an AMD EPYC VM whose cores slow by a third in spells, torch's 22 of 23 misses low, 20:16)."""
    from ..count.engine import analyze
    from ..spec.reader import load

    timed = []
    for spec, name in networks:
        design = analyze(load(spec), designs=[name] if name else None).designs[0]
        run = runtime.build(design)
        whole = seconds_of(run, runtime.threads, target_s=0.1, rounds=5, best=False)
        timed.append((design, whole, runtime.layer_seconds(design)))
        if progress:
            progress(len(timed), len(networks))
    return timed
