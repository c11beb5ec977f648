"""How this machine's speed moves over minutes: the probe of the default calibration grid (MobileNetV2, the first
network `costcalc devices calibrate --runtime` times) run again and again on a runtime, the median of its calls
in each window of a few seconds printed, then how the windows spread and in what spells the slow ones came.

    python tools/trace_speed.py --runtime onnxruntime --threads 2 --minutes 6

docs/latency.md ("On a second machine") reads such traces: where the windows fall in two states far apart, no
one estimate is within ±10 % of the machine's time in both.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SLOW = 1.25
"""A window is slow where its median is more than this many times the fastest window's."""


def windows(run, minutes: float, window_s: float) -> list[tuple[float, float, int]]:
    """(seconds from the start, median seconds of a call, calls) for each window of `window_s` seconds of calls of
    `run`, for `minutes` minutes and at least two windows; each window's line is printed as it ends."""
    start = time.monotonic()
    end = start + 60 * minutes
    found: list[tuple[float, float, int]] = []
    while time.monotonic() < end or len(found) < 2:
        stop, calls = time.monotonic() + window_s, []
        while time.monotonic() < stop:
            began = time.perf_counter()
            run()
            calls.append(time.perf_counter() - began)
        found.append((time.monotonic() - start, statistics.median(calls), len(calls)))
        print(f"{found[-1][0]:7.1f} s  {1000 * found[-1][1]:8.2f} ms  {len(calls)} calls", flush=True)
    return found


def spells(medians: list[float], window_s: float) -> tuple[int, list[float]]:
    """How many windows are slow (SLOW), and the length in seconds of each run of slow windows, in order."""
    bound = SLOW * min(medians)
    lengths, length = [], 0
    for median in [*medians, 0.0]:  # a fast window after the last ends its spell
        if median > bound:
            length += 1
        elif length:
            lengths.append(length)
            length = 0
    return sum(lengths), [length * window_s for length in lengths]


def summary(medians: list[float], window_s: float) -> str:
    """The windows' spread (least, 10th percentile, median, 90th percentile, most, in ms) and their slow spells."""
    tenth, *_, ninetieth = statistics.quantiles(medians, n=10, method="inclusive")
    figures = (min(medians), tenth, statistics.median(medians), ninetieth, max(medians))
    slow, lengths = spells(medians, window_s)
    found = f"in spells of {', '.join(f'{length:g}' for length in lengths)} s" if lengths else "none"
    return (f"{len(medians)} windows of {window_s:g} s, ms: least {figures[0] * 1000:.2f}, 10th percentile "
            f"{figures[1] * 1000:.2f}, median {figures[2] * 1000:.2f}, 90th percentile {figures[3] * 1000:.2f}, "
            f"most {figures[4] * 1000:.2f}\nslow (over {SLOW:g} times the least): {slow} of {len(medians)}, {found}")


def main() -> None:
    from costcalc.count.engine import analyze
    from costcalc.errors import CostcalcError
    from costcalc.runtimes import open_runtime
    from costcalc.runtimes.grid import NETWORKS
    from costcalc.spec.reader import load

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runtime", choices=("onnxruntime", "torch"), default="onnxruntime")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--window", type=float, default=2.0, help="seconds of calls a window holds")
    args = parser.parse_args()
    spec, design = NETWORKS[0]
    try:
        runtime = open_runtime(args.runtime, args.threads, "tools/trace_speed.py")
    except CostcalcError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    run = runtime.build(analyze(load(spec), designs=[design] if design else None).designs[0])
    for _ in range(5):
        run()
    found = windows(run, args.minutes, args.window)
    print(summary([median for _, median, _ in found], args.window))


if __name__ == "__main__":
    main()
