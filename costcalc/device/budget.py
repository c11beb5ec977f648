"""The device figures a budget may limit (latency, bytes_moved, peak_memory, weights_bytes, train_memory), as exact
ints."""

from __future__ import annotations

import math

from ..count.engine import DesignResult
from ..errors import CostcalcError, Where
from .latency import latency
from .profiles import Device
from .settings import DeviceSettings
from .traffic import memory
from .training import training


def budget_figures(design: DesignResult, metrics: set[str], settings: DeviceSettings = DeviceSettings(),
                   device: Device | None = None, where: Where | None = None,
                   flag: str = "--max-latency") -> dict[str, int]:
    """metric → figure for the metrics asked: bytes, and latency in whole nanoseconds (rounded up); training
    memory counts adam's optimizer state unless `settings` name another.

    A latency without a device is an error at `where` (the limit's latency), or else of the `flag` that asks for it."""
    s = settings
    found = memory(design, s.activation_bytes, s.weight_bytes, s.fused, s.batch)
    figures = {"bytes_moved": found.traffic[""].total, "peak_memory": found.peak, "weights_bytes": found.weights_bytes}
    if "train_memory" in metrics:
        figures["train_memory"] = training(design, s.batch, s.optimizer or "adam", s.activation_bytes,
                                           s.weight_bytes).memory
    if "latency" in metrics:
        if device is None:
            raise CostcalcError(f"{'' if where else flag + ': '}a latency limit needs a device to estimate on", where,
                                hint="give check --device NAME (costcalc devices lists them)")
        figures["latency"] = math.ceil(latency(design, found, device, s.dtype, s.batch)[""].seconds * 1e9)
    return {metric: figures[metric] for metric in metrics}
