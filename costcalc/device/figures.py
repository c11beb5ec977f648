"""A design on a device, computed once for every view that shows it: each row's traffic, live memory
and roofline estimate (`DesignOnDevice`), and a design's totals there (`Figures`), old → new in a diff."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..analyses.diff import Change, DesignDiff, Diff
from ..count.engine import Analysis, DesignResult
from ..record import replace
from .latency import Estimate, latency
from .profiles import Device, origins
from .settings import DeviceSettings
from .traffic import Memory, memory
from .training import Training, training

FIGURES = ("bytes_moved", "peak_activation_bytes", "weights_bytes")
"""A design's device figures in bytes (compare and diff), beside its latency per device."""


@dataclass(frozen=True, slots=True)
class DesignOnDevice:
    """A design at `settings`: its rows' traffic and live memory and, on a device, each row's estimate."""

    design: DesignResult
    settings: DeviceSettings
    memory: Memory
    device: Device | None = None
    estimates: dict[str, Estimate] = field(default_factory=dict)


def on_device(design: DesignResult, settings: DeviceSettings, device: Device | None = None) -> DesignOnDevice:
    s = settings
    found = memory(design, s.activation_bytes, s.weight_bytes, s.fused, s.batch, bool(device and device.folds_adds),
                   device.channel_block if device else None)
    estimates = latency(design, found, device, s.dtype, s.batch) if device else {}
    return DesignOnDevice(design, settings, found, device, estimates)


@dataclass(frozen=True, slots=True)
class Figures:
    """A design's bytes moved, peak activation memory, weights bytes, the estimated latency per device
    (name → seconds) and, with an optimizer, what training costs."""

    batch: int
    bytes_moved: int
    peak_activation_bytes: int
    weights_bytes: int
    latency_s: dict[str, float]
    optimizer: str | None = None
    training: Training | None = None


def figures(design: DesignResult, settings: DeviceSettings, devices: list[Device]) -> Figures:
    s = settings
    found = memory(design, s.activation_bytes, s.weight_bytes, s.fused, s.batch)
    trained = training(design, s.batch, s.optimizer, s.activation_bytes, s.weight_bytes) if s.optimizer else None
    return Figures(s.batch, found.traffic[""].total, found.peak, found.weights_bytes,
                   {d.name: latency(design, found, d, s.dtype, s.batch)[""].seconds for d in devices},
                   s.optimizer, trained)


def design_figures(analysis: Analysis, settings: DeviceSettings, devices: list[Device]) -> dict[str, Figures]:
    """Each design's figures, by name."""
    return {design.name: figures(design, settings, devices) for design in analysis.designs}


def diff_on_device(result: Diff, settings: DeviceSettings, devices: list[Device], spec=None) -> Diff:
    """The diff with each design's device figures old → new: bytes moved, peak activation memory, weights
    bytes and, per device, the estimated latency (`latency_s`); and where each device comes from (`spec`:
    the spec whose devices: were read)."""
    devices = list({d.name: d for d in devices}.values())
    plain = replace(settings, optimizer=None)

    def changes(pair: DesignDiff) -> tuple[Change, ...]:
        old, new = (figures(d, plain, devices) for d in (pair.old, pair.new))
        return (*(Change(m, getattr(old, m), getattr(new, m)) for m in FIGURES),
                *(Change("latency_s", old.latency_s[d.name], new.latency_s[d.name], d.name) for d in devices))

    return replace(result, designs=tuple(replace(d, on_device=changes(d)) for d in result.designs),
                   batch=settings.batch, devices=tuple(origins(devices, spec).items()))
