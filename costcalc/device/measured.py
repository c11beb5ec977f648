"""A design timed on a runtime beside its estimate: what `costcalc measure` computes and every format shows."""

from __future__ import annotations

from ..record import record


@record
class Timed:
    """Seconds per run over interleaved rounds: the median of the rounds' medians, the fastest and slowest round."""

    median_s: float
    low_s: float
    high_s: float
    rounds: int

    @property
    def spread_percent(self) -> float:
        """The slowest round beyond the fastest, in percent of the median."""
        return 100 * (self.high_s - self.low_s) / self.median_s


@record
class LayerTime:
    """A report row's time by the runtime's profiler (its nodes mapped to the row's path) and its estimate."""

    path: str
    measured_s: float
    estimated_s: float | None


@record
class DesignMeasured:
    name: str
    timed: Timed
    estimated_s: float
    layers: tuple[LayerTime, ...] = ()

    @property
    def error_percent(self) -> float:
        """The estimate's error relative to the measured median, in percent (negative: estimated faster)."""
        return 100 * (self.estimated_s - self.timed.median_s) / self.timed.median_s


@record
class Measurement:
    """Designs of `spec` timed on `runtime` (`version`, `threads`) at a `batch`, estimated on `device` (from
    `device_origin`), fused as the runtime runs them or not; `caveat`: where the device was calibrated on another
    runtime, version, thread count or machine, what it was made on; where here, but its probe ran more than 10 %
    slower or faster now, both times (runtimes/probe.py); "" otherwise."""

    spec: str
    runtime: str
    version: str
    threads: int
    batch: int
    dtype: str
    fused: bool
    device: str
    device_origin: str
    designs: tuple[DesignMeasured, ...]
    caveat: str = ""
