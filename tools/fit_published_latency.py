"""Fit the built-in devices' efficiencies to the published latencies in tests/data/reference/published_latency.tsv.

For each device with published figures, estimates each network with costcalc (the spec and design,
dtype, fusing and batch the file gives), fits the device's compute and memory efficiency and overhead
to the rows marked `fit` (costcalc.device.published), and prints each device's fitted figures as
devices.json holds them and a Markdown table of every network: published, and estimated with its error
before (the assumed 0.5 / 0.7 / 5 µs) and after the fit. No framework needed:

    .venv/bin/python tools/fit_published_latency.py
"""
import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from costcalc.count.engine import analyze
from costcalc.device.profiles import DEFAULT_EFFICIENCY, DEFAULT_OVERHEAD_US, builtin_devices
from costcalc.device.published import Fit, Published, estimate, fit, layers
from costcalc.device.settings import DeviceSettings
from costcalc.spec.reader import load

TSV = ROOT / "tests" / "data" / "reference" / "published_latency.tsv"


def read_published(path: Path = TSV) -> dict[str, list[dict]]:
    """device -> its rows of the file, in order (comment lines skipped)."""
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"))
    devices: dict[str, list[dict]] = {}
    for row in rows:
        devices.setdefault(row["device"], []).append(row)
    return devices


def figures(rows: list[dict]) -> list[Published]:
    """Each row's network, published seconds and layer times on its (built-in) device."""
    device = builtin_devices()[rows[0]["device"]]
    found = []
    for row in rows:
        design = analyze(load(ROOT / row["spec"])).design(row["design"])
        settings = DeviceSettings(row["dtype"], fused=row["fused"] == "fused", batch=int(row["batch"]))
        found.append(Published(row["network"], float(row["ms"]) / 1000, row["role"] == "held-out",
                               layers(design, device, settings)))
    return found


def fitted_entry(result: Fit, rows: list[dict]) -> dict:
    """The device's `fitted` record as devices.json holds it: the fit, the dtype of its figures, its provenance."""
    def names(held_out: bool) -> str:
        return ", ".join(r["network"] for r in rows if (r["role"] == "held-out") == held_out)

    (dtype,) = {r["dtype"] for r in rows}
    return {"dtype": dtype, "efficiency": {"compute": result.compute, "memory": result.memory},
            "overhead_us": result.overhead_us, "figures": sum(r["role"] == "fit" for r in rows),
            "held_out": len(result.held_out), "median_error_percent": round(100 * result.median_error, 1),
            "source": f"fit: {names(False)}; held out: {names(True) or 'none'} "
                      "(tests/data/reference/published_latency.tsv; docs/latency.md, The built-in devices)"}


def table(found: list[Published], result: Fit) -> list[str]:
    """Every network: published ms, and the estimate and its error as assumed (0.5 / 0.7 / 5 µs) and as fitted."""
    assumed = (DEFAULT_EFFICIENCY["compute"], DEFAULT_EFFICIENCY["memory"], DEFAULT_OVERHEAD_US)
    lines = ["| network | role | published (ms) | assumed (ms) | error | fitted (ms) | error |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for f in found:
        before = estimate(f.layers, *assumed)
        after = estimate(f.layers, result.compute, result.memory, result.overhead_us)
        role = "held out" if f.held_out else "fit"
        lines.append(f"| {f.network} | {role} | {1000 * f.seconds:g} | {1000 * before:.3g} | "
                     f"{100 * (before / f.seconds - 1):+.0f}% | {1000 * after:.3g} | "
                     f"{100 * result.errors[f.network]:+.0f}% |")
    return lines


def main():
    for device, rows in read_published().items():
        found = figures(rows)
        result = fit(found)
        print(f"{device}:", json.dumps(fitted_entry(result, rows)))
        print("\n".join(table(found, result)), end="\n\n")


if __name__ == "__main__":
    main()
