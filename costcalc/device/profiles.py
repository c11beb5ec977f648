"""Device profiles: peak dense throughput per dtype, memory bandwidth, efficiency and overhead.

The built-in devices live in `devices.json` beside this module, each figure with its source.
A user's own come from a JSON file of the same layout (`--devices FILE`) or from the spec's
`devices:` mapping (name → the same fields). A profile's
`efficiency` (compute and memory: the share of the peak a real kernel reaches) and
`overhead_us` (a fixed cost per layer: launch, dispatch) default to DEFAULT_EFFICIENCY and
DEFAULT_OVERHEAD_US; docs/latency.md says why. A calibrated profile's `kernels` (kernel name →
[M, N, K, efficiency] rows, from `costcalc devices calibrate`) give the compute efficiency per
kernel and shape (kernels.py). A built-in device whose efficiencies and overhead were fitted to
published latencies of whole networks at one dtype holds them in `fitted`, which serves estimates at
that dtype (`Device.at`; published.py, docs/latency.md). A device calibrated on a runtime
(`devices calibrate --runtime`) says what it was made on (`calibrated_on`: runtime, version, threads,
machine, CPUs, date), which runtime's fusion its estimates follow (`fusion`: onnxruntime folds adds
into the conv before them too), `network_factor`, whole networks' measured time over the sum of
their layers' estimates, which every design's latency is multiplied by, `network_overhead_us`, what a
kernel pays inside a network (where a one-layer model's call pays `overhead_us`), and `channel_block`, the
channels its runtime's layout blocks together (kernels.BLOCKED).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from ..errors import CostcalcError, Where
from ..files import read_json
from ..limits import (
    MAX_CHANNEL_BLOCK,
    MAX_COUNT,
    MAX_CPUS,
    MAX_DEVICE_FIGURE,
    MAX_KERNEL_ROWS,
    MAX_NAME_CHARS,
    MAX_NETWORK_FACTOR,
    MAX_NETWORK_SLOPE,
    MAX_SOURCE_CHARS,
    MAX_THREADS,
    MIN_DEVICE_FIGURE,
    MIN_EFFICIENCY,
    MIN_NETWORK_FACTOR,
)
from ..record import replace
from ..safe import brief
from ..suggest import did_you_mean
from .kernels import KIN, Sample, Samples, stages, work
from .settings import DTYPES

DEFAULT_EFFICIENCY = {"compute": 0.5, "memory": 0.7}
DEFAULT_OVERHEAD_US = 5.0
FUSIONS = ("onnxruntime",)
"""The runtimes whose fusion a device's estimates may follow (`fusion`): adds folded into convs as well."""
CALIBRATED_ON = {"runtime": str, "version": str, "threads": int, "machine": str, "cpus": int, "date": str}
"""What a device calibrated on a runtime records of where it was made, key → type."""


def _calibration_record(made, what: str, where: Where | None) -> dict:
    """`calibrated_on` checked: CALIBRATED_ON's keys and no others, its texts at most MAX_NAME_CHARS long and its
    counts bounded (`measure` shows them)."""
    if not isinstance(made, dict) or set(made) != set(CALIBRATED_ON):
        raise CostcalcError(f"{what}: calibrated_on is {brief(made)}", where,
                            hint=f"give {', '.join(CALIBRATED_ON)} (costcalc devices calibrate --runtime writes it)")
    bounds = {"threads": MAX_THREADS, "cpus": MAX_CPUS}
    for key, value in made.items():
        if CALIBRATED_ON[key] is int:
            wrong, want = (isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= bounds[key],
                           f"an integer from 1 to {bounds[key]:,}")
        else:
            wrong, want = not isinstance(value, str) or len(value) > MAX_NAME_CHARS, \
                f"a text of at most {MAX_NAME_CHARS} characters"
        if wrong:
            raise CostcalcError(f"{what}: calibrated_on.{key} is {brief(value)}; give {want}", where,
                                hint="costcalc devices calibrate --runtime writes it")
    return dict(made)


