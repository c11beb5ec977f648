"""`costcalc sweep`: a row per variant over values of a spec's parameters."""

from __future__ import annotations

import sys

import click

from ..cli import EXIT_OVER_BUDGET
from ..device.settings import DTYPES, OPTIMIZERS, DeviceSettings
from ..limits import MAX_THREADS
from .options import RUNTIME_CHOICES, completion, device_options, flags_given, limit_options, output_options, set_option
from .steps import emit

SWEEP_ON_DEVICE = ("bytes_moved", "peak_memory", "weights_bytes", "latency", "measured_latency")
"""The device figures sweep --plot draws (costcalc.sweep.plot); measured_latency needs --measure."""


def parse_vary(ctx, param, values):
    """`--vary alpha=0.25,0.5` or `--vary resolution=128:224:32` (repeatable) → [(name, [value texts])]."""
    from ..sweep.grid import parse_vary as parse

    try:
        return [parse(value) for value in values]
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command(short_help="A row per variant over values of the spec's parameters.")
@click.argument("spec", type=click.Path(path_type=str), shell_complete=completion("spec_files"))
@click.option("--vary", "vary", multiple=True, required=True, metavar="NAME=VALUES", callback=parse_vary,
              shell_complete=completion("parameters"),
              help="A parameter's values: a list 0.25,0.5,1.0 or a range START:STOP:STEP (repeatable).")
@click.option("--zip", "zipped", is_flag=True, help="Pair the lists element by element instead of every combination.")
@click.option("--design", "-d", "designs", multiple=True, shell_complete=completion("designs"),
              help="Only this design (repeatable).")
@click.option("--plot", metavar="METRIC",
              type=click.Choice(("macs", "flops", "params", "activations", *SWEEP_ON_DEVICE)),
              help="Instead of the table, plot METRIC against a varied parameter.")
@click.option("--x", "x_name", metavar="NAME",
              help="With --plot: the parameter along the x axis (default: the first varied).")
@click.option("--width", type=click.IntRange(min=40, max=400), default=72, show_default=True,
              help="With --plot: the plot's width in characters.")
@limit_options
@output_options
@set_option
@click.option("--memory", is_flag=True,
              help="Add each variant's bytes moved, peak activation memory and weights bytes.")
@click.option("--training", "optimizer", type=click.Choice(OPTIMIZERS),
              help="Add training FLOPs and memory with this optimizer (--max-train-memory alone counts adam's).")
@lambda function: device_options(function, several=True)
@click.option("--measure", is_flag=True,
              help="Also time each variant on a runtime here, beside its estimate (at most 16 variants); "
                   "--max-latency then limits the measured time.")
@click.option("--runtime", type=click.Choice(RUNTIME_CHOICES), default="onnxruntime", show_default=True,
              help="With --measure: the runtime to time the variants on (this machine's CPU).")
@click.option("--threads", type=click.IntRange(min=1, max=MAX_THREADS), default=1, show_default=True,
              help="With --measure: threads the runtime may use.")
@click.option("--rounds", type=click.IntRange(min=1, max=100), default=7, show_default=True,
              help="With --measure: interleaved rounds of timing; the median is shown.")
@click.pass_context
def sweep(ctx, spec, vary, zipped, designs, plot, x_name, width, fmt, exact, dtype, convention, settings, memory,
          optimizer, weight_dtype, fused, batch, device, devices_files, measure, runtime, threads, rounds, **limits):
    """A row per variant of SPEC over values of its parameters, with MACs, FLOPs, params and activations.

    \b
    Examples:
      costcalc sweep examples/zoo/mobilenet_keras --vary alpha=0.25,0.5,0.75,1.0 --vary resolution=128:224:32
      costcalc sweep examples/zoo/mobilenet_keras --vary alpha=0.5,1.0 --vary resolution=128:224:32 --plot macs
      costcalc sweep examples/zoo/mobilenet_v2_keras --vary alpha=0.35,0.5,1.0 --max-macs 300M
      costcalc sweep examples/zoo/mobilenet_v2_keras --vary alpha=0.35,0.5,1.0 --device jetson-nano --max-latency 20ms
      costcalc sweep examples/zoo/mobilenet_keras --vary alpha=0.25,0.5,1.0 --measure --max-latency 5ms

    With a budget (the spec's, or --max-* flags), marks which variants fit and names the largest;
    exit status 1 when none fits.
    """
    from ..spec.reader import read_text
    from ..sweep import render
    from ..sweep.device import Measure, OnDevice
    from ..sweep.run import sweep as run_sweep

    if plot and fmt != "text":
        raise click.UsageError("--plot draws text in place of the table; leave out --format")
    if measure and fused:
        raise click.UsageError("--fused: with --measure the estimate is fused as the runtime runs the model "
                               "(onnxruntime folds, torch does not); leave out --fused")
    if not measure and (given := flags_given(ctx, "runtime", "threads", "rounds")):
        raise click.UsageError(f"{', '.join(given)}: these time the variants, with --measure; add --measure")
    text, filename = read_text(spec)
    flags = {metric: value for metric, value in limits.items() if value is not None}
    on_device = OnDevice(DeviceSettings(dtype, weight_dtype, fused, batch, optimizer), device, devices_files,
                         asked=bool(memory or device or optimizer or measure) or plot in SWEEP_ON_DEVICE,
                         measure=Measure(runtime, threads, rounds) if measure else None)
    result = run_sweep(text, filename, vary, zipped, settings, designs or None, flags, DTYPES[dtype], convention,
                       on_device)
    if plot:
        from ..sweep.plot import plot_sweep

        click.echo(plot_sweep(result, plot, x_name, width), nl=False)
    else:
        emit(fmt, lambda: render.sweep_views(result, exact),
             {"json": lambda: render.sweep_json(result), "csv": lambda: render.sweep_csv(result)})
    if result.budgeted and result.largest is None:
        sys.exit(EXIT_OVER_BUDGET)
