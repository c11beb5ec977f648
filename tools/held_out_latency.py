"""The held-out evaluation of issue 25: networks no calibration times, measured on a runtime and estimated on a device.

Every network of HELD_OUT (docs/latency.md, "The held-out networks", lists the same, chosen before any was
estimated), or of SECOND or THIRD with `--list second|third` (each chosen later, before any of it was estimated), is
built as `costcalc measure` builds a design (the ONNX or PyTorch export, random weights, batch 1, float32), timed
through the library (costcalc.tasks.measure.measure_designs: a warm-up, then interleaved rounds across the networks,
since 6 December 23:00 UTC with the device's probe network among them, each network's figure the median of its
rounds) and estimated on a device, fused as the runtime runs it. It prints
the run as TSV rows (the columns of RUNS) and a markdown summary: per network the measured and estimated time and
the error, then the share of networks within ±10 %, the median |error|, and the Spearman rank correlation with the
measured times of the estimate and of the MACs.

    costcalc devices measure --name cpu > cpu.json      # or a device made by `costcalc devices calibrate`
    python tools/held_out_latency.py --runtime onnxruntime --threads 1 --devices cpu.json --device cpu --write
    python tools/held_out_latency.py --runs-table       # the table of every run, as docs/latency.md holds it

--write appends the run to tests/data/reference/held_out_runs.tsv: every run, not the best.
tests/test_held_out.py recomputes each run's summary from those rows and checks docs/latency.md's table.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from latency_vs_torch import spearman  # noqa: E402

HELD_OUT = {
    "googlenet": ("zoo/googlenet_torchvision.yaml", "main", ""),
    "inception_v3": ("zoo/inception_v3_torchvision.yaml", "main", ""),
    "resnet50": ("zoo/resnet50_torchvision.yaml", "main", ""),
    "resnet34": ("torchvision/resnets.yaml", "resnet34", ""),
    "resnext50_32x4d": ("torchvision/resnets.yaml", "resnext50_32x4d", ""),
    "vgg16": ("zoo/vgg16.yaml", "torchvision", ""),
    "densenet121": ("torchvision/densenets.yaml", "main", ""),
    "convnext_tiny": ("zoo/convnext_tiny_torchvision.yaml", "main", ""),
    "lraspp_mobilenet_v3_large": ("zoo/lraspp_mobilenet_v3_large_torchvision.yaml", "main", ""),
    "mnasnet1_0": ("torchvision/mnasnets.yaml", "main", ""),
    "regnet_y_400mf": ("torchvision/regnets.yaml", "main",
                       "w1=48 d1=1 g1=6 w2=104 d2=3 g2=13 w3=208 d3=6 g3=26 w4=440 d4=6 g4=55 se=1"),
    "efficientnet_b0_keras": ("zoo/efficientnet_keras.yaml", "main", ""),
    "mobilenet_keras": ("zoo/mobilenet_keras.yaml", "main", ""),
    "nasnet_mobile_keras": ("zoo/nasnet_mobile_keras.yaml", "main", ""),
}
"""name -> (spec under specs/, design, the --set settings, space-separated): as docs/latency.md lists them."""

SECOND = {
    "regnet_y_800mf": ("torchvision/regnets.yaml", "main",
                       "w1=64 d1=1 g1=4 w2=144 d2=3 g2=9 w3=320 d3=8 g3=20 w4=784 d4=2 g4=49 se=1"),
    "regnet_y_1_6gf": ("torchvision/regnets.yaml", "main",
                       "w1=48 d1=2 g1=2 w2=120 d2=6 g2=5 w3=336 d3=17 g3=14 w4=888 d4=2 g4=37 se=1"),
    "resnet101": ("torchvision/resnets.yaml", "resnet101", ""),
    "densenet169": ("torchvision/densenets.yaml", "main", "b3=32 b4=32"),
    "shufflenet_v2_x2_0": ("torchvision/shufflenets.yaml", "main", "c2=244 c3=488 c4=976 c5=2048"),
    "squeezenet1_0": ("torchvision/squeezenets.yaml", "squeezenet1_0", ""),
    "mnasnet0_5": ("torchvision/mnasnets.yaml", "main", "alpha=0.5"),
    "efficientnet_b1": ("torchvision/efficientnets.yaml", "b", "width=1.0 depth=1.1 size=240"),
    "vgg11_bn": ("torchvision/vggs.yaml", "vgg11_bn", ""),
    "mobilenet_v3_small_keras": ("keras/mobilenet_v3.yaml", "small", ""),
    "densenet121_keras": ("keras/densenet.yaml", "main", ""),
    "resnet50_v2_keras": ("keras/resnet_v2.yaml", "main", ""),
    "inception_resnet_v2_keras": ("keras/inception_resnet_v2.yaml", "main", ""),
    "efficientnet_v2_b0_keras": ("keras/efficientnet_v2.yaml", "b", ""),
}
"""The second list (docs/latency.md, "The second held-out list"), chosen on 6 December 2026 at 03:01 UTC, after three
changes to the estimate had been found in the profiles of networks of the first list, before any of these was
estimated against a measurement."""
THIRD = {
    "resnet152": ("torchvision/resnets.yaml", "resnet152", ""),
    "densenet201": ("torchvision/densenets.yaml", "main", "b3=48 b4=32"),
    "vgg13": ("torchvision/vggs.yaml", "vgg13", ""),
    "efficientnet_b2": ("torchvision/efficientnets.yaml", "b", "width=1.1 depth=1.2 size=288"),
    "efficientnet_v2_s": ("torchvision/efficientnets.yaml", "v2_s", "size=384"),
    "mnasnet1_3": ("torchvision/mnasnets.yaml", "main", "alpha=1.3"),
    "shufflenet_v2_x1_5": ("torchvision/shufflenets.yaml", "main", "c2=176 c3=352 c4=704"),
    "convnext_small": ("zoo/convnext_tiny_torchvision.yaml", "main", "depth=27"),
    "inception_v3_keras": ("zoo/inception_v3_keras.yaml", "main", ""),
    "resnet101_keras": ("zoo/resnet50_keras.yaml", "main", "conv4_blocks=23"),
    "resnet101_v2_keras": ("keras/resnet_v2.yaml", "main", "conv4_blocks=23"),
    "densenet169_keras": ("keras/densenet.yaml", "main", "conv4_blocks=32 conv5_blocks=32"),
    "efficientnet_b3_keras": ("zoo/efficientnet_keras.yaml", "main",
                              "width_coefficient=1.2 depth_coefficient=1.4 resolution=300"),
    "efficientnet_v2_b2_keras": ("keras/efficientnet_v2.yaml", "b",
                                 "width_coefficient=1.1 depth_coefficient=1.2 resolution=260"),
}
"""The third list (docs/latency.md, "The third held-out list"), chosen on 6 December 2026 at 04:07 UTC, after
torch's allocator was found and two first-list networks' torch profiles were read, before any of these was estimated
against a measurement."""
LISTS = {"first": HELD_OUT, "second": SECOND, "third": THIRD}


def list_of(network: str) -> str:
    """The list a network is on (LISTS)."""
    return next(name for name, networks in LISTS.items() if network in networks)


RUNS = ROOT / "tests" / "data" / "reference" / "held_out_runs.tsv"
COLUMNS = ("run", "runtime", "version", "threads", "device", "load_before", "load_after", "network", "macs",
           "measured_s", "low_s", "high_s", "estimated_s")
"""A row per network per run; `run` is when it started (UTC), the load averages are the 1-minute ones before and
after timing."""
PROVENANCE = ("# Every run of tools/held_out_latency.py --write (docs/latency.md, The held-out networks): a row per "
              "network, batch 1, float32, random weights; times in seconds, the median of interleaved rounds and the "
              "fastest and slowest round; the estimate on `device`, fused as the runtime runs the model.\n")
WITHIN = 10.0
"""The band of the issue's "Done when": an estimate within ±10 % of the measured time."""