@dataclass(frozen=True, slots=True)
class Fitted:
    """Efficiencies and overhead fitted to `figures` published latencies at `dtype`, and the median error on
    `held_out` more that the fit never saw (on the fitted ones, where none is held out)."""

    dtype: str
    compute: float
    memory: float
    overhead_us: float
    figures: int
    held_out: int
    median_error_percent: float
    source: str


@dataclass(frozen=True, slots=True)
class Device:
    """One device: throughput in FLOP/s per dtype, bandwidth in bytes/s, and where the figures come from."""

    name: str
    title: str
    flops_per_s: dict[str, float]
    bytes_per_s: float
    source: str
    estimated: tuple[str, ...] = ()
    compute_efficiency: float = DEFAULT_EFFICIENCY["compute"]
    memory_efficiency: float = DEFAULT_EFFICIENCY["memory"]
    overhead_s: float = DEFAULT_OVERHEAD_US * 1e-6
    origin: str = field(default="built-in", compare=False)
    kernels: dict[str, Samples] = field(default_factory=dict, compare=False)
    fitted: Fitted | None = None
    fusion: str | None = None
    """The runtime whose folding the device's estimates follow where fused (onnxruntime: adds too), or None."""
    network_factor: float = 1.0
    """Whole networks' measured time over the sum of their layers' estimates, for a design of 1e9 MACs: every
    design's latency × this (× its size's term, `network_slope`)."""
    calibrated_on: dict | None = field(default=None, compare=False)
    """Where a device calibrated on a runtime was made (CALIBRATED_ON's keys), or None."""
    network_slope: float = 0.0
    """How the network factor grows with a design's size: a design of M MACs takes network_factor × (M / 1e9) to
    this power (0: one factor for every design)."""
    network_overhead_s: float | None = None
    """The overhead of a kernel inside a whole network, where it is not a single layer's (`overhead_s`): between
    one node and the next a runtime pays less than a call of a one-layer model does. Fitted with the network
    factor by `devices calibrate --runtime`; None: `overhead_s`."""
    channel_block: int | None = None
    """The channels the runtime's blocked layout holds together (onnxruntime's NCHWc on AVX-512: 16): pools and
    grouped convs on channels it does not divide run other kernels (kernels.BLOCKED); None where it blocks none."""
    probe: tuple[str, float] | None = field(default=None, compare=False)
    """A network of the calibration and the seconds a run of it took then (the median of its rounds, batch 1),
    which `measure` times again to tell whether the machine still runs at that speed; None: not calibrated so."""

    def for_design(self, macs: int) -> Device:
        """The device as it estimates a design of `macs` MACs a sample: its network factor at that size, within
        the range a factor may take."""
        if not self.network_slope or macs <= 0:
            return self
        factor = self.network_factor * (macs / 1e9) ** self.network_slope
        return replace(self, network_factor=min(MAX_NETWORK_FACTOR, max(MIN_NETWORK_FACTOR, factor)),
                       network_slope=0.0)

    @property
    def kernel_overhead_s(self) -> float:
        """The overhead each kernel of a design adds: inside a network, where the device knows it."""
        return self.overhead_s if self.network_overhead_s is None else self.network_overhead_s

    @property
    def folds_adds(self) -> bool:
        return self.fusion == "onnxruntime"

    def work(self, row, batch: int = 1) -> int:
        """The FLOPs the row computes for the batch on this device's runtime (kernels.work: onnxruntime's convs
        skip the padding's taps)."""
        return work(row, batch, self.channel_block, self.fusion)

    def peak(self, dtype: str) -> float:
        """Peak FLOP/s at `dtype`, or an error naming the dtypes the device has figures for."""
        if dtype not in self.flops_per_s:
            raise CostcalcError(f"device {brief(self.name)} has no throughput figure for {dtype}",
                                hint=f"it has: {', '.join(self.flops_per_s)}; choose one with --dtype")
        return self.flops_per_s[dtype]

    def at(self, dtype: str) -> Device:
        """The device as it estimates at `dtype`: with the fitted efficiencies and overhead at the fit's dtype (a
        calibrated device's own figures, from its timed layers, stand)."""
        fit = self.fitted
        if fit is None or fit.dtype != dtype or self.kernels:
            return self
        return replace(self, compute_efficiency=fit.compute, memory_efficiency=fit.memory,
                       overhead_s=fit.overhead_us * 1e-6)

    def efficiency(self, row, batch: int = 1) -> float:
        """The compute efficiency of `row`'s kernel at its shape: calibrated if the device has timings of
        that kernel near that shape (kernels.NEAR), or else of its kin's (kernels.KIN), else the device's
        compute efficiency. A row that runs as several kernels (a separable layer) takes theirs as their
        times add: its MACs over the sum of each kernel's MACs over its efficiency."""
        if not self.kernels:
            return self.compute_efficiency
        found = [(macs, self._efficiency(name, shape)) for name, shape, macs in stages(row, batch, self.channel_block)]
        if len(found) == 1:
            return found[0][1]
        return sum(macs for macs, _ in found) / sum(macs / efficiency for macs, efficiency in found)

    def _efficiency(self, name: str, shape: tuple[int, int, int]) -> float:
        for timed in (name, KIN.get(name)):
            found = self.kernels[timed].nearest(shape) if timed in self.kernels else None
            if found is not None:
                return found
        return self.compute_efficiency


