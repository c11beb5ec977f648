"""Time costcalc as whole processes: start-up, the README's compare, and deep generated specs.

    python bench/run.py                 # medians of 5 runs each
    python bench/run.py --runs 11 --layers 1000 10000 100000

Each figure is the median wall time of a fresh process (and its peak resident memory),
as a user in a shell or CI would meet it. Generated specs are written to a temporary
directory: a stack of conv / batchnorm / relu layers written out one by one (no `repeat`),
so the YAML parser, the expander and the engine all see every layer.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEASURE = (
    "import resource, subprocess, sys, time;"
    "t = time.perf_counter(); code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode;"
    "wall = time.perf_counter() - t;"
    "print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)"
)


def costcalc_command() -> list[str]:
    """The installed console script beside this Python, else `python -m costcalc`."""
    script = Path(sys.executable).with_name("costcalc")
    return [str(script)] if script.exists() else [sys.executable, "-m", "costcalc"]


def deep_spec(layers: int) -> str:
    """A spec of `layers` layers: conv 3×3 / batchnorm / relu, repeated, each written out."""
    kinds = ["  - conv: {filters: 64, kernel: 3, bias: false}", "  - batchnorm", "  - relu"]
    body = "\n".join(kinds[i % 3] for i in range(layers))
    return f"name: {layers} generated layers\ninput: [56, 56, 64]\nlayers:\n{body}\n"


def measure(command: list[str], runs: int) -> tuple[float, float]:
    """Median wall seconds and median peak memory (MiB) of `command` over `runs` processes."""
    walls, peaks = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, check=True)
        wall, peak_kib, code = out.stdout.split()
        if code != "0":
            raise SystemExit(f"{' '.join(command)} exited {code}")
        walls.append(float(wall))
        peaks.append(int(peak_kib) / 1024)
    return statistics.median(walls), statistics.median(peaks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--layers", type=int, nargs="*", default=[1000, 10000])
    args = parser.parse_args()
    costcalc = costcalc_command()
    os.environ.setdefault("NO_COLOR", "1")
    cases = [
        ("python -c 'import click'", [sys.executable, "-c", "import click"]),
        ("costcalc --version", [*costcalc, "--version"]),
        ("costcalc compare specs/bottleneck_5x5.yaml", [*costcalc, "compare", str(ROOT / "specs/bottleneck_5x5.yaml")]),
    ]
    workdir = Path(tempfile.mkdtemp(prefix="costcalc-bench-"))
    try:
        for n in args.layers:
            spec = workdir / f"deep_{n}.yaml"
            spec.write_text(deep_spec(n))
            cases.append((f"costcalc report ({n:,} layers)", [*costcalc, "report", str(spec)]))
        print(f"{'case':48} {'median s':>9} {'peak MiB':>9}   ({args.runs} runs, {sys.version.split()[0]})")
        started = time.perf_counter()
        for label, command in cases:
            wall, peak = measure(command, args.runs)
            print(f"{label:48} {wall:9.3f} {peak:9.1f}")
        print(f"(total {time.perf_counter() - started:.1f} s)")
    finally:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
