"""The command line: parses flags, reads specs, renders, and decides exit codes. Nothing else."""

from __future__ import annotations

import gc
import itertools
import sys

gc.set_threshold(100_000, 50, 50)  # before the imports: a spec of 200,000 layers allocates millions of objects, few
# cycles; at Python's default (700) the collector took some 40% of the time (and 4% of a small report's start-up,
# imports included), traversing them again and again

import click

from . import __version__
from .device.settings import DTYPES, OPTIMIZERS, DeviceSettings
from .safe import brief

EXIT_OK, EXIT_OVER_BUDGET, EXIT_BAD_INPUT = 0, 1, 2
FORMATS = ("text", "json", "csv", "markdown", "html")
FORMAT_KEY = "costcalc.format"
"""Where a command's --format is kept (ctx.meta), for the error handler."""


class FormatChoice(click.Choice):
    """A --format choice where `table` is another name for `text`, the format for people."""

    def convert(self, value, param, ctx):
        return super().convert("text" if value == "table" else value, param, ctx)


def format_option(choices, help: str = "Output format (table is another name for text)."):
    def remember(ctx, param, value):
        ctx.meta[FORMAT_KEY] = value
        return value

    return click.option("--format", "fmt", type=FormatChoice(choices), default="text", show_default=True,
                        callback=remember, help=help)


def exit_code(error: Exception) -> int:
    """The one place failures become exit codes: a bad spec, bad flags or a bad file is 2."""
    from .errors import CostcalcError

    return EXIT_BAD_INPUT if isinstance(error, (CostcalcError, click.UsageError)) else 1


class Commands(click.Group):
    """Reports costcalc's own errors as one line on stderr, never a traceback, and never fails on an encoding."""

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


def completion(name: str):
    """A shell_complete callback from costcalc.complete, imported only when Tab is pressed."""

    def complete(ctx, param, incomplete):
        from . import complete as completions

        return getattr(completions, name)(ctx, param, incomplete)

    return complete


def parse_input(ctx, param, value):
    if value is None:
        return None
    try:
        shape = tuple(int(part) for part in value.replace("x", ",").split(","))
    except ValueError:
        shape = ()
    if len(shape) not in (1, 3) or min(shape) <= 0:
        raise click.BadParameter(f"{brief(value)}: give H,W,C or C as positive integers, such as 14,14,480")
    return shape


def check_convention(ctx, param, value):
    """A convention's name, checked on use so that start-up imports no rules."""
    from .count.conventions import CONVENTIONS
    from .suggest import did_you_mean

    for name in (value,) if isinstance(value, str) else value or ():
        if name not in CONVENTIONS:
            hint = did_you_mean(name, CONVENTIONS) or "costcalc conventions lists them"
            raise click.BadParameter(f"{brief(name)} is not a convention; {hint}")
    return value


def convention_option(function):
    return click.option("--convention", default="costcalc", show_default=True, metavar="NAME",
                        callback=check_convention,
                        help="How FLOPs are counted (costcalc, flops2x, flopcounter, fvcore, ptflops, thop); "
                             "`costcalc conventions` shows the rules.")(function)


def parse_settings(ctx, param, values):
    """`--set alpha=0.5` (repeatable) → [(name, text)]; the spec checks names and values."""
    from .spec.params import parse_setting

    try:
        return [parse_setting(value) for value in values]
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def set_option(function):
    return click.option("--set", "settings", multiple=True, metavar="NAME=VALUE", callback=parse_settings,
                        shell_complete=completion("parameters"),
                        help="Set a parameter of the spec's params: (repeatable).")(function)


def output_options(function):
    """The options of commands that print cost tables: report, compare and diff."""
    function = convention_option(function)
    function = click.option("--exact", is_flag=True, help="Full integers instead of 120.4M.")(function)
    function = click.option("--dtype", type=click.Choice(list(DTYPES)), default="float32", show_default=True,
                            help="Element type for activation bytes.")(function)
    return format_option(FORMATS)(function)


def spec_options(function):
    """The options report and compare share: a SPEC, --input, --set and the output options."""
    function = output_options(function)
    function = set_option(function)
    function = click.option("--input", "input_shape", metavar="H,W,C", callback=parse_input,
                            help="Analyse on this input instead of the spec's.")(function)
    return click.argument("spec", type=click.Path(path_type=str), shell_complete=completion("spec_files"))(function)


