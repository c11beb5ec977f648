"""`costcalc diff`: what changed from one spec (or design) to another."""

from __future__ import annotations

import click

from ..device.settings import DeviceSettings
from ..safe import brief
from .options import completion, device_options, output_options, parse_growth_flags, set_option
from .steps import emit


@click.command(short_help="What changed from OLD to NEW, metric by metric.")
@click.argument("old", type=click.Path(path_type=str), shell_complete=completion("spec_files"))
@click.argument("new", required=False, type=click.Path(path_type=str), shell_complete=completion("spec_files"))
@click.option("--design", "-d", "designs", multiple=True, shell_complete=completion("designs"),
              help="Only this design (repeatable); with one SPEC, or two SPECs without a design in common, "
                   "exactly two: old, then new.")
@click.option("--top", type=click.IntRange(min=0), default=10, show_default=True,
              help="How many of the most changed layers to list per design.")
@output_options
@set_option
@click.option("--memory", is_flag=True, help="Add each design's bytes moved, peak activation memory and weights bytes.")
@click.option("--max-growth", "growth", multiple=True, metavar="METRIC=LIMIT", callback=parse_growth_flags,
              help="Emphasise only the changes past a growth limit, such as macs=2% (repeatable).")
@lambda function: device_options(function, several=True)
def diff(old, new, designs, top, fmt, exact, dtype, convention, settings, memory, growth, weight_dtype, fused, batch,
         device, devices_files):
    """What changed from OLD to NEW: each metric old → new, designs added or removed, the layers that changed most.

    OLD or NEW may be git:REV:PATH: the spec at PATH as it was at a git revision.

    With --memory or --device, also bytes moved, peak activation memory, weights bytes and the
    estimated latency on each device, old → new (a device of a spec's devices: is read from NEW).

    \b
    Examples:
      costcalc diff examples/zoo/resnet50_keras examples/zoo/resnet50_torchvision
      costcalc diff examples/bottleneck_5x5 --design standard --design bottleneck
      costcalc diff examples/bottleneck_5x5 -d standard -d separable --device a100 --device raspberry-pi-5
    """
    from ..show import diff_render
    from ..tasks.diff import diff_files

    if new is None and len(designs) != 2:
        raise click.UsageError("with one SPEC, name the two designs to compare: --design OLD --design NEW")
    result = diff_files(old, new, designs, top, convention, settings, DeviceSettings(dtype, weight_dtype, fused, batch),
                        memory, device, devices_files)
    if new is not None and same_file(old, new):
        click.echo(f"warning: OLD and NEW are the same file ({brief(new)}), so nothing can have changed; "
                   "for an older version, give OLD as git:REV:PATH", err=True)
    emit(fmt, lambda: diff_render.diff_views(result, exact, growth or None),
         {"json": lambda: diff_render.diff_json(result), "csv": lambda: diff_render.diff_csv(result)})


def same_file(old: str, new: str) -> bool:
    """Whether diff's OLD and NEW name one file (or one git:REV:PATH)."""
    import os

    if old == new:
        return True
    try:
        return os.path.samefile(old, new)
    except (OSError, ValueError):  # a git:REV:PATH, an example's name, standard input
        return False
