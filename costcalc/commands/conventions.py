"""`costcalc conventions`: the FLOP conventions and their rules."""

from __future__ import annotations

import click

from .options import format_option
from .steps import emit


@click.command(short_help="The FLOP conventions and their rules.")
@format_option(("text", "json", "markdown"))
def conventions(fmt):
    """The FLOP conventions and each one's rule for each operation kind.

    \b
    Example:
      costcalc conventions
      costcalc report examples/zoo/googlenet_torchvision --convention ptflops
    """
    from ..count.conventions import CONVENTIONS
    from ..show import render, views

    emit(fmt, lambda: views.conventions_views(CONVENTIONS.values()),
         {"json": lambda: render.conventions_json(CONVENTIONS.values())})
