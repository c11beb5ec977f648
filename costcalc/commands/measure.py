"""`costcalc measure`: each design timed on a runtime here."""

from __future__ import annotations

import click

from ..limits import MAX_THREADS
from .options import RUNTIME_CHOICES, completion, format_option, parse_input, set_option
from .steps import emit


@click.command("measure", short_help="Time each design on a runtime here, beside its estimate.")
@click.argument("spec", type=click.Path(path_type=str), shell_complete=completion("spec_files"))
@click.option("--runtime", type=click.Choice(RUNTIME_CHOICES), default="onnxruntime", show_default=True,
              help="The runtime to time the designs on (this machine's CPU).")
@click.option("--design", "-d", "designs", multiple=True, shell_complete=completion("designs"),
              help="Only this design (repeatable).")
@click.option("--batch", type=click.IntRange(min=1, max=1024), default=1, show_default=True, help="Samples per run.")
@click.option("--threads", type=click.IntRange(min=1, max=MAX_THREADS), default=1, show_default=True,
              help="Threads the runtime may use.")
@click.option("--dtype", type=click.Choice(["float32"]), default="float32", show_default=True,
              help="Element type the models run at (exported models are float32).")
@click.option("--layers", is_flag=True, help="Add each layer's time by the runtime's profiler beside its estimate.")
@click.option("--rounds", type=click.IntRange(min=1, max=100), default=7, show_default=True,
              help="Interleaved rounds of timing; the median is shown.")
@click.option("--device", metavar="NAME", shell_complete=completion("devices"),
              help="Estimate on this device (default: this machine, measured now with numpy).")
@click.option("--devices", "devices_files", multiple=True, metavar="FILE", type=click.Path(path_type=str),
              help="More devices from a JSON file (repeatable), such as `devices calibrate --runtime` writes.")
@click.option("--input", "input_shape", metavar="H,W,C", callback=parse_input,
              help="Run on this input instead of the spec's.")
@set_option
@format_option(("text", "json", "csv", "markdown"))
def measure_command(spec, runtime, designs, batch, threads, dtype, layers, rounds, device, devices_files, input_shape,
                    settings, fmt):
    """Time each design of SPEC on a runtime on this machine, and show it beside its estimated latency.

    Each design is exported (costcalc export) and run with random weights: a warm-up, then interleaved
    rounds across the designs; the median and the fastest and slowest round are shown. onnxruntime
    comes with `pip install 'costcalc[runtime]'`; torch is used when installed.

    \b
    Examples:
      costcalc measure examples/bottleneck_5x5
      costcalc measure examples/bottleneck_5x5 --design separable --layers --device a100
      costcalc measure examples/bottleneck_5x5 --threads 2 --rounds 3 --format json
    """
    from ..show import measured as shown
    from ..tasks.measure import measure_file

    found = measure_file(spec, runtime, designs, batch, threads, dtype, layers, device, devices_files, settings,
                         input_shape, rounds)
    emit(fmt, lambda: shown.measured_views(found),
         {"json": lambda: shown.measured_json(found), "csv": lambda: shown.measured_csv(found)})
