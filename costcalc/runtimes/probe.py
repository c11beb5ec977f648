"""Whether a calibrated device still speaks for this machine: made elsewhere (`calibration_caveat`), or made here
while the machine ran at another speed than now. For the second, its `probe`, the first network its calibration
timed, is timed again among what `measure` (or `sweep --measure`) times, and set against its time then."""

from __future__ import annotations

from collections.abc import Callable

from ..device.measured import Timed
from ..device.profiles import Device
from ..errors import CostcalcError
from ..safe import brief
from ..units import seconds
from . import Runtime
from .machine import calibration_caveat, machine_name

PROBE_PERCENT = 10.0
"""A probe this much slower or faster than at the calibration (in percent of its time then) gives a note: half the
width of a ±10 % band. One network's time moves with where it is timed too (docs/latency.md, On a second machine),
so the note says what it saw, not that every estimate is off by as much."""
PROBE_KEY = "probe of "
"""What a probe's run is keyed by beside the designs' (`measure` keys them by their index, a sweep by its variants'
reprs)."""


def _elsewhere(device: Device, runtime: Runtime) -> str:
    return calibration_caveat(device.calibrated_on, runtime.name, runtime.version, runtime.threads, machine_name())


def probe_runs(devices, runtime: Runtime) -> dict[str, Callable[[], object]]:
    """A run of the probe network of each device calibrated here that has one, on `runtime` (batch 1, as it was
    calibrated), keyed PROBE_KEY and the network: devices that share a probe share its run."""
    from ..count.engine import analyze
    from ..spec.reader import load
    from .grid import PROBES

    runs = {}
    for device in devices:
        if device.probe and not _elsewhere(device, runtime):
            if device.probe[0] not in PROBES:
                raise CostcalcError(f"{device.origin}: device {brief(device.name)}: probe.network is "
                                    f"{brief(device.probe[0])}; give a network of the calibration",
                                    hint=f"one of {', '.join(PROBES)} (costcalc devices calibrate --runtime writes it)")
            if (key := PROBE_KEY + device.probe[0]) not in runs:
                spec, design = PROBES[device.probe[0]]
                runs[key] = runtime.build(analyze(load(spec), designs=[design] if design else None).designs[0])
    return runs


def caveat(device: Device, runtime: Runtime, timed: dict[str, Timed]) -> str:
    """Where `device` was calibrated on another runtime, version, thread count or machine, that; where its probe,
    timed now (`timed`, by PROBE_KEY), ran more than PROBE_PERCENT slower or faster than at the calibration, that;
    else ""."""
    elsewhere = _elsewhere(device, runtime)
    if elsewhere or not device.probe or not (now := timed.get(PROBE_KEY + device.probe[0])):
        return elsewhere
    network, then = device.probe
    ratio = now.median_s / then
    if abs(100 * (ratio - 1)) <= PROBE_PERCENT:
        return ""
    pace = "slower" if ratio > 1 else "faster"
    return (f"this machine ran {network}, a network of the calibration, in {seconds(now.median_s)}, {ratio:.3g} times "
            f"the {seconds(then)} it took when {device.name} was calibrated: it runs {pace} than then, or {pace} "
            "among these designs, and estimates on the device may be off by as much; time again when the machine is "
            "steadier, or calibrate again")
