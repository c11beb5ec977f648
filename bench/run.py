"""Time costcalc as whole processes: start-up, zoo specs, deep generated specs, and fvcore.

    python bench/run.py                     # medians of 5 runs each
    python bench/run.py --runs 11 --layers 1000 10000 100000
    python bench/run.py --torch-python /path/to/venv/bin/python   # also time fvcore

Each figure is the median wall time of a fresh process (and its peak resident memory),
as a user in a shell or CI would meet it. Generated specs are written to a temporary
directory: a stack of conv / batchnorm / relu layers written out one by one (no `repeat`),
so the YAML parser, the expander and the engine all see every layer. Where a Python with
torch, torchvision and fvcore is at hand (not in CI), fvcore counting torchvision's
Inception v3 is timed against costcalc reporting specs/zoo/inception_v3_torchvision.yaml.
The targets of issue 6 are checked at the end.
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


FVCORE = """
import torch, torchvision
from fvcore.nn import FlopCountAnalysis
model = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False).eval()
with torch.no_grad():
    print(FlopCountAnalysis(model, torch.zeros(1, 3, 299, 299)).unsupported_ops_warnings(False).total())
"""
TARGETS = [  # (case, what, limit): wall seconds unless stated
    ("costcalc compare specs/bottleneck_5x5.yaml", "wall", 0.25),
    ("costcalc report (1,000 layers)", "wall", 1.0),
    ("costcalc --version", "wall", 0.15),
    ("costcalc report zoo/inception_v3_keras.yaml", "wall", 0.3),
    ("costcalc draw zoo/inception_v3_keras.yaml", "wall", 1.0),
    ("costcalc report (100,000 layers)", "wall", 10.0),
    ("costcalc report (100,000 layers)", "peak", 300.0),
]


def has_fvcore(python: str) -> bool:
    check = subprocess.run([python, "-c", "import torch, torchvision, fvcore"], capture_output=True)
    return check.returncode == 0


def cases(costcalc: list[str], workdir: Path, layers: list[int], torch_python: str) -> list[tuple[str, list[str]]]:
    """(label, command) for every figure, in the order printed."""
    zoo = ROOT / "specs" / "zoo"
    found = [
        ("python -c 'import click'", [sys.executable, "-c", "import click"]),
        ("costcalc --version", [*costcalc, "--version"]),
        ("costcalc --help", [*costcalc, "--help"]),
        ("costcalc compare specs/bottleneck_5x5.yaml", [*costcalc, "compare", str(ROOT / "specs/bottleneck_5x5.yaml")]),
        ("costcalc report zoo/inception_v3_keras.yaml", [*costcalc, "report", str(zoo / "inception_v3_keras.yaml")]),
        ("costcalc report zoo/inception_v3_torchvision.yaml",
         [*costcalc, "report", str(zoo / "inception_v3_torchvision.yaml")]),
        ("costcalc draw zoo/inception_v3_keras.yaml",
         [*costcalc, "draw", str(zoo / "inception_v3_keras.yaml"), "-o", str(workdir / "inception_v3.svg")]),
    ]
    if has_fvcore(torch_python):
        found.append(("fvcore: torchvision inception_v3", [torch_python, "-c", FVCORE]))
    for n in layers:
        spec = workdir / f"deep_{n}.yaml"
        spec.write_text(deep_spec(n))
        found.append((f"costcalc report ({n:,} layers)", [*costcalc, "report", str(spec)]))
    return found


def ratios(results: dict[str, tuple[float, float]]) -> list[str]:
    """The ratios the issue asks for, where both figures were measured."""
    lines = []
    click = results["python -c 'import click'"][0]
    for case in ("costcalc --version", "costcalc --help"):
        lines.append(f"{case} / import click: {results[case][0] / click:.2f}×")
    fvcore = results.get("fvcore: torchvision inception_v3")
    if fvcore:
        ours = results["costcalc report zoo/inception_v3_torchvision.yaml"][0]
        lines.append(f"fvcore / costcalc on torchvision's Inception v3: {fvcore[0] / ours:.1f}×")
    deep = {int(label.split("(")[1].split()[0].replace(",", "")): figures
            for label, figures in results.items() if "layers)" in label}
    for small, large in zip(sorted(deep), sorted(deep)[1:]):
        lines.append(f"{large:,} / {small:,} layers: {deep[large][0] / deep[small][0]:.1f}× the time"
                     f" for {large // small}× the layers (peak memory {deep[large][1] / deep[small][1]:.1f}×)")
    return lines


def verdicts(results: dict[str, tuple[float, float]]) -> list[str]:
    lines = []
    for case, what, limit in TARGETS:
        if case in results:
            value = results[case][0 if what == "wall" else 1]
            unit = "s" if what == "wall" else " MiB"
            verdict = "met" if value < limit else "MISSED"
            lines.append(f"{case} {what} {value:.3f}{unit} < {limit}{unit}: {verdict}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--layers", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument("--torch-python", default=sys.executable,
                        help="a Python with torch, torchvision and fvcore, for the fvcore comparison")
    args = parser.parse_args()
    os.environ.setdefault("NO_COLOR", "1")
    workdir = Path(tempfile.mkdtemp(prefix="costcalc-bench-"))
    try:
        todo = cases(costcalc_command(), workdir, args.layers, args.torch_python)
        print(f"{'case':52} {'median s':>9} {'peak MiB':>9}   ({args.runs} runs, Python {sys.version.split()[0]},"
              f" {os.cpu_count()} CPUs)")
        started = time.perf_counter()
        results = {}
        for label, command in todo:
            results[label] = measure(command, args.runs)
            print(f"{label:52} {results[label][0]:9.3f} {results[label][1]:9.1f}", flush=True)
        print(*ratios(results), *verdicts(results), sep="\n")
        print(f"(total {time.perf_counter() - started:.1f} s)")
    finally:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
