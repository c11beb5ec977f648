"""`costcalc check`: designs against their budgets and growth limits."""

from __future__ import annotations

import click

from ..cli import EXIT_OK, EXIT_OVER_BUDGET, exit_code
from ..device.settings import DTYPES, OPTIMIZERS, DeviceSettings
from .options import (
    completion,
    convention_option,
    device_options,
    format_option,
    limit_options,
    parse_growth_flags,
    set_option,
)
from .steps import emit

CHECK_FORMATS = ("text", "json", "markdown", "github", "junit", "junit-lines")


@click.command(short_help="Check designs against their budgets and growth limits.")
@click.argument("specs", nargs=-1, required=True, type=click.Path(path_type=str),
                shell_complete=completion("spec_files"))
@limit_options
@click.option("--design", "-d", "designs", multiple=True, shell_complete=completion("designs"),
              help="Only this design (repeatable).")
@format_option(CHECK_FORMATS, "text (or table) for people, json for scripts, markdown for a pull request, "
                              "github for workflow annotations, junit for CI (strict JUnit schema), "
                              "junit-lines with each case's file and line too.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing when every budget holds.")
@click.option("--against", metavar="BASELINE",
              help="Check growth over a baseline: another spec, a json report, or git:REV (this spec at a revision).")
@click.option("--max-growth", "growth", multiple=True, metavar="METRIC=LIMIT", callback=parse_growth_flags,
              help="With --against: how much METRIC may grow, such as macs=2%, params=0 or latency=5% "
                   "(repeatable; latency needs --device).")
@click.option("--require-baseline", is_flag=True,
              help="With --against: fail (exit 1) when a spec or design is not in the baseline, "
                   "instead of checking its other budgets only.")
@click.option("--dtype", type=click.Choice(list(DTYPES)), default="float32", show_default=True,
              help="Element type of activations, for the device metrics.")
@click.option("--optimizer", type=click.Choice(OPTIMIZERS), default="adam", show_default=True,
              help="The optimizer whose state train_memory counts.")
@device_options
@convention_option
@set_option
@click.pass_context
def check(ctx, specs, designs, fmt, quiet, against, growth, require_baseline, convention, settings, dtype, optimizer,
          weight_dtype, fused, batch, device, devices_files, **limits):
    """Check each SPEC's designs against their budgets: the spec's budget:, or --max-* flags.

    \b
    Examples:
      costcalc check examples/bottleneck_5x5
      costcalc examples bottleneck_5x5 > model.yaml
      costcalc check model.yaml examples/googlenet_3a --max-macs 600M --max-activation-bytes 2MiB --format github
      costcalc check model.yaml --design bottleneck --against examples/bottleneck_5x5 --max-growth macs=2%

    In a git repository, --against git:origin/main takes the same file at that revision as the baseline.

    A spec or design missing from the baseline (new, or renamed) has its other budgets checked and its
    growth reported as not checked.

    Exit status: 0 every budget checked holds, 1 a budget is exceeded (or, with --require-baseline,
    a baseline is missing), 2 a bad spec, no budget or bad usage.
    """
    from ..show import check_render
    from ..tasks.check import check_file

    if (growth or require_baseline) and against is None:
        flag = "--max-growth" if growth else "--require-baseline"
        raise click.UsageError(f"{flag} needs a baseline: --against SPEC, --against REPORT.json or --against git:REV")
    if against is not None and not against.startswith("git:") and len(specs) > 1:
        raise click.UsageError("--against FILE is the baseline of one SPEC; for several, use --against git:REV")
    flags = {metric: value for metric, value in limits.items() if value is not None}
    on_device = DeviceSettings(dtype, weight_dtype, fused, batch, optimizer)
    checks = []
    for path in specs:
        checks.append(check_render.in_command_words(check_file(path, flags, designs, convention, against, growth,
                                                               on_device, settings, require_baseline, device,
                                                               devices_files)))
        if checks[-1].error and fmt != "github":  # its annotation says it (in a workflow log, stderr runs commands)
            click.echo(str(checks[-1].error), err=True)
    failed = any(c.failed for c in checks)
    if not (quiet and not failed and not any(c.error for c in checks)):
        emit(fmt, lambda: check_render.check_views(checks),
             {"markdown": lambda: check_render.check_markdown(checks), "json": lambda: check_render.check_json(checks),
              "github": lambda: check_render.check_github(checks), "junit": lambda: check_render.check_junit(checks),
              "junit-lines": lambda: check_render.check_junit(checks, lines=True)})
    codes = [exit_code(c.error) for c in checks if c.error] + [EXIT_OVER_BUDGET] * failed
    ctx.exit(max(codes, default=EXIT_OK))
