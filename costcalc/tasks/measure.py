"""`costcalc measure` as a call: each design timed on a runtime on this machine, beside its estimate."""

from __future__ import annotations

from ..device.measured import DesignMeasured, LayerTime, Measurement
from ..device.profiles import Device
from ..device.settings import DTYPES, DeviceSettings
from ..errors import CostcalcError
from ..limits import MAX_MEASURED


def measure_designs(designs, runtime, device: Device, origin: str, spec: str, batch: int = 1, rounds: int = 7,
                    layers: bool = False) -> Measurement:
    """`designs` (DesignResults) timed on `runtime` in interleaved rounds and estimated on `device`, fused as the
    runtime runs them; with the device's probe among them where it was calibrated here (runtimes/probe.py)."""
    from ..device.figures import on_device
    from ..runtimes.probe import caveat, probe_runs
    from ..runtimes.timing import interleaved

    if len(designs) > MAX_MEASURED:
        raise CostcalcError(f"{len(designs)} designs or variants to measure, more than {MAX_MEASURED}: each is timed "
                            "for seconds", hint="pick fewer with --design, or fewer --vary values")
    settings = DeviceSettings(fused=runtime.fuses, batch=batch)
    runs = {str(index): runtime.build(d, batch) for index, d in enumerate(designs)}  # a name could be a probe's key
    runs |= probe_runs([device], runtime)
    timed = interleaved(runs, rounds, settle_s=runtime.settle_s)
    found = []
    for index, design in enumerate(designs):
        estimates = on_device(design, settings, device).estimates
        per_layer: tuple[LayerTime, ...] = ()
        if layers:
            seconds = runtime.layer_seconds(design, batch)
            per_layer = tuple(LayerTime(path, s, estimates[path].seconds if path else None)
                              for path, s in sorted(seconds.items(), key=lambda item: -item[1]))
        found.append(DesignMeasured(design.name, timed[str(index)], estimates[""].seconds, per_layer))
    return Measurement(spec, runtime.name, runtime.version, runtime.threads, batch, "float32", runtime.fuses,
                       device.name, origin, tuple(found), caveat(device, runtime, timed))


def measure_file(path: str, runtime: str = "onnxruntime", designs=None, batch: int = 1, threads: int = 1,
                 dtype: str = "float32", layers: bool = False, device_name: str | None = None,
                 devices_files: tuple[str, ...] = (), settings=(), input_shape=None, rounds: int = 7) -> Measurement:
    """The designs of the spec at `path` (default: all) timed on `runtime` ("onnxruntime" or "torch") at `threads`
    and a batch, each beside its estimate on `device_name` (default: this machine measured with numpy now)."""
    from ..count.engine import analyze
    from ..device.measure import MEASURED_NOW, this_machine
    from ..device.profiles import origin, pick
    from ..runtimes import open_runtime
    from ..spec.reader import load

    if dtype != "float32":
        raise CostcalcError(f"measure runs float32 models only, not {dtype}",
                            hint="leave out --dtype; exported models are float32")
    opened = open_runtime(runtime, threads)
    loaded = load(path, settings)
    analysis = analyze(loaded, input_shape, list(designs) if designs else None, DTYPES[dtype])
    if device_name:
        (device,) = pick((device_name,), devices_files, loaded)
        where = origin(device, loaded)
    else:
        device, where = this_machine(), MEASURED_NOW
    return measure_designs(list(analysis.designs), opened, device, where, path, batch, rounds, layers)
