"""A built-in device's efficiencies fitted to published latencies of whole networks (docs/latency.md,
The built-in devices).

Each published figure is a network at a dtype, fused or not, at a batch, and the seconds a batch took.
With each layer's compute and memory time at efficiency 1 and no overhead, the roofline gives

    time(c, m, o) = sum over layers of max(compute / c, memory / m) + o     (a folded layer: compute / c)

The fit is the point of a fixed grid (c and m from 0.01 to 1 in 40 steps of equal ratio, o in
OVERHEADS_US) with the least sum of squared log errors over the figures fitted on; where several
points are as good (a figure that no fitted network's time depends on), the one nearest the
assumed defaults (profiles.DEFAULT_EFFICIENCY, DEFAULT_OVERHEAD_US). A held-out figure is never
fitted on; its error says how far to trust the fit.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from ..count.engine import DesignResult
from ..record import replace
from .figures import on_device
from .profiles import DEFAULT_EFFICIENCY, DEFAULT_OVERHEAD_US, Device
from .settings import DeviceSettings

SHARES = tuple(float(f"{10 ** (k / 20 - 2):.3g}") for k in range(41))
"""Compute and memory efficiencies tried: 0.01 to 1, each step 10^(1/20) (about 12%) above the last."""
OVERHEADS_US = (0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)

Layer = tuple[float, float, bool]
"""A layer's compute and memory seconds at efficiency 1, and whether it is folded into the layer before it."""


@dataclass(frozen=True, slots=True)
class Published:
    """A network's published time (`seconds` for one batch) and its layers' times at efficiency 1."""

    network: str
    seconds: float
    held_out: bool
    layers: tuple[Layer, ...]


@dataclass(frozen=True, slots=True)
class Fit:
    """The fitted efficiencies and overhead, and each network's error: estimate / published − 1."""

    compute: float
    memory: float
    overhead_us: float
    errors: dict[str, float]
    held_out: tuple[str, ...]

    @property
    def median_error(self) -> float:
        """The median of the held-out networks' absolute errors (of all, where none is held out)."""
        return statistics.median(abs(self.errors[n]) for n in (self.held_out or self.errors))


def layers(design: DesignResult, device: Device, settings: DeviceSettings) -> tuple[Layer, ...]:
    """Each layer's compute and memory seconds on `device` at efficiency 1 and no overhead."""
    unit = replace(device, compute_efficiency=1.0, memory_efficiency=1.0, overhead_s=0.0, kernels={}, fitted=None)
    placed = on_device(design, settings, unit)
    return tuple((placed.estimates[path].compute_s, placed.estimates[path].memory_s, path in placed.memory.folded)
                 for path in placed.memory.steps)


def estimate(layers: tuple[Layer, ...], compute: float, memory: float, overhead_us: float) -> float:
    """A network's seconds at these efficiencies and overhead, as roofline.latency sums them."""
    overhead = overhead_us * 1e-6
    return sum(c / compute if folded else max(c / compute, m / memory) + overhead for c, m, folded in layers)


def fit(figures: list[Published]) -> Fit:
    """The grid point that best fits the figures not held out (see the module's docstring)."""
    fitted = [f for f in figures if not f.held_out]

    def key(point: tuple[float, float, float]) -> tuple[float, float]:
        misfit = sum(math.log(estimate(f.layers, *point) / f.seconds) ** 2 for f in fitted)
        compute, memory, overhead = point
        away = (abs(math.log(compute / DEFAULT_EFFICIENCY["compute"]))
                + abs(math.log(memory / DEFAULT_EFFICIENCY["memory"]))
                + abs(math.log((overhead + 1) / (DEFAULT_OVERHEAD_US + 1))))
        return float(f"{misfit:.9g}"), away

    best = min(((c, m, o) for c in SHARES for m in SHARES for o in OVERHEADS_US), key=key)
    errors = {f.network: estimate(f.layers, *best) / f.seconds - 1 for f in figures}
    return Fit(*best, errors, tuple(f.network for f in figures if f.held_out))