def parse_devices(data, origin: str) -> dict[str, Device]:
    """Devices from the JSON layout of devices.json; errors name the file and the device."""
    if not isinstance(data, dict) or not isinstance(data.get("devices"), dict):
        raise CostcalcError(f"{origin}: expected an object with a 'devices' object", hint="see docs/latency.md")
    at = getattr(data["devices"], "at", None)  # a spec's YAML mapping knows where each device is
    return {name: _device(name, entry, origin, at(name) if at else None) for name, entry in data["devices"].items()}


def _device(name: str, entry, origin: str, where: Where | None = None) -> Device:
    """One device's figures, each checked: the right type, finite, in range (limits.py), with its position."""
    what = f"device {brief(name)}" if where else f"{origin}: device {brief(name)}"
    if len(name) > MAX_NAME_CHARS:
        raise CostcalcError(f"{what}: a name longer than {MAX_NAME_CHARS} characters, the limit for a device's name",
                            where)
    if not isinstance(entry, dict):
        raise CostcalcError(f"{what} is {brief(entry)}; give its figures as an object", where, hint=_HINT)
    at = (lambda key: entry.at(key)) if hasattr(entry, "at") else (lambda key: where)
    for key in ("tflops", "bandwidth_gbs", "source"):
        if key not in entry:
            raise CostcalcError(f"{what}: no {key}", where, hint=_HINT)
    tflops = {str(dtype): figure(value, f"{what}: tflops.{dtype}", _at(entry["tflops"], dtype, at("tflops")))
              for dtype, value in _mapping(entry["tflops"], f"{what}: tflops", at("tflops")).items()}
    if not tflops:
        raise CostcalcError(f"{what}: tflops is empty", at("tflops"), hint="give a figure per dtype: {float32: 8.1}")
    efficiency = dict(DEFAULT_EFFICIENCY)
    given = _mapping(entry.get("efficiency", {}), f"{what}: efficiency", at("efficiency"))
    for kind, value in given.items():
        if kind not in DEFAULT_EFFICIENCY:
            raise CostcalcError(f"{what}: unknown efficiency {brief(kind)}", at("efficiency"),
                                hint="give compute and memory shares")
        efficiency[kind] = share(value, f"{what}: efficiency.{kind}", _at(given, kind, at("efficiency")))
    overhead = figure(entry.get("overhead_us", DEFAULT_OVERHEAD_US), f"{what}: overhead_us", at("overhead_us"),
                      low=0.0)
    estimated = entry.get("estimated", [])
    if not isinstance(estimated, list) or not all(isinstance(item, str) for item in estimated):
        raise CostcalcError(f"{what}: estimated is {brief(estimated)}; give a list of the figures that are estimates",
                            at("estimated"), hint='such as ["bandwidth_gbs"]')
    return Device(name, _text(entry.get("title", name), f"{what}: title", at("title")),
                  {d: t * 1e12 for d, t in tflops.items()},
                  figure(entry["bandwidth_gbs"], f"{what}: bandwidth_gbs", at("bandwidth_gbs")) * 1e9,
                  _text(entry["source"], f"{what}: source", at("source"), MAX_SOURCE_CHARS), tuple(estimated),
                  efficiency["compute"], efficiency["memory"], overhead * 1e-6, origin,
                  _kernels(entry.get("kernels", {}), what, at("kernels")),
                  _fitted(entry["fitted"], f"{what}: fitted", at("fitted")) if "fitted" in entry else None,
                  **_calibration(entry, what, at))


