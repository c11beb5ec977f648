"""Every command and format on a spec at the layer limit: CPU seconds and peak memory of each.

    python bench/limits.py                 # all commands and formats, one run each
    python bench/limits.py --layers 20000  # a smaller spec

The spec has two designs of `conv / batchnorm / relu` blocks, repeated up to MAX_LAYERS
expansions in all (each block call counts one). Each case is a fresh process; its user + system
CPU time and peak resident memory are the kernel's for that process (`wait4`), so a busy
machine slows the wall clock but not these figures much. Targets (issue 12): under 5 s and
500 MiB each; a case over either is marked `OVER`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from costcalc.limits import MAX_LAYERS  # noqa: E402

FORMATS = {
    "report": ("table", "json", "csv", "markdown"),
    "compare": ("table", "json", "csv", "markdown"),
    "check": ("text", "json", "markdown", "github", "junit"),
    "explain": ("text", "markdown"),
    "diff": ("table", "json", "csv", "markdown"),
}
SECONDS, MIB = 5.0, 500


def spec_text(layers: int) -> str:
    repeat = layers // 8  # two designs, four expansions (the block call and its three layers) per repeat
    return (
        "input: [32, 32, 16]\n"
        "blocks:\n  cbr:\n    args: {f: 16}\n"
        "    layers: [{conv: {filters: $f, kernel: 3}}, batchnorm, relu]\n"
        f"designs:\n  a: [{{cbr: {{repeat: {repeat}}}}}]\n  b: [{{cbr: {{f: 8, repeat: {repeat}}}}}]\n"
        "budget: {macs: 1T}\n"
    )


def measure(args: list[str]) -> tuple[float, float, int]:
    """(CPU seconds, peak MiB, exit code) of one fresh costcalc process, from its own rusage."""
    child = subprocess.Popen([sys.executable, "-m", "costcalc", *args], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, child.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=MAX_LAYERS)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "limit.yaml"
        spec.write_text(spec_text(options.layers), encoding="utf-8")
        print(f"| command | CPU s | peak MiB | exit |\n| --- | ---: | ---: | ---: |")
        for command, formats in FORMATS.items():
            for fmt in formats:
                files = [str(spec), str(spec)] if command == "diff" else [str(spec)]
                cpu, mib, code = measure([command, *files, "--format", fmt])
                mark = " OVER" if cpu > SECONDS or mib > MIB else ""
                print(f"| `{command} --format {fmt}` | {cpu:.2f}{mark} | {mib:.0f} | {code} |", flush=True)


if __name__ == "__main__":
    main()
