"""`costcalc draw`: a diagram of a design."""

from __future__ import annotations

import click

from ..device.settings import DTYPES, DeviceSettings
from ..safe import brief
from .options import completion, device_options, flags_given, parse_input, set_option
from .steps import write_output


@click.command(short_help="A diagram of a design, as SVG or an HTML page.")
@click.argument("spec", type=click.Path(path_type=str), shell_complete=completion("spec_files"))
@click.option("--output", "-o", required=True, metavar="FILE",
              help="Where to write: FILE.svg (the diagram) or FILE.html (a page with it); - prints the SVG.")
@click.option("--design", "-d", "designs", multiple=True, shell_complete=completion("designs"),
              help="The design to draw (default: the spec's baseline); repeat it to draw several side by side, "
                   "or --design all for every design.")
@click.option("--depth", type=click.IntRange(min=0), help="Fold rows deeper than N into their block's box.")
@click.option("--input", "input_shape", metavar="H,W,C", callback=parse_input,
              help="Draw on this input instead of the spec's.")
@set_option
@click.option("--dtype", type=click.Choice(list(DTYPES)), default="float32", show_default=True,
              help="Element type of activations, for --device (and the page's activation bytes).")
@device_options
@click.pass_context
def draw(ctx, spec, output, designs, depth, input_shape, settings, dtype, weight_dtype, fused, batch, device,
         devices_files):
    """A diagram of a design: layers and blocks as boxes filled by their share of the MACs, branches side by side.

    With --device, boxes are filled by their share of the estimated latency on that device, and show its time.
    Several designs are drawn side by side, each filled by its own shares.

    \b
    Examples:
      costcalc draw examples/googlenet_3a --design reduced -o 3a.svg
      costcalc draw examples/bottleneck_5x5 --design all -o designs.svg
      costcalc draw examples/zoo/resnet50_keras --depth 1 -o resnet50.html
      costcalc draw examples/bottleneck_5x5 --design separable --device a100 --batch 8 -o separable.svg
    """
    from ..tasks.draw import draw_file

    kind = "svg" if output == "-" else output.rpartition(".")[2].lower()
    if kind not in ("svg", "html"):
        raise click.UsageError(f"--output {brief(output)}: name a .svg or .html file, or - for SVG on standard output")
    if (given := flags_given(ctx, "batch", "fused", "weight_dtype")) and not device:
        raise click.UsageError(f"{given[0]} changes only the latency fill, which needs a device: "
                               "add --device NAME (costcalc devices lists them)")
    text = draw_file(spec, kind, designs, depth, input_shape, settings,
                     DeviceSettings(dtype, weight_dtype, fused, batch),
                     device, devices_files)
    write_output(output, text)
