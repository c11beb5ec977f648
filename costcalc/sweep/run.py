"""A sweep as plain data: a row per variant and design, its figures, and whether it fits its budget."""

from __future__ import annotations

import contextlib
import gc
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from ..analyses.checks import limits_for
from ..count.engine import Cost, analyze
from ..device.figures import Figures, design_figures
from ..device.measured import Timed
from ..device.profiles import origins, pick
from ..errors import CostcalcError
from ..limits import MAX_MEASURED
from ..model.tree import METRICS, Spec
from ..record import replace
from ..spec.reader import build, params_where, parse, spec_params
from .device import OnDevice, device_figure, settled
from .evaluate import evaluate, rows_of
from .grid import variants


@dataclass(frozen=True, slots=True)
class Variant:
    """One design at one setting of the varied parameters; `limits` are its budget (metric → figure);
    `on_device` its device figures, where they were asked or a limit needs them; `measured` its time on a
    runtime (sweep --measure)."""

    values: tuple
    design: str
    cost: Cost
    limits: dict[str, int] = field(default_factory=dict)
    on_device: Figures | None = None
    measured: Timed | None = None

    def figure(self, metric: str) -> int:
        """Its figure for a metric of a budget (METRICS, DEVICE_METRICS) or bytes_moved; latency in whole
        nanoseconds, rounded up: the measured time where it was measured, else the estimate."""
        if metric == "latency" and self.measured:
            return math.ceil(self.measured.median_s * 1e9)
        if metric in METRICS:
            return getattr(self.cost, metric)
        assert self.on_device is not None, "a device metric's variants are figured on a device"
        return device_figure(self.on_device, metric)

    def error_percent(self, device: str) -> float:
        """The estimate on `device` against the measured time, in percent of it (negative: estimated faster)."""
        assert self.on_device and self.measured
        return 100 * (self.on_device.latency_s[device] - self.measured.median_s) / self.measured.median_s

    @property
    def fits(self) -> bool | None:
        """Within every limit (a limit exactly met holds); None without a budget."""
        if not self.limits:
            return None
        return all(self.figure(metric) <= limit for metric, limit in self.limits.items())


@dataclass(frozen=True, slots=True)
class MeasuredOn:
    """Where `sweep --measure` timed the variants: the runtime, its version, its threads and the rounds; `fused`:
    whether the estimates beside them fold batchnorms and activations, as the runtime does; `caveats`: "DEVICE:
    caveat" for each device calibrated on another runtime, version, thread count or machine, or here while the
    machine ran at another speed (runtimes/probe.py)."""

    runtime: str
    version: str
    threads: int
    rounds: int
    fused: bool
    caveats: tuple[str, ...] = ()

    @property
    def about(self) -> str:
        return f"{self.runtime} {self.version} CPU, {self.threads} thread{'s' * (self.threads != 1)}"


@dataclass(frozen=True, slots=True)
class Sweep:
    """Every variant of a spec, in the order of the grid (or of the zipped lists)."""

    file: str
    name: str | None
    names: tuple[str, ...]
    variants: tuple[Variant, ...]
    convention: str
    bytes_per_element: int
    zipped: bool = False
    devices: tuple[tuple[str, str], ...] = ()
    """Each device's name and where its figures come from (costcalc.device.profiles.origin)."""
    measured: MeasuredOn | None = None

    @property
    def budgeted(self) -> bool:
        return any(v.limits for v in self.variants)

    @property
    def largest(self) -> Variant | None:
        """The variant that fits with the most MACs (then the most parameters); None when none fits."""
        fitting = [v for v in self.variants if v.fits]
        return max(fitting, key=lambda v: (v.cost.macs, v.cost.params), default=None)