_HINT = "give tflops (per dtype), bandwidth_gbs and source; see docs/latency.md"


def _at(mapping, key, where: Where | None) -> Where | None:
    return mapping.at(key) if hasattr(mapping, "at") else where


def _mapping(value, what: str, where: Where | None) -> dict:
    if not isinstance(value, dict):
        raise CostcalcError(f"{what} is {brief(value)}; give an object", where, hint=_HINT)
    return value


def _text(value, what: str, where: Where | None, most: int = MAX_NAME_CHARS) -> str:
    """A string of at most `most` characters (a title: MAX_NAME_CHARS; a source: MAX_SOURCE_CHARS)."""
    if not isinstance(value, str) or len(value) > most:
        raise CostcalcError(f"{what} is {brief(value)}; give a text of at most {most:,} characters", where)
    return value


def _kernels(value, what: str, where: Where | None) -> dict[str, Samples]:
    """Kernel name → its [M, N, K, efficiency] rows, MAX_KERNEL_ROWS in all at most."""
    kernels = _mapping(value, f"{what}: kernels", where)
    rows = 0
    for name, samples in kernels.items():
        if not isinstance(samples, list) or not samples:
            raise CostcalcError(f"{what}: kernels.{name} is {brief(samples)}; give a list of rows",
                                _at(kernels, name, where),
                                hint="[M, N, K, efficiency]; see docs/latency.md, Calibrating")
        rows += len(samples)
    if rows > MAX_KERNEL_ROWS:
        raise CostcalcError(f"{what}: kernels hold {rows:,} rows, more than {MAX_KERNEL_ROWS:,}, the limit", where,
                            hint="a few hundred timed layers calibrate a device")
    return {str(name): Samples(_sample(row, f"{what}: kernels.{name}", _at(samples, i, _at(kernels, name, where)))
                             for i, row in enumerate(samples)) for name, samples in kernels.items()}


def _fitted(value, what: str, where: Where | None) -> Fitted:
    """A fit: {dtype, efficiency, overhead_us, figures, held_out, median_error_percent, source}."""
    given = _mapping(value, what, where)
    counts: list[Any] = [given.get(key) for key in ("figures", "held_out")]
    if any(isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_COUNT for n in counts):
        raise CostcalcError(f"{what}: figures and held_out must be counts, not {brief(counts)}", where,
                            hint="how many published latencies the fit used, and how many it held out")
    shares, dtype = _mapping(given.get("efficiency"), f"{what}.efficiency", where), given.get("dtype")
    if not isinstance(dtype, str) or dtype not in DTYPES:
        raise CostcalcError(f"{what}.dtype is {brief(dtype)}; give the dtype the fit was made at",
                            where, hint=f"one of {', '.join(DTYPES)}")
    compute, memory = (share(shares.get(kind), f"{what}.efficiency.{kind}", where) for kind in DEFAULT_EFFICIENCY)
    figures, held_out = counts
    return Fitted(dtype, compute, memory, figure(given.get("overhead_us"), f"{what}.overhead_us", where, low=0.0),
                  figures, held_out,
                  figure(given.get("median_error_percent"), f"{what}.median_error_percent", where, low=0.0),
                  _text(given.get("source"), f"{what}.source", where, MAX_SOURCE_CHARS))


