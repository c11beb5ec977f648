"""Time costcalc sweep: 10,000 MobileNet variants as a whole process, and variants per second in-process.

    python bench/sweep.py                  # medians of 5 runs each
    python bench/sweep.py --runs 11

Whole process: `costcalc sweep specs/zoo/mobilenet_keras.yaml` over a 100 × 100 grid of alpha
(0.25 to 1.24) and resolution (32 to 230), as csv and as a table, start-up and numpy's import
included (the median of fresh processes, as bench/run.py measures). In-process: the library's
`sweep()` over 1,000 × 100 = 100,000 variants of fixed structure (only sizes change), the
median of --runs calls, and the same variants' totals checked against 16 of them counted one
by one with --set. The targets of issue 14 are checked at the end. Device figures (`--memory
--device`, issue 13) analyse each variant on its own: `sweep()` over 16 and 160 MobileNet
variants with and without them, and the whole process with them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ROOT, costcalc_command, measure  # noqa: E402  (bench/run.py, beside this script)

SPEC = ROOT / "specs" / "zoo" / "mobilenet_keras.yaml"
GRID_10K = ["--vary", "alpha=0.25:1.24:0.01", "--vary", "resolution=32:230:2"]
GRID_100K = [("alpha", ["0.25:1.249:0.001"]), ("resolution", ["32:230:2"])]
GRID_16 = [("alpha", ["0.25:1.0:0.25"]), ("resolution", ["128:224:32"])]
GRID_160 = [("alpha", ["0.25:1.225:0.025"]), ("resolution", ["128:224:32"])]
ON_DEVICE = ["--vary", "alpha=0.25:1.0:0.25", "--vary", "resolution=128:224:32", "--memory", "--device", "jetson-nano"]


def in_process(runs: int) -> tuple[float, int]:
    """Median seconds of `sweep()` over GRID_100K, and its number of variants."""
    from costcalc import analyze, loads
    from costcalc.sweep.run import sweep

    text = SPEC.read_text()
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = sweep(text, str(SPEC), GRID_100K)
        times.append(time.perf_counter() - started)
    for variant in result.variants[:: len(result.variants) // 16]:
        settings = [(name, str(value)) for name, value in zip(result.names, variant.values)]
        assert variant.cost == analyze(loads(text, str(SPEC), settings)).designs[0].total, variant.values
    return statistics.median(times), len(result.variants)


def on_device(runs: int) -> list[tuple[str, float, int]]:
    """(case, median seconds, variants) of `sweep()` without and with device figures (--memory --device)."""
    from costcalc.sweep.device import OnDevice
    from costcalc.sweep.run import sweep

    text, cases = SPEC.read_text(), []
    for grid in (GRID_16, GRID_160):
        for label, option in (("counts only", None), ("with --memory --device jetson-nano",
                                                      OnDevice(devices=("jetson-nano",)))):
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                result = sweep(text, str(SPEC), grid, on_device=option)
                times.append(time.perf_counter() - started)
            cases.append((label, statistics.median(times), len(result.variants)))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("NO_COLOR", "1")
    costcalc = costcalc_command()
    print(f"{'case':60} {'median s':>9} {'peak MiB':>9}   ({args.runs} runs, Python {sys.version.split()[0]},"
          f" {os.cpu_count()} CPUs)")
    results = {}
    for label, grid in (("10,000 variants, csv", [*GRID_10K, "--format", "csv"]), ("10,000 variants, table", GRID_10K),
                        ("16 variants, --memory --device jetson-nano", ON_DEVICE)):
        results[label] = measure([*costcalc, "sweep", str(SPEC), *grid], args.runs)
        print(f"{'costcalc sweep mobilenet_keras.yaml, ' + label:60} {results[label][0]:9.3f} {results[label][1]:9.1f}",
              flush=True)
    seconds, count = in_process(args.runs)
    rate = count / seconds
    print(f"{f'sweep() in-process, {count:,} variants of fixed structure':60} {seconds:9.3f}"
          f"   {rate:,.0f} variants/s")
    for label, seconds_taken, variants in on_device(args.runs):
        print(f"{f'sweep() in-process, {variants} variants, {label}':60} {seconds_taken:9.3f}"
              f"   {variants / seconds_taken:,.0f} variants/s")
    whole = results["10,000 variants, csv"][0]
    print(f"10,000 variants, whole process, csv {whole:.3f} s < 1 s: {'met' if whole < 1 else 'MISSED'}")
    print(f"in-process {rate:,.0f} variants/s >= 100,000: {'met' if rate >= 100_000 else 'MISSED'}")


if __name__ == "__main__":
    main()
