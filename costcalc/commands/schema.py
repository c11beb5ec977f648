"""`costcalc schema`: the JSON Schema of the spec format."""

from __future__ import annotations

import click


@click.command(short_help="The JSON Schema of the spec format, for editors.")
def schema():
    """Print the JSON Schema of the spec format, for editors that validate and complete specs.

    \b
    Example:
      costcalc schema > costcalc-spec.schema.json
    and, on the first line of a spec:
      # yaml-language-server: $schema=costcalc-spec.schema.json
    """
    import json

    from ..spec.schema import spec_schema

    click.echo(json.dumps(spec_schema(), indent=2, ensure_ascii=False))
