"""Every command and format at the documented limits: CPU seconds and peak memory of each.

    python bench/limits.py                     # all cases, one run each, at MAX_LAYERS
    python bench/limits.py --layers 20000      # a smaller spec
    python bench/limits.py --scaling           # each case at a quarter of --layers too: the ratio of CPU times
    python bench/limits.py --only draw         # the cases whose command line holds 'draw'

Two specs at --layers expansions (each block call counts one, as the limit counts them): `flat`,
two designs of `conv / batchnorm / relu` blocks repeated; and `blocks`, each layer in a block of
its own, nested two deep, so that a design has as many group rows as layers (what made device and
memory figures quadratic, issue 28). Each runs with and without a device; the device `fitted` of
the devices file has MAX_KERNEL_ROWS calibrated rows (the most a device may hold), so each layer
looks its efficiency up among them. Sweeps run at MAX_SWEEP_VARIANTS variants, and with a varied
repeat (each value a build of its own, bounded by MAX_SWEEP_BUILDS and MAX_SWEEP_LAYERS).

Each case is a fresh process; its user + system CPU time and peak resident memory are the
kernel's for that process (`wait4`), so a busy machine slows the wall clock but not these figures
much. Targets (issues 12 and 28): under 5 s and 500 MiB each; a case over either is marked `OVER`.
With --scaling, a case whose time grows more than 6× for 4× the layers is marked `NOT LINEAR`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from costcalc.limits import MAX_KERNEL_ROWS, MAX_LAYERS, MAX_SWEEP_VARIANTS  # noqa: E402

FORMATS = {
    "report": ("table", "json", "csv", "markdown", "html"),
    "compare": ("table", "json", "csv", "markdown", "html"),
    "check": ("text", "json", "markdown", "github", "junit"),
    "explain": ("text", "markdown"),
    "diff": ("table", "json", "csv", "markdown", "html"),
}
DEVICE = ["--devices", "{devices}", "--device", "fitted"]
EXTRA = [  # (command line, spec): {spec} and {devices} are filled in
    (["report", "{spec}", "--memory", "--receptive-field"], "flat"),
    (["report", "{spec}", *DEVICE], "flat"),
    (["report", "{spec}", "--format", "json", *DEVICE], "blocks"),
    (["report", "{spec}", "--format", "html", *DEVICE], "blocks"),
    (["report", "{spec}", "--memory", "--format", "csv"], "blocks"),
    (["compare", "{spec}", "--memory", "--training", "adam", *DEVICE], "blocks"),
    (["check", "{spec}", "--max-latency", "3600s", "--max-peak-memory", "1TiB", *DEVICE], "blocks"),
    (["check", "{spec}", "--max-latency", "3600s", "--format", "junit", *DEVICE], "flat"),
    (["explain", "{spec}", *DEVICE], "blocks"),
    (["diff", "{spec}", "{spec}", "--memory", *DEVICE], "blocks"),
    (["draw", "{spec}", "-o", "-"], "flat"),
    (["draw", "{spec}", "-o", "-"], "blocks"),
    (["draw", "{spec}", "-o", "{folder}/page.html"], "flat"),
    (["draw", "{spec}", "-o", "-", *DEVICE], "blocks"),
]
SWEEPS = [
    ["sweep", "{sweep}", "--vary", f"f=1:{MAX_SWEEP_VARIANTS}:1", "--format", "csv"],
    ["sweep", "{sweep}", "--vary", f"f=1:{MAX_SWEEP_VARIANTS // 1000}:1", "--vary", "n=1:1000:1"],
    ["sweep", "{sweep}", "--vary", "n=1:1000:1"],
]
SECONDS, MIB, GROWTH = 5.0, 500, 6.0


def spec_text(layers: int) -> str:
    """`flat`: two designs of repeated conv / batchnorm / relu blocks, `layers` expansions in all."""
    repeat = layers // 8  # two designs, four expansions (the block call and its three layers) per repeat
    return (
        "input: [32, 32, 16]\n"
        "blocks:\n  cbr:\n    args: {f: 16}\n"
        "    layers: [{conv: {filters: $f, kernel: 3}}, batchnorm, relu]\n"
        f"designs:\n  a: [{{cbr: {{repeat: {repeat}}}}}]\n  b: [{{cbr: {{f: 8, repeat: {repeat}}}}}]\n"
        "budget: {macs: 1T}\n"
    )


def blocks_text(layers: int) -> str:
    """`blocks`: one design whose every layer sits in a block of its own, inside another."""
    repeat = layers // 5  # the outer call, the inner call, conv, the inner call, relu
    return (
        "input: [16, 16, 8]\n"
        "blocks:\n  c: {layers: [{conv: {filters: 8, kernel: 1}}]}\n  r: {layers: [relu]}\n"
        "  pair: {layers: [c, r]}\n"
        f"layers: [{{pair: {{repeat: {repeat}}}}}]\n"
    )


SWEEP = "input: [16, 16, 8]\nparams: {f: 8, n: 1}\nlayers: [{conv: {filters: $f, kernel: 3}}, {relu: {repeat: $n}}]\n"


def devices_text() -> str:
    """A device with MAX_KERNEL_ROWS rows over the kernels the specs run, at shapes none of their layers has."""
    kernels = {name: [[m, 8 + i, 8, 0.5] for i, m in enumerate(range(1, MAX_KERNEL_ROWS // 3 + 1))]
               for name in ("conv 1x1", "conv", "relu")}
    return json.dumps({"devices": {"fitted": {"tflops": {"float32": 10}, "bandwidth_gbs": 100, "source": "bench",
                                              "kernels": kernels}}})


def measure(args: list[str]) -> tuple[float, float, int]:
    """(CPU seconds, peak MiB, exit code) of one fresh costcalc process, from its own rusage."""
    child = subprocess.Popen([sys.executable, "-m", "costcalc", *args], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, child.returncode


def cases() -> list[tuple[list[str], str]]:
    found = []
    for command, formats in FORMATS.items():
        for fmt in formats:
            files = ["{spec}", "{spec}"] if command == "diff" else ["{spec}"]
            found.append(([command, *files, "--format", fmt], "flat"))
    return found + EXTRA + [(args, "sweep") for args in SWEEPS]


def write(folder: Path, layers: int) -> dict[str, str]:
    files = {"flat": spec_text(layers), "blocks": blocks_text(layers), "sweep": SWEEP, "devices": devices_text()}
    paths = {}
    for name, text in files.items():
        path = folder / f"{name}-{layers}.{'json' if name == 'devices' else 'yaml'}"
        path.write_text(text, encoding="utf-8")
        paths[name] = str(path)
    return paths


def filled(args: list[str], spec: str, paths: dict[str, str], folder: Path) -> list[str]:
    return [a.format(spec=paths[spec], devices=paths["devices"], sweep=paths["sweep"], folder=folder) for a in args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=MAX_LAYERS)
    parser.add_argument("--scaling", action="store_true", help="also at a quarter of --layers; print the ratio")
    parser.add_argument("--only", default="", help="the cases whose command line holds this text")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        big = write(folder, options.layers)
        small = write(folder, options.layers // 4) if options.scaling else None
        print("| command | spec | CPU s | peak MiB | exit |" + (" ×4 layers: CPU ratio |" if small else ""))
        print("| --- | --- | ---: | ---: | ---: |" + (" ---: |" if small else ""))
        for args, spec in cases():
            shown = " ".join(args).replace("{spec}", "SPEC").replace("{devices}", "DEVICES")
            if options.only not in shown:
                continue
            cpu, mib, code = measure(filled(args, spec, big, folder))
            mark = " OVER" if cpu > SECONDS or mib > MIB else ""
            line = f"| `{shown.format(sweep='SWEEP', folder='.')}` | {spec} | {cpu:.2f}{mark} | {mib:.0f} | {code} |"
            if small and spec != "sweep":
                before = measure(filled(args, spec, small, folder))[0]
                ratio = cpu / max(before, 0.01)
                line += f" {ratio:.1f}{' NOT LINEAR' if ratio > GROWTH else ''} |"
            print(line, flush=True)


if __name__ == "__main__":
    main()