def design_of(name: str):
    """The held-out network `name` analysed, its design named after it (the designs of several are `main`)."""
    from costcalc.count.engine import analyze
    from costcalc.spec.reader import load

    spec, design, settings = LISTS[list_of(name)][name]
    pairs = [tuple(setting.split("=", 1)) for setting in settings.split()]
    return dataclasses.replace(analyze(load(str(ROOT / "specs" / spec), pairs)).design(design), name=name)


def measure_run(names: list[str], runtime: str, threads: int, devices_files: tuple[str, ...], device_name: str,
                rounds: int) -> list[dict[str, str]]:
    """The networks `names` timed on `runtime` and estimated on the device: a row (COLUMNS) per network."""
    from costcalc.device.profiles import origin, pick
    from costcalc.runtimes import open_runtime
    from costcalc.tasks.measure import measure_designs

    designs = [design_of(name) for name in names]
    opened = open_runtime(runtime, threads, "tools/held_out_latency.py")
    (device,) = pick((device_name,), devices_files)
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")
    before = os.getloadavg()[0]
    found = measure_designs(designs, opened, device, origin(device), "held-out", rounds=rounds)
    after = os.getloadavg()[0]
    if found.caveat:  # made elsewhere, or this machine at another speed than at the calibration
        print(f"note: {found.caveat}", file=sys.stderr)
    return [{"run": started, "runtime": opened.name, "version": opened.version, "threads": str(threads),
             "device": device.name, "load_before": f"{before:.2f}", "load_after": f"{after:.2f}", "network": d.name,
             "macs": str(design.total.macs), "measured_s": f"{d.timed.median_s:.6g}", "low_s": f"{d.timed.low_s:.6g}",
             "high_s": f"{d.timed.high_s:.6g}", "estimated_s": f"{d.estimated_s:.6g}"}
            for d, design in zip(found.designs, designs)]


