"""A sweep's device figures (`sweep --memory`, `--device`, `--training`, a device limit): bytes moved,
peak activation memory, weights bytes, estimated latency and training figures per variant.

The vectorised engine keeps totals only; traffic and liveness walk a design's rows. So each variant
whose device figures are needed is built and analysed again on its own, in Python ints, and its
figures are those of `costcalc compare SPEC --set NAME=VALUE --memory --device NAME --training OPT`.
That costs a whole analysis per variant (bench/README.md, Sweeps), which is why it is done only when
asked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..device.figures import Figures
from ..device.settings import DeviceSettings
from ..errors import CostcalcError
from ..model.tree import DEVICE_METRICS, Limit
from ..record import replace
from ..show.check_render import flag_name

FIGURE_KEYS = {"bytes_moved": "bytes_moved", "peak_memory": "peak_activation_bytes", "weights_bytes": "weights_bytes"}
"""A device metric's field in a variant's Figures (as compare's json names them); latency is worked out."""


@dataclass(frozen=True, slots=True)
class Measure:
    """How `sweep --measure` times every variant on this machine: on `runtime` (onnxruntime or torch) at
    `threads`, in `rounds` interleaved rounds after a warm-up, as `costcalc measure` does."""

    runtime: str = "onnxruntime"
    threads: int = 1
    rounds: int = 7


@dataclass(frozen=True, slots=True)
class OnDevice:
    """How device figures are computed, as report and compare take them: the settings, the devices named
    (and the files of more devices); `asked` (--memory, --device or --training): for every sweep, not only
    where a limit needs them; `measure`: each variant also timed on a runtime, its latency limit then held
    against the measured time."""

    settings: DeviceSettings = DeviceSettings()
    devices: tuple[str, ...] = ()
    devices_files: tuple[str, ...] = ()
    asked: bool = True
    measure: Measure | None = None


def device_figure(figures: Figures, metric: str) -> int:
    """A variant's figure for a device metric (or bytes_moved), exact: bytes, or latency in whole
    nanoseconds (rounded up) on the slowest of the devices."""
    if metric == "latency":
        return math.ceil(max(figures.latency_s.values()) * 1e9)
    if metric == "train_memory":
        assert figures.training is not None, "a training budget's figures count training"
        return figures.training.memory
    return getattr(figures, FIGURE_KEYS[metric])


def settled(on_device: OnDevice | None, limits: list[dict[str, Limit]]) -> OnDevice | None:
    """How the device figures are computed, or None where they are neither asked nor limited (`limits`:
    each design's budget). A latency limit without a device is an error, not a limit ignored; a
    training-memory limit counts adam's optimizer state, as check does, unless an optimizer is given."""
    on_device = on_device or OnDevice(asked=False)
    limited = set().union(*limits) & set(DEVICE_METRICS)
    if not (on_device.asked or limited or on_device.measure):
        return None
    if "latency" in limited and not (on_device.devices or on_device.measure):
        where = next(budget["latency"].where for budget in limits if "latency" in budget)
        raise CostcalcError(f"{'' if where else flag_name('latency') + ': '}a latency limit needs a device to "
                            "estimate on",
                            where, "give --device NAME (costcalc devices lists them)")
    if "train_memory" in limited and on_device.settings.optimizer is None:
        return replace(on_device, settings=replace(on_device.settings, optimizer="adam"))
    return on_device

