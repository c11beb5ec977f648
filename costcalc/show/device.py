"""Bytes, intensity, live memory and roofline latency as report columns; compare's and sweep's device figures;
the devices table. What they show is computed in costcalc.device.figures."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from .. import __version__
from ..device.figures import DesignOnDevice, Figures
from ..device.latency import Estimate
from ..device.profiles import Device, entry, origins
from ..device.traffic import Traffic, intensity
from ..units import readable, readable_bytes, seconds
from .jsontext import json_text
from .render import JSON_FORMAT
from .views import ExtraColumns, View, device_notes

Key = TypeVar("Key")
TITLES = ("read", "weights", "written", "FLOP/B", "live")
KEYS = ("bytes_read", "weight_bytes_read", "bytes_written", "bytes_moved", "intensity", "live_bytes")
DEVICE_TITLES = ("bound", "time")
DEVICE_KEYS = ("bound", "compute_s", "memory_s", "latency_s")


def ratio(value) -> float | None:
    return None if value is None else round(float(value), 3)


def memory_cells(flops: int, traffic: Traffic, live: int, exact: bool) -> tuple[str, ...]:
    size = (lambda n: f"{n:,}") if exact else readable_bytes
    share = intensity(flops, traffic)
    return (size(traffic.read), size(traffic.weights), size(traffic.written),
            "—" if share is None else f"{float(share):.1f}", size(live))


def memory_values(flops: int, traffic: Traffic, live: int) -> tuple:
    return (traffic.read, traffic.weights, traffic.written, traffic.total, ratio(intensity(flops, traffic)), live)


def estimate_cells(estimate: Estimate) -> tuple[str, ...]:
    return estimate.bound, seconds(estimate.seconds)


def estimate_values(estimate: Estimate) -> tuple:
    return estimate.bound, estimate.compute_s, estimate.memory_s, estimate.seconds


def device_columns(runs: Iterable[DesignOnDevice], exact: bool = False, spec=None) -> ExtraColumns:
    """Each row's bytes, intensity and live memory (the total row's is the peak); with a device, bound and time
    (and where the device comes from: built-in, a --devices file or `spec`'s devices:)."""
    table: dict[str, dict[str, tuple]] = {}
    data: dict[str, dict[str, tuple]] = {}
    device = None
    for run in runs:
        design, found, estimates, device, batch = run.design, run.memory, run.estimates, run.device, run.settings.batch
        flops = {row.path: batch * row.cost.flops for row in design.rows} | {"": batch * design.total.flops}
        table[design.name], data[design.name] = {}, {}
        for path, traffic in found.traffic.items():
            cells = memory_cells(flops[path], traffic, found.live[path], exact)
            values = memory_values(flops[path], traffic, found.live[path])
            if device:
                cells, values = cells + estimate_cells(estimates[path]), values + estimate_values(estimates[path])
            table[design.name][path], data[design.name][path] = cells, values
    titles, keys = (TITLES + DEVICE_TITLES, KEYS + DEVICE_KEYS) if device else (TITLES, KEYS)
    return ExtraColumns(titles, keys, table, data, devices=origins([device], spec) if device else {})


def calibrated(device: Device) -> str:
    """What a calibrated device's kernels cover, for the sources note."""
    if not device.kernels:
        return ""
    rows = sum(len(samples) for samples in device.kernels.values())
    return f"; calibrated kernels: {', '.join(device.kernels)} ({rows} shapes)"


def calibrated_on(device: Device) -> str:
    """What a device calibrated on a runtime was made on, its fusion, network factor and probe, or ""."""
    made, said = device.calibrated_on, []
    if made:
        said.append(f"on {made['runtime']} {made['version']}, {made['threads']} thread{'s' * (made['threads'] != 1)}, "
                    f"{made['machine']} ({made['cpus']} CPUs), {made['date']}")
    if device.fusion:
        said.append(f"fused as {device.fusion} runs layers")
    if device.channel_block:
        said.append(f"channels in blocks of {device.channel_block} (pools and grouped convs off them run unblocked)")
    if device.network_slope:
        said.append(f"network factor {device.network_factor:g} × (MACs / 1e9)^{device.network_slope:g} (every "
                    "design's latency × it, at the design's MACs)")
    elif device.network_factor != 1:
        said.append(f"network factor {device.network_factor:g} (every design's latency × it)")
    if device.network_overhead_s is not None:
        said.append(f"overhead {seconds(device.network_overhead_s)} a kernel inside a network")
    if device.probe:
        said.append(f"probe {device.probe[0]}, {seconds(device.probe[1])} a run then (measure times it again)")
    return "".join(f"; {part}" for part in said)


def efficiency_from(device: Device) -> str:
    """Where a device's efficiencies and overhead come from: fitted to published latencies (at one dtype),
    calibrated, given by the user's file or spec, or assumed."""
    if device.kernels:
        return "calibrated to layers timed on a runtime (costcalc devices calibrate)" + calibrated_on(device)
    if fit := device.fitted:
        count = f"{fit.figures} published latenc{'y' if fit.figures == 1 else 'ies'}"
        error = (f"median error {fit.median_error_percent:g}% on {fit.held_out} held out" if fit.held_out else
                 f"none held out, {fit.median_error_percent:g}% error on {'it' if fit.figures == 1 else 'them'}")
        others = "; other dtypes: the columns' (assumed)" if set(device.flops_per_s) - {fit.dtype} else ""
        return (f"{fit.dtype}: compute {fit.compute:.0%}, memory {fit.memory:.0%}, overhead "
                f"{seconds(fit.overhead_us * 1e-6)}, fitted to {count}, {error}{others}; {fit.source}")
    if device.origin == "built-in":
        return "assumed, no published measurement (docs/latency.md, The built-in devices)"
    return f"as {device.origin} gives them, else assumed"


def devices_view(devices: dict[str, Device]) -> View:
    """One row per device: peak dense throughput per dtype, bandwidth, the efficiencies and overhead every
    estimate applies, and where the figures come from."""
    dtypes = ("float32", "float16", "bfloat16", "int8")
    calibrated_ones = any(d.kernels for d in devices.values())
    view = View("devices: peak dense TFLOP/s (TOP/s for int8), GB/s, efficiencies and overhead",
                ("device", "title", *dtypes, "GB/s", "compute", "memory", "overhead"), right=tuple(range(2, 10)),
                notes=("* estimated: no vendor states it; the source says how it was derived",
                       "compute, memory: the share of peak FLOP/s and of GB/s that a layer reaches;",
                       "overhead: a fixed time per layer; every estimate applies all three",
                       *(("† calibrated: each kernel's efficiency by its shape; this one for the rest",)
                         * calibrated_ones),
                       *(("‡ fitted to published latencies at one dtype: efficiency and overhead, below",)
                         * any(d.fitted and not d.kernels for d in devices.values())),
                       "your own devices: --devices FILE (docs/latency.md)",
                       "this machine's profile: costcalc devices measure",
                       "a device fitted to layers timed on a runtime: costcalc devices calibrate",
                       "sources:", *(f"  {d.name}: {d.source} ({d.origin}){calibrated(d)}" for d in devices.values()),
                       "efficiency and overhead:", *(f"  {d.name}: {efficiency_from(d)}" for d in devices.values())))
    for device in devices.values():
        def mark(key: str) -> str:
            return "*" if key in device.estimated else ""

        peaks = tuple(f"{device.flops_per_s[d] / 1e12:g}{mark(d)}" if d in device.flops_per_s else "—" for d in dtypes)
        shares = (f"{device.compute_efficiency:.0%}{'†' * bool(device.kernels)}", f"{device.memory_efficiency:.0%}")
        fitted = device.fitted is not None and not device.kernels
        view.rows.append(((f"{device.name}{'‡' * fitted}", device.title, *peaks,
                           f"{device.bytes_per_s / 1e9:g}{mark('bandwidth')}",
                           *shares, seconds(device.overhead_s)), False))
    return view


def devices_json(devices: dict[str, Device]) -> str:
    data = {name: {**entry(d), "origin": d.origin, "efficiency_from": efficiency_from(d)}
            for name, d in devices.items()}
    stamp = {"costcalc": __version__, "format": JSON_FORMAT}  # a devices file too: --devices reads only `devices`
    return json_text({**stamp, "devices": data})


def devices_file(devices: dict[str, Device]) -> str:
    """A devices file of these devices, a calibrated kernel's rows one per line."""
    import json
    import re

    text = json.dumps({"devices": {name: entry(d) for name, d in devices.items()}}, indent=2)
    return re.sub(r"\[\n\s+([-+0-9.eE,\s]+?)\n\s*\]", lambda m: "[" + re.sub(r",\s+", ", ", m[1]) + "]", text) + "\n"


def figures_data(found: Figures) -> dict:
    """The figures as compare's and sweep's json give them."""
    data = {"batch": found.batch, "bytes_moved": found.bytes_moved,
            "peak_activation_bytes": found.peak_activation_bytes,
            "weights_bytes": found.weights_bytes, "latency_s": found.latency_s}
    if trained := found.training:
        data["training"] = {
            "optimizer": found.optimizer, "forward_macs": trained.forward_macs,
            "input_grad_macs": trained.input_grad_macs, "weight_grad_macs": trained.weight_grad_macs,
            "macs": trained.macs, "flops": trained.flops, "weights_bytes": trained.weights_bytes,
            "gradient_bytes": trained.gradient_bytes, "optimizer_bytes": trained.optimizer_bytes,
            "saved_activation_bytes": trained.saved_activation_bytes, "memory_bytes": trained.memory}
    return data


def figures_view(figures: dict[str, Figures], exact: bool, devices: dict[str, str] | None = None) -> View:
    """The designs' bytes, memory, estimated latency per device and training figures, side by side; `devices`:
    where each device comes from."""
    first = next(iter(figures.values()))
    columns = ("design", *figures_titles(first))
    view = View(f"on a device, a batch of {first.batch}: bytes moved, peak activation memory, weights, "
                "roofline latency", columns,
                right=tuple(range(1, len(columns))), notes=figures_notes(first, devices))
    for name, found in figures.items():
        view.rows.append(((name, *figures_cells(found, exact)), False))
    return view


def figures_titles(found: Figures) -> tuple[str, ...]:
    """The columns of the figures: bytes, memory, latency per device, and training where counted."""
    return ("bytes moved", "peak memory", "weights", *(f"{d} time" for d in found.latency_s),
            *(("train FLOPs", "train memory") if found.training else ()))


def figures_cells(found: Figures, exact: bool) -> tuple[str, ...]:
    size = (lambda n: f"{n:,}") if exact else readable_bytes
    count = (lambda n: f"{n:,}") if exact else readable
    trained = (count(found.training.flops), size(found.training.memory)) if found.training else ()
    return (size(found.bytes_moved), size(found.peak_activation_bytes), size(found.weights_bytes),
            *(seconds(s) for s in found.latency_s.values()), *trained)


def figures_notes(found: Figures, devices: dict[str, str] | None = None) -> tuple[str, ...]:
    notes = [f"batch {found.batch}; latency is a roofline estimate (docs/latency.md)"]
    if found.training:
        notes.append(f"training: forward and backward, {found.optimizer} optimizer (docs/latency.md, Training)")
    return (*notes, *device_notes(devices or {}))


def figures_columns(figures: dict[Key, Figures]) -> tuple[list[str], dict[Key, list]]:
    """The figures flattened for csv: a header and each design's (or variant's) values (latency_s_DEVICE per
    device)."""
    header: list[str] = []
    rows: dict[Key, list] = {}
    for name, figured in figures.items():
        found = figures_data(figured)
        flat = {k: v for k, v in found.items() if k not in ("latency_s", "training")}
        flat |= {f"latency_s_{device}": s for device, s in found["latency_s"].items()}
        flat |= {f"training_{k}": v for k, v in found.get("training", {}).items()}
        header, rows[name] = list(flat), list(flat.values())
    return header, rows