def _calibration(entry: dict, what: str, at) -> dict:
    """A runtime calibration's `fusion`, `network_factor`, `network_slope`, `calibrated_on`, `network_overhead_us`,
    `channel_block` and `probe`, each checked."""
    fusion = entry.get("fusion")
    if fusion is not None and fusion not in FUSIONS:
        raise CostcalcError(f"{what}: fusion is {brief(fusion)}; give the runtime whose fusion the estimates follow",
                            at("fusion"), hint=f"one of {', '.join(FUSIONS)}, or leave it out")
    factor = entry.get("network_factor", 1.0)
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not (
            MIN_NETWORK_FACTOR <= factor <= MAX_NETWORK_FACTOR):
        raise CostcalcError(f"{what}: network_factor is {brief(factor)}; give a number from {MIN_NETWORK_FACTOR:g} "
                            f"to {MAX_NETWORK_FACTOR:g}", at("network_factor"))
    slope = entry.get("network_slope", 0.0)
    if isinstance(slope, bool) or not isinstance(slope, (int, float)) or not -MAX_NETWORK_SLOPE <= slope <= \
            MAX_NETWORK_SLOPE:
        raise CostcalcError(f"{what}: network_slope is {brief(slope)}; give a number from {-MAX_NETWORK_SLOPE:g} to "
                            f"{MAX_NETWORK_SLOPE:g}", at("network_slope"))
    inside = entry.get("network_overhead_us")
    if inside is not None:
        inside = figure(inside, f"{what}: network_overhead_us", at("network_overhead_us"), low=0.0) * 1e-6
    block = entry.get("channel_block")
    if block is not None and (isinstance(block, bool) or not isinstance(block, int)
                              or not 1 <= block <= MAX_CHANNEL_BLOCK):
        raise CostcalcError(f"{what}: channel_block is {brief(block)}; give the channels a block holds, 1 to "
                            f"{MAX_CHANNEL_BLOCK}",
                            at("channel_block"), hint="costcalc devices calibrate --runtime writes it; or leave it out")
    made = entry.get("calibrated_on")
    if made is not None:
        made = _calibration_record(made, what, at("calibrated_on"))
    probe = entry.get("probe")
    if probe is not None:
        probe = _probe(probe, what, at("probe"))
    return {"fusion": fusion, "network_factor": float(factor), "network_slope": float(slope),
            "calibrated_on": made, "network_overhead_s": inside,
            "channel_block": block, "probe": probe}


def _probe(value, what: str, where: Where | None) -> tuple[str, float]:
    """`probe`: {network: a text, seconds: a figure}."""
    if not isinstance(value, dict) or set(value) != {"network", "seconds"}:
        raise CostcalcError(f"{what}: probe is {brief(value)}", where,
                            hint="give network and seconds (costcalc devices calibrate --runtime writes it)")
    return (_text(value["network"], f"{what}: probe.network", where),
            figure(value["seconds"], f"{what}: probe.seconds", where))


def entry(device: Device) -> dict:
    """The device in the JSON layout of a devices file (the inverse of parse_devices)."""
    fields = {"title": device.title, "tflops": {k: v / 1e12 for k, v in device.flops_per_s.items()},
              "bandwidth_gbs": device.bytes_per_s / 1e9, "estimated": list(device.estimated), "source": device.source,
              "efficiency": {"compute": device.compute_efficiency, "memory": device.memory_efficiency},
              "overhead_us": round(device.overhead_s * 1e6, 6)}
    if fit := device.fitted:
        fields["fitted"] = {"dtype": fit.dtype, "efficiency": {"compute": fit.compute, "memory": fit.memory},
                            "overhead_us": fit.overhead_us, "figures": fit.figures, "held_out": fit.held_out,
                            "median_error_percent": fit.median_error_percent, "source": fit.source}
    if device.fusion:
        fields["fusion"] = device.fusion
    if device.network_factor != 1.0:
        fields["network_factor"] = device.network_factor
    if device.network_slope:
        fields["network_slope"] = device.network_slope
    if device.network_overhead_s is not None:
        fields["network_overhead_us"] = round(device.network_overhead_s * 1e6, 6)
    if device.calibrated_on:
        fields["calibrated_on"] = dict(device.calibrated_on)
    if device.channel_block:
        fields["channel_block"] = device.channel_block
    if device.probe:
        fields["probe"] = {"network": device.probe[0], "seconds": device.probe[1]}
    if device.kernels:
        fields["kernels"] = {name: [list(sample) for sample in samples] for name, samples in device.kernels.items()}
    return fields


