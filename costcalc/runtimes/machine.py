"""This machine as a calibration records it, and what a calibrated device says of the machine it was made on."""

from __future__ import annotations

import platform
from functools import cache
from pathlib import Path


def cpu_model(cpuinfo: str = "/proc/cpuinfo") -> str:
    """The CPU's model name as `cpuinfo` gives it (Linux), or "" where it is not there."""
    try:
        text = Path(cpuinfo).read_text(errors="replace")
    except OSError:
        return ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return " ".join(value.split())
    return ""


@cache
def machine_name() -> str:
    """This machine's architecture and CPU model, such as "x86_64 AMD EPYC" (without a model name: the
    processor's, or the operating system's); read once a process, where each device's caveat asks for it."""
    return f"{platform.machine()} {cpu_model() or platform.processor() or platform.system()}".strip()


def _made(runtime: str, version: str, threads: int, machine: str) -> str:
    return f"{runtime} {version}, {threads} thread{'s' * (threads != 1)}, {machine}"


def calibration_caveat(made: dict | None, runtime: str, version: str, threads: int, machine: str) -> str:
    """A note where a device calibrated on a runtime (`made`: its `calibrated_on`) was made on another runtime,
    version, thread count or machine than the one timing now; "" where it was made here, or is not calibrated."""
    if not made or (made["runtime"], made["version"], made["threads"], made["machine"]) == (
            runtime, version, threads, machine):
        return ""
    return (f"the device was calibrated on {_made(made['runtime'], made['version'], made['threads'], made['machine'])}"
            f"; this is {_made(runtime, version, threads, machine)}: for an estimate of this runtime here, "
            f"costcalc devices calibrate --runtime {runtime} --threads {threads}")
