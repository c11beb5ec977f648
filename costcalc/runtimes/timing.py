"""Timing calls on a loaded machine: a warm-up, then rounds that interleave the calls, so that a slow spell
of the machine falls on every call alike; each call's figure is the median of its rounds' medians."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from ..device.measured import Timed


def median_seconds(run: Callable[[], object], calls: int, clock: Callable[[], float] = time.perf_counter) -> float:
    """The median time of `calls` calls of `run`, by `clock` (default: the wall clock)."""
    times = []
    for _ in range(calls):
        start = clock()
        run()
        times.append(clock() - start)
    return statistics.median(times)


def calls_for(run: Callable[[], object], target_s: float = 0.05, most: int = 50) -> int:
    """How many calls make a round of about `target_s` (at least 3), from one warm-up call's time."""
    start = time.perf_counter()
    run()
    once = max(time.perf_counter() - start, 1e-7)
    return max(3, min(most, int(target_s / once)))


def interleaved(runs: dict[str, Callable[[], object]], rounds: int = 7, target_s: float = 0.05,
                settle_s: float = 0.0) -> dict[str, Timed]:
    """Each call timed in `rounds` rounds, the calls in a rotated order in each, after two warm-up calls each;
    with several calls, `settle_s` seconds of rest before each call's turn (`Runtime.settle_s`)."""
    names = list(runs)
    rest = settle_s if len(names) > 1 else 0.0
    calls = {}
    for name in names:
        time.sleep(rest)
        runs[name]()
        calls[name] = calls_for(runs[name], target_s)
    medians: dict[str, list[float]] = {name: [] for name in names}
    for index in range(rounds):
        for name in names[index % len(names):] + names[:index % len(names)]:
            time.sleep(rest)
            medians[name].append(median_seconds(runs[name], calls[name]))
    return {name: Timed(statistics.median(found), min(found), max(found), rounds) for name, found in medians.items()}