def device_options(function, several: bool = False):
    """--weight-dtype, --fused, --device (repeatable when `several`) and --devices: what costcalc.device needs."""
    function = click.option("--devices", "devices_files", multiple=True, metavar="FILE", type=click.Path(path_type=str),
                            help="More devices from a JSON file (repeatable); see docs/latency.md.")(function)
    function = click.option("--device", metavar="NAME", multiple=several, shell_complete=completion("devices"),
                            help="Estimate latency on this device (costcalc devices lists them)"
                                 + ("; repeatable." if several else "."))(function)
    function = click.option("--batch", type=click.IntRange(min=1), default=1, show_default=True,
                            help="Samples per batch: activations, bytes and time scale; weights do not.")(function)
    function = click.option("--fused", is_flag=True,
                            help="Fold batchnorm and activations into the conv before them "
                                 "(default: unfused).")(function)
    return click.option("--weight-dtype", type=click.Choice(list(DTYPES)),
                        help="Element type of weights (default: --dtype).")(function)


def pick_devices(names: tuple[str, ...], files: tuple[str, ...], spec=None) -> list:
    """The named devices from the built-in ones, the user's files and the spec's `devices:`."""
    if not names:  # no device: costcalc.device is not imported
        return []
    from .device.profiles import pick

    return pick(names, files, spec)


def load_and_analyze(path: str, input_shape, designs=None, dtype: str = "float32", convention: str = "costcalc",
                     settings=()):
    """The spec at `path` (its parameters set by `settings`) and its analysis."""
    from .count.engine import analyze
    from .spec.reader import load

    loaded = load(path, settings)
    return loaded, analyze(loaded, input_shape, designs or None, DTYPES[dtype], convention)


def flags_given(ctx, *names: str) -> list[str]:
    """The flags among `names` (parameter names) that the command line gave, as typed: `--weight-dtype`."""
    from click.core import ParameterSource

    return [f"--{name.replace('_', '-')}" for name in names
            if ctx.get_parameter_source(name) != ParameterSource.DEFAULT]


def write_output(path: str, content: str | bytes) -> None:
    """`content` into the file `path` (- for standard output); a file that cannot be written is one line."""
    if path == "-":
        click.echo(content, nl=False)
        return
    from .errors import CostcalcError

    try:
        with open(path, "wb") as handle:
            handle.write(content if isinstance(content, bytes) else content.encode())
    except OSError as exc:
        raise CostcalcError(f"{path}: cannot write: {exc.strerror or exc}") from None


def emit(fmt: str, views, forms: dict) -> None:
    """Print the output in format `fmt`: `views()` as a table (and as markdown, unless `forms` has its own),
    or the text of `forms[fmt]()`, the one mapping of a command's other formats to their renderers."""
    from .show import render

    if fmt == "text":
        render.print_views(views())
    elif fmt == "markdown" and fmt not in forms:
        click.echo(render.markdown(views()), nl=False)
    elif fmt not in forms:
        others = ", ".join(["text", "json", "markdown", *(name for name in ("csv", "html") if name in forms)])
        raise click.UsageError(f"this output has no {fmt} form; use --format {others}")
    else:
        click.echo(forms[fmt](), nl=False)


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


@main.command(short_help="A row per layer, with subtotals and FLOPs by kind.")
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
    from .show import render, views

    if convention_diff:
        from .tasks.convention_diff import convention_diff_file

        one, other = convention_diff
        first, second = convention_diff_file(spec, one, other, input_shape, designs, DTYPES[dtype], settings)
        emit(fmt, lambda: views.convention_diff_views(first, second),
             {"json": lambda: render.convention_diff_json(first, second)})
        return
    loaded, analysis = load_and_analyze(spec, input_shape, designs, dtype, convention, settings)
    extra = None
    if receptive:
        from .show.receptive import receptive_columns

        extra = receptive_columns(analysis)
    roofline = None
    if memory or device:
        from .device.figures import on_device
        from .show.device import device_columns

        chosen = pick_devices((device,) if device else (), devices_files, loaded)
        runs = {d.name: on_device(d, DeviceSettings(dtype, weight_dtype, fused, batch), *chosen[:1])
                for d in analysis.designs}  # computed once: the columns and the roofline chart read them
        more = device_columns(runs.values(), exact, loaded)
        extra = extra + more if extra else more
        if device and fmt == "html":
            from .draw.roofline_chart import roofline_svg

            def roofline(design):
                return roofline_svg(runs[design.name])
    emit(fmt, lambda: views.report_views(analysis, depth, exact, extra),
         {"json": lambda: render.report_json(analysis, depth, extra),
          "csv": lambda: render.report_csv(analysis, depth, extra),
          "html": lambda: html_page().report_page(analysis, depth, exact, extra, roofline)})


