"""`costcalc report`: a row per layer."""

from __future__ import annotations

import click

from ..device.settings import DTYPES, DeviceSettings
from .options import check_convention, completion, device_options, spec_options
from .steps import emit, html_page, load_and_analyze, pick_devices


@click.command(short_help="A row per layer, with subtotals and FLOPs by kind.")
@spec_options
@click.option("--design", "-d", "designs", multiple=True, shell_complete=completion("designs"),
              help="Only this design (repeatable).")
@click.option("--depth", type=click.IntRange(min=0), help="Fold rows deeper than N into their block's subtotal.")
@click.option("--convention-diff", nargs=2, metavar="A B", callback=check_convention,
              help="Instead of the report, FLOPs by operation kind under conventions A and B, side by side.")
@click.option("--receptive-field", "receptive", is_flag=True,
              help="Add each row's receptive field: size, jump (effective stride) and offset, in input pixels.")
@click.option("--memory", is_flag=True,
              help="Add bytes read and written, FLOP per byte and live memory (peak on the total row).")
@device_options
def report(spec, fmt, input_shape, dtype, exact, convention, settings, designs, depth, convention_diff, receptive,
           memory, weight_dtype, fused, batch, device, devices_files):
    """A row per layer of each design, with subtotals per block and branch, and FLOPs by operation kind.

    \b
    Examples:
      costcalc report examples/googlenet_3a --design reduced --depth 1
      costcalc report examples/zoo/resnet50_torchvision --convention-diff fvcore ptflops
    """
    from ..show import render

    if convention_diff:
        from ..show import views
        from ..tasks.convention_diff import convention_diff_file

        one, other = convention_diff
        first, second = convention_diff_file(spec, one, other, input_shape, designs, DTYPES[dtype], settings)
        emit(fmt, lambda: views.convention_diff_views(first, second),
             {"json": lambda: render.convention_diff_json(first, second)})
        return
    loaded, analysis = load_and_analyze(spec, input_shape, designs, dtype, convention, settings)
    extra = None
    if receptive:
        from ..show.receptive import receptive_columns

        extra = receptive_columns(analysis)
    roofline = None
    if memory or device:
        from ..device.figures import on_device
        from ..show.device import device_columns

        chosen = pick_devices((device,) if device else (), devices_files, loaded)
        runs = {d.name: on_device(d, DeviceSettings(dtype, weight_dtype, fused, batch), *chosen[:1])
                for d in analysis.designs}  # computed once: the columns and the roofline chart read them
        more = device_columns(runs.values(), exact, loaded)
        extra = extra + more if extra else more
        if device and fmt == "html":
            from ..draw.roofline_chart import roofline_svg

            def roofline(design):
                return roofline_svg(runs[design.name])

    def table():
        from ..show.views import report_views  # not imported by a json or csv report

        return report_views(analysis, depth, exact, extra)

    emit(fmt, table,
         {"json": lambda: render.report_json(analysis, depth, extra),
          "csv": lambda: render.report_csv(analysis, depth, extra),
          "html": lambda: html_page().report_page(analysis, depth, exact, extra, roofline)})
