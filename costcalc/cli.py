"""The command line: parses flags, reads specs, renders, and decides exit codes. Nothing else."""

from __future__ import annotations

import atexit
import gc
import sys

gc.set_threshold(100_000, 50, 50)  # before the imports: a spec of 200,000 layers allocates millions of objects, few
# cycles; at Python's default (700) the collector took some 40% of the time (and 4% of a small report's start-up,
# imports included), traversing them again and again
atexit.register(gc.freeze)  # at exit the objects still alive are left to the operating system: Python's last
# collection would traverse every one of them (a twentieth of a small report's instructions)

import click

from . import __version__

EXIT_OK, EXIT_OVER_BUDGET, EXIT_BAD_INPUT = 0, 1, 2
FORMAT_KEY = "costcalc.format"
"""Where a command's --format is kept (ctx.meta), for the error handler."""

COMMANDS = {"check": "check.check", "compare": "compare.compare", "conventions": "conventions.conventions",
            "devices": "devices.devices", "diff": "diff.diff", "draw": "draw.draw", "examples": "examples.examples",
            "explain": "explain.explain", "export": "export.export_command", "import": "import_model.import_command",
            "measure": "measure.measure_command", "report": "report.report", "schema": "schema.schema",
            "sweep": "sweep.sweep"}
"""Each command and where it is defined (a module of costcalc.commands and its function), imported when that
command runs or --help lists it: start-up makes the options of the command asked for only (click's lazy group)."""


def exit_code(error: Exception) -> int:
    """The one place failures become exit codes: a bad spec, bad flags or a bad file is 2."""
    from .errors import CostcalcError

    return EXIT_BAD_INPUT if isinstance(error, (CostcalcError, click.UsageError)) else 1


class Commands(click.Group):
    """Reports costcalc's own errors as one line on stderr, never a traceback, and never fails on an encoding;
    loads each command from COMMANDS when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        from importlib import import_module

        module, function = COMMANDS[name].split(".")
        return getattr(import_module(f"costcalc.commands.{module}"), function)

    def main(self, *args, **kwargs):
        from .show.terminal import encode_safely

        encode_safely(sys.stdout)
        encode_safely(sys.stderr)
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context):
        from .errors import CostcalcError

        try:
            return super().invoke(ctx)
        except CostcalcError as error:
            if ctx.meta.get(FORMAT_KEY) == "markdown":  # a job summary built from stdout says what went wrong too
                from .show.render import markdown_error

                click.echo(markdown_error(error), nl=False)
            click.echo(str(error), err=True)
            ctx.exit(exit_code(error))


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="costcalc")
def main():
    """What a CNN design costs: shapes, MACs, FLOPs, parameters and activations, from a YAML spec.

    \b
    Examples:
      costcalc examples
      costcalc compare examples/bottleneck_5x5
      costcalc report examples/googlenet_3a --design reduced --depth 1

    Exit status: 0 fine, 1 over budget, 2 bad spec or usage.
    """


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
