"""`costcalc examples`: the shipped specs."""

from __future__ import annotations

import click

from ..safe import brief
from .options import completion


@click.command(short_help="The example specs shipped with costcalc.")
@click.argument("name", required=False, shell_complete=completion("example_names"))
def examples(name):
    """The example specs shipped with costcalc: their names, or with NAME the spec itself, to copy and edit.

    Any command reads a shipped spec as examples/NAME, wherever costcalc is installed.

    \b
    Examples:
      costcalc examples
      costcalc compare examples/bottleneck_5x5
      costcalc examples zoo/resnet50_keras > my_resnet.yaml
    """
    from ..errors import CostcalcError
    from ..spec.examples import PREFIX, catalog, shipped, titles

    if name is None:
        from ..show.render import listing
        from ..show.table_layout import console_width

        click.echo(listing({PREFIX + known: about for known, about in titles().items()}, console_width()), nl=False)
        return
    spec = shipped(name if name.startswith(PREFIX) else PREFIX + name)
    if spec is None:
        from ..suggest import did_you_mean

        raise CostcalcError(f"no example named {brief(name)}",
                            hint=did_you_mean(name, list(catalog())) or "costcalc examples lists them")
    click.echo(spec.read_text(encoding="utf-8"), nl=False)
