"""`costcalc devices calibrate` as a call: a device fitted to layers timed on a runtime."""

from __future__ import annotations

from ..device.profiles import Device
from ..device.settings import DTYPES
from ..errors import CostcalcError
from ..safe import brief


def calibrate_file(timings: str, device: Device, name: str | None = None) -> Device:
    """`device` fitted to the layers timed in the file `timings` (docs/latency.md, Calibrating), named
    `name` (default: DEVICE-calibrated)."""
    from ..count.engine import analyze
    from ..device.calibrate import calibrate as fit
    from ..spec.timings import read_timings

    found = read_timings(timings)
    if found.dtype not in DTYPES:
        raise CostcalcError(f"{timings}: dtype {brief(found.dtype)} is not one of {', '.join(DTYPES)}")
    timed = [(analyze(spec, bytes_per_element=DTYPES[found.dtype]).designs[0], seconds)
             for spec, seconds in found.layers]
    name = name or f"{device.name}-calibrated"
    return fit(timed, device, found.dtype, name, found.runtime, timings)