@main.command(short_help="The designs of a spec side by side, with ratios.")
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
    from .analyses.compare import compare as compare_designs
    from .errors import CostcalcError
    from .show import render, views

    loaded, analysis = load_and_analyze(spec, input_shape, designs, dtype, convention, settings)
    if baseline is not None and baseline not in [d.name for d in analysis.designs]:
        from .suggest import did_you_mean

        names = [d.name for d in analysis.designs]
        raise CostcalcError(f"--baseline {brief(baseline)} is not a design of {spec}",
                            hint=did_you_mean(baseline, names) or f"designs: {', '.join(names)}")
    comparison = compare_designs(analysis, baseline, branches, depth)
    glance = [views.glance_view(comparison)] if fmt == "text" and len(analysis.designs) > 1 else []
    if memory or device or optimizer:
        from .device.figures import design_figures
        from .device.profiles import origins
        from .show import device as shown

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


LIMIT_FLAGS = {  # metric → what its --max-* flag limits; the same metrics as a spec's budget:
    "macs": "MACs", "flops": "FLOPs", "params": "parameters (trainable + non-trainable)",
    "trainable_params": "trainable parameters", "activations": "activation elements",
    "activation_bytes": "activation bytes (512K, 2MB, 2MiB)",
}
DEVICE_LIMIT_FLAGS = {  # the device metrics of a budget, figured by costcalc.device (docs/latency.md)
    "latency": "estimated latency on --device (5ms, 200us)",
    "bytes_moved": "bytes read and written by every layer (64MiB)", "peak_memory": "peak activation memory (2MiB)",
    "weights_bytes": "weights bytes, the model's size (4MB)", "train_memory": "training memory (1GiB)",
}
CHECK_FORMATS = ("text", "json", "markdown", "github", "junit", "junit-lines")


