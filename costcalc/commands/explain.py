"""`costcalc explain`: each layer's formula with the numbers put in."""

from __future__ import annotations

import itertools

import click

from ..device.settings import DTYPES, DeviceSettings
from .options import completion, convention_option, device_options, format_option, set_option
from .steps import load_and_analyze, pick_devices


@click.command(short_help="Each layer's formula, with the numbers put in.")
@click.argument("spec", type=click.Path(path_type=str), shell_complete=completion("spec_files"))
@click.option("--design", "-d", "designs", multiple=True, shell_complete=completion("designs"),
              help="Only this design (repeatable).")
@click.option("--layer", metavar="PATH", shell_complete=completion("layers"),
              help="Only the row at this path (and the rows under it), as report shows it.")
@format_option(("text", "markdown"))
@click.option("--receptive-field", "receptive", is_flag=True,
              help="Add each layer's receptive field: the recurrence with the numbers put in.")
@click.option("--dtype", type=click.Choice(list(DTYPES)), default="float32", show_default=True,
              help="Element type of activations, for --device.")
@device_options
@convention_option
@set_option
def explain(spec, designs, layer, fmt, receptive, settings, dtype, weight_dtype, fused, batch, device, devices_files,
            convention):
    """Where the numbers come from: per layer the formula, the numbers put in and the result.

    \b
    Example:
      costcalc explain examples/bottleneck_5x5 --design bottleneck
    """
    from ..device.profiles import origins
    from ..show.table_layout import console_width
    from ..teach import explain as boards

    loaded, analysis = load_and_analyze(spec, None, designs, dtype, convention, settings)
    chosen = pick_devices((device,) if device else (), devices_files, loaded)  # one at most
    explanation = boards.explain(analysis, layer, receptive, chosen[0] if chosen else None,
                                 settings=DeviceSettings(dtype, weight_dtype, fused, batch),
                                 devices=origins(chosen, loaded))
    chunks = boards.text_chunks(explanation, console_width()) if fmt == "text" else boards.markdown_chunks(explanation)
    while written := "".join(itertools.islice(chunks, 2000)):  # written as it is made, in batches
        click.echo(written, nl=False)