def tsv(rows: list[dict[str, str]], header: bool = True) -> str:
    lines = ["\t".join(COLUMNS)] * header + ["\t".join(row[c] for c in COLUMNS) for row in rows]
    return "\n".join(lines) + "\n"


RunKey = tuple[str, str, str, str, str, str]
"""What tells runs apart: when it started (to the minute), runtime, its version, threads, device and list."""


def read_runs(path: Path = RUNS) -> dict[RunKey, list[dict[str, str]]]:
    """Each run's rows, by its start and what it ran (in the file's order), from a TSV of COLUMNS: two runs may
    start in the same minute, on different lists too."""
    lines = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    assert tuple(lines[0]) == COLUMNS, f"{path}: the header is not {COLUMNS}"
    runs: dict[RunKey, list[dict[str, str]]] = {}
    for cells in lines[1:]:
        row = dict(zip(COLUMNS, cells))
        key = (row["run"], row["runtime"], row["version"], row["threads"], row["device"], list_of(row["network"]))
        runs.setdefault(key, []).append(row)
    return runs


def error_percent(row: dict[str, str]) -> float:
    """The estimate against the measured time, in percent of it (negative: estimated faster)."""
    return 100 * (float(row["estimated_s"]) / float(row["measured_s"]) - 1)


def correlation(a: list[float], b: list[float]) -> float | None:
    """Spearman's rank correlation, or None where it has no meaning: fewer than two different values on a side."""
    return spearman(a, b) if len(set(a)) > 1 and len(set(b)) > 1 else None


