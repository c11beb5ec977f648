"""A sweep's device figures (`sweep --memory`, `--device`, a device limit): bytes moved, peak activation
memory, weights bytes and estimated latency per variant.

The vectorised engine keeps totals only; traffic and liveness walk a design's rows. So each variant
whose device figures are needed is built and analysed again on its own, in Python ints, and its
figures are those of `costcalc compare SPEC --set NAME=VALUE --memory --device NAME`. That costs a
whole analysis per variant (bench/README.md, Sweeps), which is why it is done only when asked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..analyses.checks import flag_name
from ..count.engine import Analysis
from ..device.profiles import Device, all_devices, find
from ..errors import CostcalcError
from ..model.tree import Limit, Spec
from ..show.device import design_figures as figures_of

FIGURE_KEYS = {"bytes_moved": "bytes_moved", "peak_memory": "peak_activation_bytes", "weights_bytes": "weights_bytes"}
"""A device metric's key in a variant's figures (as compare's json names them); latency is worked out."""


@dataclass(frozen=True, slots=True)
class OnDevice:
    """How device figures are computed, as report and compare take them; `asked` (--memory or --device):
    for every sweep, not only where a limit needs them."""

    dtype: str = "float32"
    weight_bytes: int | None = None
    fused: bool = False
    batch: int = 1
    devices: tuple[str, ...] = ()
    devices_files: tuple[str, ...] = ()
    asked: bool = True


def device_figure(figures: dict, metric: str) -> int:
    """A variant's figure for a device metric, exact: bytes, or latency in whole nanoseconds (rounded up)
    on the slowest of the devices."""
    if metric == "latency":
        return math.ceil(max(figures["latency_s"].values()) * 1e9)
    return figures[FIGURE_KEYS[metric]]


def refuse_unknown(limits: dict[str, Limit], devices: tuple[str, ...]) -> None:
    """A limit on a figure that a sweep cannot compute is an error, not a limit ignored."""
    for metric, limit in limits.items():
        source = "" if limit.where else f"{flag_name(metric)}: "
        if metric == "latency" and not devices:
            raise CostcalcError(f"{source}a latency limit needs a device to estimate on", limit.where,
                                "give --device NAME (costcalc devices lists them)")
        if metric == "train_memory":
            raise CostcalcError(f"{source}sweep does not estimate training memory", limit.where,
                                "check one variant with costcalc check SPEC --set NAME=VALUE --max-train-memory ...")


def pick(spec: Spec, on_device: OnDevice) -> list[Device]:
    """The named devices: built-in, from the user's files, or the spec's `devices:`."""
    known = all_devices(on_device.devices_files, spec) if on_device.devices else {}
    return [find(name, known) for name in on_device.devices]


def design_figures(analysis: Analysis, on_device: OnDevice, devices: list[Device]) -> dict[str, dict]:
    """design → its figures, as compare gives them: batch, bytes_moved, peak_activation_bytes, weights_bytes and
    latency_s (device → seconds)."""
    weight_bytes = on_device.weight_bytes or analysis.bytes_per_element
    return figures_of(analysis, weight_bytes, on_device.fused, devices, on_device.dtype, on_device.batch)
