"""`costcalc compare`: the designs of a spec side by side."""

from __future__ import annotations

import click

from ..device.settings import OPTIMIZERS, DeviceSettings
from ..safe import brief
from .options import completion, device_options, spec_options
from .steps import emit, html_page, load_and_analyze, pick_devices


@click.command(short_help="The designs of a spec side by side, with ratios.")
@spec_options
@click.option("--baseline", shell_complete=completion("designs"),
              help="The design that ratios are taken against (default: the spec's baseline).")
@click.option("--design", "-d", "designs", multiple=True, shell_complete=completion("designs"),
              help="Only this design (repeatable).")
@click.option("--depth", type=click.IntRange(min=0), help="Only the branches at most N deep in the table by branch.")
@click.option("--branches/--no-branches", default=None,
              help="Show the table by branch with every branch, or not at all (default: the branches designs share).")
@click.option("--memory", is_flag=True, help="Add each design's bytes moved, peak activation memory and weights bytes.")
@click.option("--training", "optimizer", type=click.Choice(OPTIMIZERS),
              help="Add training MACs, FLOPs and memory (weights, gradients, this optimizer's state, saved "
              "activations).")
@lambda function: device_options(function, several=True)
def compare(spec, fmt, input_shape, dtype, exact, convention, settings, baseline, designs, depth, branches, memory,
            optimizer, weight_dtype, fused, batch, device, devices_files):
    """The designs of a spec side by side, with ratios to the baseline and costs by branch.

    \b
    Example:
      costcalc compare examples/bottleneck_5x5 --input 14,14,480
    """
    from ..analyses.compare import compare as compare_designs
    from ..errors import CostcalcError
    from ..show import render, views

    loaded, analysis = load_and_analyze(spec, input_shape, designs, dtype, convention, settings)
    if baseline is not None and baseline not in [d.name for d in analysis.designs]:
        from ..suggest import did_you_mean

        names = [d.name for d in analysis.designs]
        raise CostcalcError(f"--baseline {brief(baseline)} is not a design of {spec}",
                            hint=did_you_mean(baseline, names) or f"designs: {', '.join(names)}")
    comparison = compare_designs(analysis, baseline, branches, depth)
    glance = [views.glance_view(comparison)] if fmt == "text" and len(analysis.designs) > 1 else []
    if memory or device or optimizer:
        from ..device.figures import design_figures
        from ..device.profiles import origins
        from ..show import device as shown

        chosen = pick_devices(device, devices_files, loaded)
        figures = design_figures(analysis, DeviceSettings(dtype, weight_dtype, fused, batch, optimizer), chosen)
        whence = origins(chosen, loaded)
        emit(fmt, lambda: views.compare_views(comparison, exact, per_sample=True) + glance
             + [shown.figures_view(figures, exact, whence)],
             {"json": lambda: render.compare_json(comparison, {n: shown.figures_data(f) for n, f in figures.items()},
                                                  whence),
              "csv": lambda: render.compare_csv(comparison, shown.figures_columns(figures))})
        return
    emit(fmt, lambda: views.compare_views(comparison, exact) + glance,
         {"json": lambda: render.compare_json(comparison), "csv": lambda: render.compare_csv(comparison),
          "html": lambda: html_page().compare_page(comparison, exact)})