def shown(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


@dataclasses.dataclass(frozen=True)
class Summary:
    networks: int
    within: int
    median_error: float
    spearman_estimate: float | None
    spearman_macs: float | None


def summary(rows: list[dict[str, str]]) -> Summary:
    """A run's figures: networks within ±WITHIN %, the median |error| (percent), and the Spearman rank correlation
    with the measured times of the estimates and of the MACs."""
    errors = [abs(error_percent(row)) for row in rows]
    measured = [float(row["measured_s"]) for row in rows]
    return Summary(len(rows), sum(error <= WITHIN for error in errors), statistics.median(errors),
                   correlation([float(row["estimated_s"]) for row in rows], measured),
                   correlation([float(row["macs"]) for row in rows], measured))


def run_markdown(rows: list[dict[str, str]]) -> str:
    """One run: a row per network, then its summary."""
    first, found = rows[0], summary(rows)
    lines = [f"{first['runtime']} {first['version']}, {first['threads']} thread(s), estimated on {first['device']}, "
             f"{first['run']} UTC, load average {first['load_before']} before, {first['load_after']} after",
             "", "| network | MACs | measured (ms) | estimated (ms) | error |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {row['network']} | {int(row['macs']):,} | {float(row['measured_s']) * 1e3:.2f} | "
              f"{float(row['estimated_s']) * 1e3:.2f} | {error_percent(row):+.1f}% |" for row in rows]
    lines += ["", f"within ±{WITHIN:g}%: {found.within} of {found.networks}; median |error| {found.median_error:.1f}%; "
                  f"Spearman with the measured times: estimate {shown(found.spearman_estimate)}, "
                  f"MACs {shown(found.spearman_macs)}"]
    return "\n".join(lines) + "\n"


def runs_table(runs: dict[RunKey, list[dict[str, str]]]) -> str:
    """Every run, a line each, as docs/latency.md holds it."""
    lines = ["| run (UTC) | runtime | threads | device | load before / after | list | networks | within ±10% "
             "| median \\|error\\| | Spearman estimate | Spearman MACs |",
             "|---|---|---:|---|---|---|---:|---:|---:|---:|---:|"]
    for (run, *_, held_out), rows in runs.items():
        first, found = rows[0], summary(rows)
        lines.append(f"| {run} | {first['runtime']} {first['version']} | {first['threads']} | {first['device']} | "
                     f"{first['load_before']} / {first['load_after']} | {held_out} | {found.networks} | "
                     f"{found.within} "
                     f"({100 * found.within / found.networks:.0f}%) | {found.median_error:.1f}% | "
                     f"{shown(found.spearman_estimate)} | {shown(found.spearman_macs)} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runtime", choices=("onnxruntime", "torch"), default="onnxruntime")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--devices", action="append", default=[], help="a devices file (repeatable)")
    parser.add_argument("--device", help="the device to estimate on")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds of timing (default 7)")
    parser.add_argument("--list", choices=tuple(LISTS), default="first", help="the held-out list (default first)")
    parser.add_argument("--only", help="a comma-separated subset of the list's networks (a trial)")
    parser.add_argument("--tsv", help="also write the run's rows to this file")
    parser.add_argument("--write", action="store_true", help=f"append the run to {RUNS.relative_to(ROOT)}")
    parser.add_argument("--runs-table", action="store_true", help=f"print the table of every run in {RUNS.name}")
    args = parser.parse_args()
    if args.runs_table:
        print(runs_table(read_runs()), end="")
        return 0
    if not args.device:
        parser.error("--device NAME is needed: the device to estimate on (with --devices FILE)")
    held_out = LISTS[args.list]
    names = args.only.split(",") if args.only else list(held_out)
    if unknown := [name for name in names if name not in held_out]:
        parser.error(f"not on the {args.list} list: {', '.join(unknown)}; its networks are {', '.join(held_out)}")
    rows = measure_run(names, args.runtime, args.threads, tuple(args.devices), args.device, args.rounds)
    print(tsv(rows), end="")
    print()
    print(run_markdown(rows), end="")
    if args.tsv:
        Path(args.tsv).write_text(tsv(rows), encoding="utf-8")
    if args.write:
        new = not RUNS.exists()
        with RUNS.open("a", encoding="utf-8") as handle:
            handle.write(PROVENANCE * new + tsv(rows, new))
    return 0


if __name__ == "__main__":
    sys.exit(main())