def _sample(row, what: str, where: Where | None) -> Sample:
    """One [M, N, K, efficiency] row of a calibrated kernel."""
    if not isinstance(row, list) or len(row) != 4 or any(isinstance(n, bool) or not isinstance(n, int)
                                                         or not 1 <= n <= MAX_COUNT for n in row[:3]):
        raise CostcalcError(f"{what}: {brief(row)} is not [M, N, K, efficiency]", where,
                            hint="M, N and K are positive integers; see docs/latency.md, Calibrating")
    return row[0], row[1], row[2], share(row[3], f"{what}: efficiency", where)


def figure(value, what: str, where: Where | None = None, low: float = MIN_DEVICE_FIGURE) -> float:
    """A device's figure in its unit (TFLOP/s, GB/s, µs): a finite number from `low` to MAX_DEVICE_FIGURE."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= MAX_DEVICE_FIGURE:
        span = "a positive number" if low else "a number from 0"
        raise CostcalcError(f"{what} is {brief(value)}; give {span} up to {MAX_DEVICE_FIGURE:,.0f}", where)
    return float(value)


def share(value, what: str, where: Where | None = None) -> float:
    """An efficiency: a share of a peak, from MIN_EFFICIENCY to 1 (as given: an integer stays one)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not MIN_EFFICIENCY <= value <= 1:
        least = f" (at least {MIN_EFFICIENCY:g})" if isinstance(value, (int, float)) and 0 < value < 1 else ""
        raise CostcalcError(f"{what} is {brief(value)}; give a share between 0 and 1{least}", where)
    return value


def builtin_devices() -> dict[str, Device]:
    text = resources.files(__package__).joinpath("devices.json").read_text(encoding="utf-8")
    return parse_devices(json.loads(text), "built-in")


def read_devices(path: str) -> dict[str, Device]:
    """A user's devices file, in the layout of the built-in one."""
    return parse_devices(read_json(path, "a devices file"), path)


def all_devices(files: tuple[str, ...] = (), spec=None) -> dict[str, Device]:
    """The built-in devices, then each file's, then the spec's `devices:` (a later device replaces
    an earlier one of the same name)."""
    devices = builtin_devices()
    for path in files:
        devices.update(read_devices(path))
    if spec is not None and spec.devices:
        devices.update(parse_devices({"devices": spec.devices}, spec.file))
    return devices


def pick(names, files: tuple[str, ...] = (), spec=None) -> list[Device]:
    """The named devices, from the built-in ones, the user's files and the spec's `devices:`."""
    known = all_devices(tuple(files), spec) if names else {}
    return [find(name, known) for name in names]


def find(name: str, devices: dict[str, Device]) -> Device:
    if name not in devices:
        hint = did_you_mean(name, devices) or the_one_in_a_file(devices) or "costcalc devices lists them"
        raise CostcalcError(f"no device {brief(name)}", hint=hint)
    return devices[name]


def the_one_in_a_file(devices: dict[str, Device]) -> str | None:
    """`mine.json holds one device: 'this-machine'`, where a user's file (or spec) holds just one, or None."""
    held: dict[str, list[str]] = {}
    for device in devices.values():
        if device.origin != "built-in":
            held.setdefault(device.origin, []).append(device.name)
    ones = [f"{origin} holds one device: {brief(names[0])}" for origin, names in held.items() if len(names) == 1]
    return "; ".join(ones) or None


def origin(device: Device, spec=None) -> str:
    """Where a device's figures come from, as every output says it: built-in, --devices FILE, or spec FILE
    (the `devices:` of the spec `spec`)."""
    if device.origin == "built-in":
        return device.origin
    if spec is not None and device.origin == spec.file and device.name in spec.devices:
        return f"spec {spec.file}"
    return f"--devices {device.origin}"


def origins(devices, spec=None) -> dict[str, str]:
    """Each device's name → where its figures come from (`origin`)."""
    return {device.name: origin(device, spec) for device in devices}
