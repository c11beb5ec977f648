"""Start-up against the libraries costcalc cannot do without (issue 26 item 7).

    python bench/startup.py                  # medians of 7 whole processes, cases in turn: wall and CPU s
    python bench/startup.py --instructions   # instructions executed, under valgrind: the same on a busy machine

Cases: `import click`, `import click, rich, yaml` (the floor of any report), `costcalc --version`,
and `costcalc report` of the Keras Inception v3 zoo spec as json and as a text table, piped as
in CI (stdout not a terminal, COLUMNS unset). Targets: each report at most 1.5× the floor,
`--version` at most 1.2× `import click`. Run it with the Python of a venv where costcalc is
installed from a wheel or `pip install .` (an editable install adds its import hook).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

SPEC = Path(__file__).resolve().parent.parent / "specs" / "zoo" / "inception_v3_keras.yaml"


def cases(python: str) -> dict[str, list[str]]:
    script = Path(python).with_name("costcalc")
    costcalc = [str(script)] if script.exists() else [python, "-m", "costcalc"]
    return {
        "import click": [python, "-c", "import click"],
        "import click, rich, yaml": [python, "-c", "import click, rich, yaml"],
        "costcalc --version": [*costcalc, "--version"],
        "report --format json": [*costcalc, "report", str(SPEC), "--format", "json"],
        "report (text, piped)": [*costcalc, "report", str(SPEC)],
    }


def timed(command: list[str], env: dict) -> tuple[float, float]:
    """Wall and CPU seconds of one process (`time.perf_counter`: `os.times().elapsed` counts in 10 ms ticks)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, env=env, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return time.perf_counter() - start, cpu


def instructions(command: list[str], env: dict) -> float:
    """Instructions one process executes (valgrind's callgrind), in millions."""
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
                         capture_output=True, text=True, env=env, check=True)
    return int(re.search(r"Collected : (\d+)", out.stderr)[1]) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--python", default=sys.executable, help="The Python of the venv to measure.")
    parser.add_argument("--instructions", action="store_true", help="Count instructions under valgrind instead.")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    commands = cases(args.python)
    if args.instructions:
        figures = {name: (instructions(command, env),) for name, command in commands.items()}
    else:
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(args.runs):  # round by round, so that a slower minute of the machine weighs on every case
            for name, command in commands.items():
                runs[name].append(timed(command, env))
        figures = {name: (statistics.median(w for w, _ in times), statistics.median(c for _, c in times))
                   for name, times in runs.items()}
    unit = "M instructions" if args.instructions else "median wall s, median CPU s"
    floor, click = figures["import click, rich, yaml"], figures["import click"]
    print(f"| case | {unit} | / click, rich, yaml | / click |\n| --- | ---: | ---: | ---: |")
    for name, values in figures.items():
        shown = ", ".join(f"{v:.1f}" if args.instructions else f"{v:.3f}" for v in values)
        print(f"| {name} | {shown} | {values[0] / floor[0]:.2f}× | {values[0] / click[0]:.2f}× |")
    print(f"\nload average: {os.getloadavg()[0]:.2f}", file=sys.stderr)


if __name__ == "__main__":
    main()