@contextlib.contextmanager
def collector_paused():
    """Python's cycle collector off while a sweep makes its (acyclic) objects, a few per variant:
    otherwise it runs every 700 of them, over everything made so far (a third of the time at 100,000)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def sweep(text: str, filename: str, vary: list[tuple[str, list[str]]], zipped: bool = False, settings=(),
          designs=None, flags: dict[str, int] | None = None, bytes_per_element: int = 4,
          convention: str = "costcalc", on_device: OnDevice | None = None) -> Sweep:
    """Every variant of the spec `text` over `vary` ((name, value texts) pairs), with `settings` fixed;
    with device figures where `on_device` asks for them or a limit (flags, the spec's budget) needs them, and
    each variant timed on a runtime where `on_device.measure` says so."""
    runtime = _runtime(on_device)
    root = parse(text, filename)
    where = params_where(root)
    params = spec_params(root, dict(settings))
    for name, _ in vary:
        if name in dict(settings):
            raise CostcalcError(f"{name} is both set (--set) and varied (--vary)", where, "give it one of them")
    names, columns = variants(params, vary, zipped, where)
    with collector_paused():
        rows = rows_of(columns, zipped)
        outcomes = evaluate(root, filename, names, columns, zipped, dict(settings), designs, bytes_per_element,
                            convention)
        found, budgets = [], {}
        for values, (spec, names_of_designs, totals) in zip(rows, outcomes):
            for design, cost in zip(names_of_designs, totals):
                key = (id(spec), design)  # a group of variants shares its spec, so its budgets
                if key not in budgets:
                    limits = limits_for(spec, design, flags or {})
                    budgets[key] = limits, {metric: limit.value for metric, limit in limits.items()}
                found.append(Variant(values, design, cost, budgets[key][1]))
        on_device = settled(on_device, [limits for limits, _ in budgets.values()])
        measured_on = None
        if runtime and on_device and on_device.measure:
            on_device = _measuring(on_device, runtime.fuses, len(found))
        if on_device:
            def spec_of(values: tuple) -> Spec:
                return build(root, filename, spec_params(root, {**dict(settings), **dict(zip(names, values))}))

            found, devices, caveats = _with_figures(found, spec_of, on_device, designs, bytes_per_element, convention,
                                                    runtime)
            if runtime and (measure := on_device.measure):
                measured_on = MeasuredOn(runtime.name, runtime.version, runtime.threads, measure.rounds,
                                         runtime.fuses, caveats)
    title = root.get("name") if "$" not in str(root.get("name")) else None  # a name that varies: the file instead
    return Sweep(filename, title, names, tuple(found), convention, bytes_per_element, zipped,
                 tuple(devices.items()) if on_device else (), measured_on)


def _runtime(on_device: OnDevice | None):
    """The runtime `on_device.measure` names, opened (a CostcalcError if it is not installed), or None without
    measuring; the models it runs are float32."""
    if not (on_device and on_device.measure):
        return None
    from ..runtimes import open_runtime

    settings = on_device.settings
    if {settings.dtype, settings.weight_dtype or settings.dtype} != {"float32"}:
        raise CostcalcError(f"sweep --measure runs float32 models only, not {settings.weight_dtype or settings.dtype}",
                            hint="leave out --dtype and --weight-dtype; exported models are float32")
    return open_runtime(on_device.measure.runtime, on_device.measure.threads, "costcalc sweep --measure")


def _measuring(on_device: OnDevice, fuses: bool, variants: int) -> OnDevice:
    """`on_device` with the estimate taken as the runtime runs the model (fused where it `fuses`), once the
    variants are few enough to time."""
    if variants > MAX_MEASURED:
        raise CostcalcError(f"{variants} variants to measure, more than {MAX_MEASURED}: each is timed for seconds",
                            hint="vary fewer values, or pick one design with --design")
    return replace(on_device, settings=replace(on_device.settings, fused=fuses))


def _with_figures(found: list[Variant], spec_of, on_device: OnDevice, designs, bytes_per_element: int,
                  convention: str, runtime=None) -> tuple[list[Variant], dict[str, str], tuple[str, ...]]:
    """The variants with their device figures: each variant built by `spec_of(values)` and analysed on its own,
    once for all its designs; where each device comes from (the first variant's spec, for its devices:); and the
    caveats. With a `runtime`, each variant is also timed on it, in interleaved rounds, and estimated on this
    machine (numpy's figures, measured now) where no device is named; the caveats are then "DEVICE: caveat" for
    each device calibrated elsewhere or at another speed of this machine (runtimes/probe.py), else none."""
    figures, devices, whence = {}, None, {}
    runs: dict[str, Callable[[], object]] = {}
    for values in dict.fromkeys(variant.values for variant in found):
        spec = spec_of(values)
        if devices is None:
            devices = pick(on_device.devices, on_device.devices_files, spec)
            whence = origins(devices, spec)
            if runtime and not devices:
                from ..device.measure import MEASURED_NOW, this_machine

                devices, whence = [this_machine()], {"this-machine": MEASURED_NOW}
        analysis = analyze(spec, None, designs, bytes_per_element, convention)
        for design, figure in design_figures(analysis, on_device.settings, devices).items():
            figures[values, design] = figure
        if runtime:
            runs |= {repr((values, d.name)): runtime.build(d, on_device.settings.batch) for d in analysis.designs}
    timed: dict[str, Timed] = {}
    caveats: tuple[str, ...] = ()
    if runtime:
        from ..runtimes.probe import caveat, probe_runs
        from ..runtimes.timing import interleaved

        assert on_device.measure
        timed = interleaved(runs | probe_runs(devices or (), runtime), on_device.measure.rounds,
                            settle_s=runtime.settle_s)
        caveats = tuple(f"{d.name}: {c}" for d in devices or () if (c := caveat(d, runtime, timed)))
    return [replace(variant, on_device=figures[variant.values, variant.design],
                    measured=timed.get(repr((variant.values, variant.design)))) for variant in found], whence, caveats
