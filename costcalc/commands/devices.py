"""`costcalc devices`: the devices latency is estimated on, and measuring or calibrating one."""

from __future__ import annotations

import sys

import click

from ..limits import MAX_THREADS
from ..safe import brief
from .options import RUNTIME_CHOICES, check_device_name, completion, format_option
from .steps import emit, pick_devices


@click.group(invoke_without_command=True, short_help="The devices latency is estimated on.")
@click.option("--devices", "devices_files", multiple=True, metavar="FILE", type=click.Path(path_type=str),
              help="More devices from a JSON file (repeatable).")
@format_option(("text", "json", "markdown"))
@click.pass_context
def devices(ctx, devices_files, fmt):
    """The devices latency is estimated on: peak dense throughput per dtype, bandwidth, and sources.

    \b
    Examples:
      costcalc devices
      costcalc devices measure --name mine > mine.json
      costcalc report examples/bottleneck_5x5 --device mine --devices mine.json
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..device.profiles import all_devices
    from ..show import device as shown

    found = all_devices(devices_files)
    emit(fmt, lambda: [shown.devices_view(found)], {"json": lambda: shown.devices_json(found)})


@devices.command(short_help="Measure this machine's throughput and bandwidth.")
@click.option("--name", default="this-machine", show_default=True, callback=check_device_name,
              help="The name of the measured device.")
@click.option("--seconds", type=click.FloatRange(min=0.1), default=2.0, show_default=True,
              help="Roughly how long each measurement runs.")
def measure(name, seconds):
    """Measure this machine with numpy: float32 matrix-multiply throughput and streaming bandwidth.

    Prints a devices file with one device; save it and pass it with --devices.

    \b
    Example:
      costcalc devices measure --name mine > mine.json
      costcalc report examples/bottleneck_5x5 --device mine --devices mine.json
    """
    from ..device.measure import measure_profile

    click.echo(measure_profile(name, seconds), nl=False)


def parse_budget(ctx, param, value) -> float:
    """Seconds from `5m`, `90s` or `1.5m`."""
    import re

    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(s|m)\s*", value or "")
    if not match or float(match[1]) <= 0:
        raise click.BadParameter(f"{brief(value)}: give a positive time in seconds or minutes, such as 90s or 5m")
    return float(match[1]) * (60 if match[2] == "m" else 1)


@devices.command(short_help="Fit a device to layers timed on your runtime.")
@click.argument("timings", type=click.Path(path_type=str), required=False)
@click.option("--runtime", type=click.Choice(RUNTIME_CHOICES),
              help="Time a grid of layers here on this runtime, instead of reading TIMINGS.")
@click.option("--threads", type=click.IntRange(min=1, max=MAX_THREADS), default=1, show_default=True,
              help="Threads the runtime may use (with --runtime).")
@click.option("--budget", default="5m", show_default=True, callback=parse_budget,
              help="Stop timing the grid when this is spent, such as 90s or 5m (with --runtime).")
@click.option("--grid", "grid_name", type=click.Choice(["small", "full", "tiny"]), default="small", show_default=True,
              help="The grid of layers to time (with --runtime): small, full, or tiny (five layers: a smoke test).")
@click.option("--device", "base", metavar="NAME", shell_complete=completion("devices"),
              help="The device to calibrate, such as the one `costcalc devices measure` gave (with --runtime, "
                   "default: this machine measured now).")
@click.option("--devices", "devices_files", multiple=True, metavar="FILE", type=click.Path(path_type=str),
              help="More devices from a JSON file (repeatable).")
@click.option("--name", callback=check_device_name,
              help="The calibrated device's name  [default: NAME-calibrated; with --runtime, RUNTIME-N-thread(s)]")
@click.pass_context
def calibrate(ctx, timings, runtime, threads, budget, grid_name, base, devices_files, name):
    """Fit a device to single layers timed on the runtime that runs them: timed here with --runtime, or
    read from TIMINGS (a JSON file).

    With --runtime onnxruntime or torch, costcalc times a grid of single layers itself, each exported
    as `costcalc measure` exports designs (on onnxruntime, convolutions with the batchnorm, activation or
    add that onnxruntime folds into them), and 14 whole networks, layer by layer in the runtime's
    profiler, and prints the calibrated device: it records the runtime, its version, the threads, this
    machine and the date. A progress bar shows on a terminal. Its base is --device, or this machine as
    `costcalc devices measure` finds it. It takes about a minute; --budget stops the grid sooner.
    Estimate with --fused on a device made on onnxruntime, as onnxruntime runs layers.

    \b
      costcalc devices calibrate --runtime onnxruntime --threads 1 > ort.json
      costcalc report examples/bottleneck_5x5 --devices ort.json --device onnxruntime-1-thread --fused

    TIMINGS lists layers as a spec writes them, each with its input and the seconds it took alone
    on your runtime (after a warm-up, the median of several runs): layers of the kinds and sizes
    your networks have, and one tiny layer, whose time is the per-layer overhead.

    \b
      {"runtime": "my runtime, CPU, 1 thread", "dtype": "float32", "layers": [
        {"input": [56, 56, 64], "layer": {"conv": {"filters": 64, "kernel": 3}}, "seconds": 0.0021},
        {"input": [1, 1, 8], "layer": "relu", "seconds": 1.5e-6}]}

    Prints a devices file with one device whose compute efficiency is per kernel and shape; see
    docs/latency.md, Calibrating.

    \b
    Examples:
      costcalc devices measure --name mine > mine.json
      costcalc devices calibrate timings.json --devices mine.json --device mine > calibrated.json
      costcalc report examples/bottleneck_5x5 --devices calibrated.json --device mine-calibrated
    """
    from ..show.device import devices_file

    if (timings is None) == (runtime is None):
        raise click.UsageError("give TIMINGS (a timings file) or --runtime onnxruntime|torch, not "
                               f"{'both' if timings else 'neither'}")
    given = [f"--{option}" for option in ("threads", "budget", "grid") if ctx.get_parameter_source(
        "grid_name" if option == "grid" else option) == click.core.ParameterSource.COMMANDLINE]
    if timings is not None and given:
        raise click.UsageError(f"{', '.join(given)} time a grid here: give them with --runtime, not with TIMINGS")
    device = pick_devices((base,), devices_files)[0] if base else None
    if timings is not None:
        from ..tasks.calibrate import calibrate_file

        if device is None:
            raise click.UsageError("calibrating TIMINGS needs the device to calibrate: --device NAME")
        calibrated = calibrate_file(timings, device, name)
    else:
        calibrated = calibrate_on(runtime, threads, device, name, grid_name, budget)
    click.echo(devices_file({calibrated.name: calibrated}), nl=False)


def calibrate_on(runtime: str, threads: int, device, name: str | None, grid: str, budget: float):
    """`devices calibrate --runtime`: the grid timed with a progress bar on a terminal; how many units were
    timed said on stderr."""
    from ..tasks.calibrate import calibrate_runtime

    if not sys.stderr.isatty():
        calibrated, timed = calibrate_runtime(runtime, threads, device, name, grid, budget)
    else:
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task(f"timing layers on {runtime}", total=None)
            calibrated, timed = calibrate_runtime(runtime, threads, device, name, grid, budget,
                                                  lambda done, total: bar.update(task, completed=done, total=total))
    slope = f" × (MACs / 1e9)^{calibrated.network_slope:g}" if calibrated.network_slope else ""
    inside = (f", overhead {calibrated.network_overhead_s * 1e6:g} µs a kernel inside a network"
              if calibrated.network_overhead_s is not None else "")
    click.echo(f"calibrated {calibrated.name} on {timed} timed units of the {grid} grid, network factor "
               f"{calibrated.network_factor:g}{slope}{inside}", err=True)
    return calibrated