def parse_limit(ctx, param, value):
    if value is None:
        return None
    from .spec.budget import limit_amount

    try:
        return limit_amount(param.name, value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def limit_options(function):
    """--max-macs … --max-activation-bytes, each passed as its metric's name."""
    for metric, what in reversed({**LIMIT_FLAGS, **DEVICE_LIMIT_FLAGS}.items()):
        flag = "--max-" + metric.replace("_", "-")
        function = click.option(flag, metric, metavar="FIGURE", callback=parse_limit,
                                help=f"Limit on {what}; wins over the spec's budget.")(function)
    return function


def parse_growth_flags(ctx, param, values):
    """`--max-growth macs=2%` (repeatable) → metric → Growth."""
    from .spec.budget import growth_setting

    try:
        return dict(growth_setting(value) for value in values)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command(short_help="Check designs against their budgets and growth limits.")
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
    from .show import check_render
    from .tasks.check import check_file

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


@main.command(short_help="Each layer's formula, with the numbers put in.")
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
    from .device.profiles import origins
    from .show.table_layout import console_width
    from .teach import explain as boards

    loaded, analysis = load_and_analyze(spec, None, designs, dtype, convention, settings)
    chosen = pick_devices((device,) if device else (), devices_files, loaded)  # one at most
    explanation = boards.explain(analysis, layer, receptive, chosen[0] if chosen else None,
                                 settings=DeviceSettings(dtype, weight_dtype, fused, batch),
                                 devices=origins(chosen, loaded))
    chunks = boards.text_chunks(explanation, console_width()) if fmt == "text" else boards.markdown_chunks(explanation)
    while written := "".join(itertools.islice(chunks, 2000)):  # written as it is made, in batches
        click.echo(written, nl=False)


@main.command(short_help="What changed from OLD to NEW, metric by metric.")
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
    from .show import diff_render
    from .tasks.diff import diff_files

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


def html_page():
    """costcalc.draw.html, imported only when a page is asked for."""
    from .draw import html

    return html


@main.command(short_help="A diagram of a design, as SVG or an HTML page.")
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
    from .tasks.draw import draw_file

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


@main.command("export", short_help="A design as an ONNX model, or PyTorch or Keras code.")
@click.argument("spec", type=click.Path(path_type=str), shell_complete=completion("spec_files"))
@click.option("--to", "target", type=click.Choice(["onnx", "pytorch", "keras"]), required=True,
              help="onnx (a model with weights), pytorch (an nn.Module) or keras (a functional-API builder).")
@click.option("--output", "-o", required=True, metavar="FILE",
              help="Where to write the model (.onnx) or the code (.py); - prints the code.")
@click.option("--design", "-d", shell_complete=completion("designs"),
              help="The design to export (default: the spec's baseline).")
@click.option("--input", "input_shape", metavar="H,W,C", callback=parse_input,
              help="Export for this input instead of the spec's.")
@set_option
@click.option("--weights", type=click.Choice(["random", "zeros", "none"]), default="random", show_default=True,
              help="ONNX weights: seeded random values (the same file every time), zeros, or none (graph inputs "
                   "with their shapes and no values, as torch.onnx.export(export_params=False): a small file to "
                   "count).")
@click.option("--figures", is_flag=True,
              help="ONNX: put costcalc's figures on each node, and write NAME.netron.json beside NAME.onnx for Netron "
                   "(docs/bridges.md).")
@click.option("--dtype", type=click.Choice(list(DTYPES)), default="float32", show_default=True,
              help="Element type of activations, for --figures (bytes moved, latency).")
@device_options
@click.pass_context
def export_command(ctx, spec, target, output, design, input_shape, settings, weights, figures, dtype, weight_dtype,
                   fused, batch, device, devices_files):
    """Write a design as an ONNX model, a PyTorch nn.Module or a Keras builder, to train or run it.

    ONNX tensors are NCHW: a spec's [H, W, C] input is [1, C, H, W]. Each node is named by its layer's path.

    \b
    Examples:
      costcalc export examples/zoo/mobilenet_v2_keras --to onnx -o mobilenet_v2.onnx
      costcalc export examples/bottleneck_5x5 --design separable --to pytorch -o separable.py
      costcalc export examples/bottleneck_5x5 --to onnx --figures --device a100 -o bottleneck.onnx
    """
    from .tasks.export import export_file

    if (onnx_only := flags_given(ctx, "weights", "figures")) and target != "onnx":
        raise click.UsageError(f"{onnx_only[0]} is for --to onnx")
    if (device_flags := flags_given(ctx, "device", "batch", "fused", "weight_dtype", "dtype")) and not figures:
        raise click.UsageError(f"{device_flags[0]} sets the figures: add --figures")
    if output == "-" and target == "onnx":
        raise click.UsageError("--output -: an ONNX model is binary; name a .onnx file")
    exported = export_file(spec, target, design, input_shape, settings, weights, figures,
                           DeviceSettings(dtype, weight_dtype, fused, batch), device, devices_files)
    write_output(output, exported.content)
    if exported.netron is not None:
        from .bridges.netron import attachment_name

        write_output(attachment_name(output), exported.netron)


RUNTIME_CHOICES = ("onnxruntime", "torch")


@main.command("measure", short_help="Time each design on a runtime here, beside its estimate.")
@click.argument("spec", type=click.Path(path_type=str), shell_complete=completion("spec_files"))
@click.option("--runtime", type=click.Choice(RUNTIME_CHOICES), default="onnxruntime", show_default=True,
              help="The runtime to time the designs on (this machine's CPU).")
@click.option("--design", "-d", "designs", multiple=True, shell_complete=completion("designs"),
              help="Only this design (repeatable).")
@click.option("--batch", type=click.IntRange(min=1, max=1024), default=1, show_default=True, help="Samples per run.")
@click.option("--threads", type=click.IntRange(min=1, max=256), default=1, show_default=True,
              help="Threads the runtime may use.")
@click.option("--dtype", type=click.Choice(["float32"]), default="float32", show_default=True,
              help="Element type the models run at (exported models are float32).")
@click.option("--layers", is_flag=True, help="Add each layer's time by the runtime's profiler beside its estimate.")
@click.option("--rounds", type=click.IntRange(min=1, max=100), default=7, show_default=True,
              help="Interleaved rounds of timing; the median is shown.")
@click.option("--device", metavar="NAME", shell_complete=completion("devices"),
              help="Estimate on this device (default: this machine, measured now with numpy).")
@click.option("--devices", "devices_files", multiple=True, metavar="FILE", type=click.Path(path_type=str),
              help="More devices from a JSON file (repeatable), such as `devices calibrate --runtime` writes.")
@click.option("--input", "input_shape", metavar="H,W,C", callback=parse_input,
              help="Run on this input instead of the spec's.")
@set_option
@format_option(("text", "json", "csv", "markdown"))
def measure_command(spec, runtime, designs, batch, threads, dtype, layers, rounds, device, devices_files, input_shape,
                    settings, fmt):
    """Time each design of SPEC on a runtime on this machine, and show it beside its estimated latency.

    Each design is exported (costcalc export) and run with random weights: a warm-up, then interleaved
    rounds across the designs; the median and the fastest and slowest round are shown. onnxruntime
    comes with `pip install 'costcalc[runtime]'`; torch is used when installed.

    \b
    Examples:
      costcalc measure examples/bottleneck_5x5
      costcalc measure examples/bottleneck_5x5 --design separable --layers --device a100
      costcalc measure examples/bottleneck_5x5 --threads 2 --rounds 3 --format json
    """
    from .show import measured as shown
    from .tasks.measure import measure_file

    found = measure_file(spec, runtime, designs, batch, threads, dtype, layers, device, devices_files, settings,
                         input_shape, rounds)
    emit(fmt, lambda: shown.measured_views(found),
         {"json": lambda: shown.measured_json(found), "csv": lambda: shown.measured_csv(found)})


@main.command(short_help="The JSON Schema of the spec format, for editors.")
def schema():
    """Print the JSON Schema of the spec format, for editors that validate and complete specs.

    \b
    Example:
      costcalc schema > costcalc-spec.schema.json
    and, on the first line of a spec:
      # yaml-language-server: $schema=costcalc-spec.schema.json
    """
    import json

    from .spec.schema import spec_schema

    click.echo(json.dumps(spec_schema(), indent=2, ensure_ascii=False))


@main.command("import", short_help="A spec from an ONNX file, a Keras model or PyTorch code.")
@click.argument("model", type=click.Path(path_type=str))
@click.option("--output", "-o", metavar="SPEC.yaml", help="Where to write the spec (default: standard output).")
@click.option("--input", "input_shape", metavar="H,W,C", callback=parse_input,
              help="The input of a model built by code (module:callable).")
def import_command(model, output, input_shape):
    """A spec that reproduces MODEL: an ONNX file, a Keras model (.keras, or model.to_json() as .json),
    or module:callable that builds a PyTorch model (needs torch).

    Every operator is written as costcalc's layers, or refused in one line; the spec's parameters
    and MACs are the file's. A Keras model reads as `costcalc import efficientnet.keras` and, where
    torch is installed, code as `costcalc import torchvision.models:resnet18 --input 224,224,3`.

    \b
    Examples:
      costcalc export examples/bottleneck_5x5 --design separable --to onnx -o separable.onnx
      costcalc import separable.onnx -o separable.yaml
    """
    from .bridges.framework import import_source

    write_output(output or "-", import_source(model, input_shape).text)


@main.group(invoke_without_command=True, short_help="The devices latency is estimated on.")
@click.option("--devices", "devices_files", multiple=True, metavar="FILE", type=click.Path(path_type=str),
              help="More devices from a JSON file (repeatable).")
@format_option(("text", "json", "markdown"))
@click.pass_context
def devices(ctx, devices_files, fmt):
    """The devices latency is estimated on: peak dense throughput per dtype, bandwidth, and sources.

    \b
    Examples:
      costcalc devices
      costcalc devices measure --name mine > mine.json
      costcalc report examples/bottleneck_5x5 --device mine --devices mine.json
    """
    if ctx.invoked_subcommand is not None:
        return
    from .device.profiles import all_devices
    from .show import device as shown

    found = all_devices(devices_files)
    emit(fmt, lambda: [shown.devices_view(found)], {"json": lambda: shown.devices_json(found)})


@devices.command(short_help="Measure this machine's throughput and bandwidth.")
@click.option("--name", default="this-machine", show_default=True, help="The name of the measured device.")
@click.option("--seconds", type=click.FloatRange(min=0.1), default=2.0, show_default=True,
              help="Roughly how long each measurement runs.")
def measure(name, seconds):
    """Measure this machine with numpy: float32 matrix-multiply throughput and streaming bandwidth.

    Prints a devices file with one device; save it and pass it with --devices.

    \b
    Example:
      costcalc devices measure --name mine > mine.json
      costcalc report examples/bottleneck_5x5 --device mine --devices mine.json
    """
    from .device.measure import measure_profile

    click.echo(measure_profile(name, seconds), nl=False)


def parse_budget(ctx, param, value) -> float:
    """Seconds from `5m`, `90s` or `1.5m`."""
    import re

    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(s|m)\s*", value or "")
    if not match or float(match[1]) <= 0:
        raise click.BadParameter(f"{brief(value)}: give a positive time in seconds or minutes, such as 90s or 5m")
    return float(match[1]) * (60 if match[2] == "m" else 1)


@devices.command(short_help="Fit a device to layers timed on your runtime.")
@click.argument("timings", type=click.Path(path_type=str), required=False)
@click.option("--runtime", type=click.Choice(RUNTIME_CHOICES),
              help="Time a grid of layers here on this runtime, instead of reading TIMINGS.")
@click.option("--threads", type=click.IntRange(min=1, max=256), default=1, show_default=True,
              help="Threads the runtime may use (with --runtime).")
@click.option("--budget", default="5m", show_default=True, callback=parse_budget,
              help="Stop timing the grid when this is spent, such as 90s or 5m (with --runtime).")
@click.option("--grid", "grid_name", type=click.Choice(["small", "full", "tiny"]), default="small", show_default=True,
              help="The grid of layers to time (with --runtime): small, full, or tiny (five layers: a smoke test).")
@click.option("--device", "base", metavar="NAME", shell_complete=completion("devices"),
              help="The device to calibrate, such as the one `costcalc devices measure` gave (with --runtime, "
                   "default: this machine measured now).")
@click.option("--devices", "devices_files", multiple=True, metavar="FILE", type=click.Path(path_type=str),
              help="More devices from a JSON file (repeatable).")
@click.option("--name", help="The calibrated device's name  [default: NAME-calibrated; with --runtime, "
                             "RUNTIME-N-thread(s)]")
@click.pass_context
def calibrate(ctx, timings, runtime, threads, budget, grid_name, base, devices_files, name):
    """Fit a device to single layers timed on the runtime that runs them: timed here with --runtime, or
    read from TIMINGS (a JSON file).

    With --runtime onnxruntime or torch, costcalc times a grid of single layers itself, each exported
    as `costcalc measure` exports designs (on onnxruntime, convolutions with the batchnorm, activation or
    add that onnxruntime folds into them), and 14 whole networks, layer by layer in the runtime's
    profiler, and prints the calibrated device: it records the runtime, its version, the threads, this
    machine and the date. A progress bar shows on a terminal. Its base is --device, or this machine as
    `costcalc devices measure` finds it. It takes about a minute; --budget stops the grid sooner.
    Estimate with --fused on a device made on onnxruntime, as onnxruntime runs layers.

    \b
      costcalc devices calibrate --runtime onnxruntime --threads 1 > ort.json
      costcalc report examples/bottleneck_5x5 --devices ort.json --device onnxruntime-1-thread --fused

    TIMINGS lists layers as a spec writes them, each with its input and the seconds it took alone
    on your runtime (after a warm-up, the median of several runs): layers of the kinds and sizes
    your networks have, and one tiny layer, whose time is the per-layer overhead.

    \b
      {"runtime": "my runtime, CPU, 1 thread", "dtype": "float32", "layers": [
        {"input": [56, 56, 64], "layer": {"conv": {"filters": 64, "kernel": 3}}, "seconds": 0.0021},
        {"input": [1, 1, 8], "layer": "relu", "seconds": 1.5e-6}]}

    Prints a devices file with one device whose compute efficiency is per kernel and shape; see
    docs/latency.md, Calibrating.

    \b
    Examples:
      costcalc devices measure --name mine > mine.json
      costcalc devices calibrate timings.json --devices mine.json --device mine > calibrated.json
      costcalc report examples/bottleneck_5x5 --devices calibrated.json --device mine-calibrated
    """
    from .show.device import devices_file

    if (timings is None) == (runtime is None):
        raise click.UsageError("give TIMINGS (a timings file) or --runtime onnxruntime|torch, not "
                               f"{'both' if timings else 'neither'}")
    given = [f"--{option}" for option in ("threads", "budget", "grid") if ctx.get_parameter_source(
        "grid_name" if option == "grid" else option) == click.core.ParameterSource.COMMANDLINE]
    if timings is not None and given:
        raise click.UsageError(f"{', '.join(given)} time a grid here: give them with --runtime, not with TIMINGS")
    device = pick_devices((base,), devices_files)[0] if base else None
    if timings is not None:
        from .tasks.calibrate import calibrate_file

        if device is None:
            raise click.UsageError("calibrating TIMINGS needs the device to calibrate: --device NAME")
        calibrated = calibrate_file(timings, device, name)
    else:
        calibrated = calibrate_on(runtime, threads, device, name, grid_name, budget)
    click.echo(devices_file({calibrated.name: calibrated}), nl=False)


def calibrate_on(runtime: str, threads: int, device, name: str | None, grid: str, budget: float):
    """`devices calibrate --runtime`: the grid timed with a progress bar on a terminal; how many units were
    timed said on stderr."""
    from .tasks.calibrate import calibrate_runtime

    if not sys.stderr.isatty():
        calibrated, timed = calibrate_runtime(runtime, threads, device, name, grid, budget)
    else:
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task(f"timing layers on {runtime}", total=None)
            calibrated, timed = calibrate_runtime(runtime, threads, device, name, grid, budget,
                                                  lambda done, total: bar.update(task, completed=done, total=total))
    click.echo(f"calibrated {calibrated.name} on {timed} timed units of the {grid} grid, network factor "
               f"{calibrated.network_factor:g}", err=True)
    return calibrated


SWEEP_ON_DEVICE = ("bytes_moved", "peak_memory", "weights_bytes", "latency", "measured_latency")
"""The device figures sweep --plot draws (costcalc.sweep.plot); measured_latency needs --measure."""


def parse_vary(ctx, param, values):
    """`--vary alpha=0.25,0.5` or `--vary resolution=128:224:32` (repeatable) → [(name, [value texts])]."""
    from .sweep.grid import parse_vary as parse

    try:
        return [parse(value) for value in values]
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command(short_help="A row per variant over values of the spec's parameters.")
@click.argument("spec", type=click.Path(path_type=str), shell_complete=completion("spec_files"))
@click.option("--vary", "vary", multiple=True, required=True, metavar="NAME=VALUES", callback=parse_vary,
              shell_complete=completion("parameters"),
              help="A parameter's values: a list 0.25,0.5,1.0 or a range START:STOP:STEP (repeatable).")
@click.option("--zip", "zipped", is_flag=True, help="Pair the lists element by element instead of every combination.")
@click.option("--design", "-d", "designs", multiple=True, shell_complete=completion("designs"),
              help="Only this design (repeatable).")
@click.option("--plot", metavar="METRIC",
              type=click.Choice(("macs", "flops", "params", "activations", *SWEEP_ON_DEVICE)),
              help="Instead of the table, plot METRIC against a varied parameter.")
@click.option("--x", "x_name", metavar="NAME",
              help="With --plot: the parameter along the x axis (default: the first varied).")
@click.option("--width", type=click.IntRange(min=40, max=400), default=72, show_default=True,
              help="With --plot: the plot's width in characters.")
@limit_options
@output_options
@set_option
@click.option("--memory", is_flag=True,
              help="Add each variant's bytes moved, peak activation memory and weights bytes.")
@click.option("--training", "optimizer", type=click.Choice(OPTIMIZERS),
              help="Add training FLOPs and memory with this optimizer (--max-train-memory alone counts adam's).")
@lambda function: device_options(function, several=True)
@click.option("--measure", is_flag=True,
              help="Also time each variant on a runtime here, beside its estimate (at most 16 variants); "
                   "--max-latency then limits the measured time.")
@click.option("--runtime", type=click.Choice(RUNTIME_CHOICES), default="onnxruntime", show_default=True,
              help="With --measure: the runtime to time the variants on (this machine's CPU).")
@click.option("--threads", type=click.IntRange(min=1, max=256), default=1, show_default=True,
              help="With --measure: threads the runtime may use.")
@click.option("--rounds", type=click.IntRange(min=1, max=100), default=7, show_default=True,
              help="With --measure: interleaved rounds of timing; the median is shown.")
@click.pass_context
def sweep(ctx, spec, vary, zipped, designs, plot, x_name, width, fmt, exact, dtype, convention, settings, memory,
          optimizer, weight_dtype, fused, batch, device, devices_files, measure, runtime, threads, rounds, **limits):
    """A row per variant of SPEC over values of its parameters, with MACs, FLOPs, params and activations.

    \b
    Examples:
      costcalc sweep examples/zoo/mobilenet_keras --vary alpha=0.25,0.5,0.75,1.0 --vary resolution=128:224:32
      costcalc sweep examples/zoo/mobilenet_keras --vary alpha=0.5,1.0 --vary resolution=128:224:32 --plot macs
      costcalc sweep examples/zoo/mobilenet_v2_keras --vary alpha=0.35,0.5,1.0 --max-macs 300M
      costcalc sweep examples/zoo/mobilenet_v2_keras --vary alpha=0.35,0.5,1.0 --device jetson-nano --max-latency 20ms
      costcalc sweep examples/zoo/mobilenet_keras --vary alpha=0.25,0.5,1.0 --measure --max-latency 5ms

    With a budget (the spec's, or --max-* flags), marks which variants fit and names the largest;
    exit status 1 when none fits.
    """
    from .spec.reader import read_text
    from .sweep import render
    from .sweep.device import Measure, OnDevice
    from .sweep.run import sweep as run_sweep

    if plot and fmt != "text":
        raise click.UsageError("--plot draws text in place of the table; leave out --format")
    if measure and fused:
        raise click.UsageError("--fused: with --measure the estimate is fused as the runtime runs the model "
                               "(onnxruntime folds, torch does not); leave out --fused")
    if not measure and (given := flags_given(ctx, "runtime", "threads", "rounds")):
        raise click.UsageError(f"{', '.join(given)}: these time the variants, with --measure; add --measure")
    text, filename = read_text(spec)
    flags = {metric: value for metric, value in limits.items() if value is not None}
    on_device = OnDevice(DeviceSettings(dtype, weight_dtype, fused, batch, optimizer), device, devices_files,
                         asked=bool(memory or device or optimizer or measure) or plot in SWEEP_ON_DEVICE,
                         measure=Measure(runtime, threads, rounds) if measure else None)
    result = run_sweep(text, filename, vary, zipped, settings, designs or None, flags, DTYPES[dtype], convention,
                       on_device)
    if plot:
        from .sweep.plot import plot_sweep

        click.echo(plot_sweep(result, plot, x_name, width), nl=False)
    else:
        emit(fmt, lambda: render.sweep_views(result, exact),
             {"json": lambda: render.sweep_json(result), "csv": lambda: render.sweep_csv(result)})
    if result.budgeted and result.largest is None:
        sys.exit(EXIT_OVER_BUDGET)


@main.command(short_help="The example specs shipped with costcalc.")
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
    from .errors import CostcalcError
    from .spec.examples import PREFIX, catalog, shipped, titles

    if name is None:
        from .show.render import listing
        from .show.table_layout import console_width

        click.echo(listing({PREFIX + known: about for known, about in titles().items()}, console_width()), nl=False)
        return
    spec = shipped(name if name.startswith(PREFIX) else PREFIX + name)
    if spec is None:
        from .suggest import did_you_mean

        raise CostcalcError(f"no example named {brief(name)}",
                            hint=did_you_mean(name, list(catalog())) or "costcalc examples lists them")
    click.echo(spec.read_text(encoding="utf-8"), nl=False)


@main.command(short_help="The FLOP conventions and their rules.")
@format_option(("text", "json", "markdown"))
def conventions(fmt):
    """The FLOP conventions and each one's rule for each operation kind.

    \b
    Example:
      costcalc conventions
      costcalc report examples/zoo/googlenet_torchvision --convention ptflops
    """
    from .count.conventions import CONVENTIONS
    from .show import render, views

    emit(fmt, lambda: views.conventions_views(CONVENTIONS.values()),
         {"json": lambda: render.conventions_json(CONVENTIONS.values())})


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
