"""The options several commands share, and the callbacks that check their values."""

from __future__ import annotations

import click

from ..cli import FORMAT_KEY
from ..device.settings import DTYPES
from ..limits import MAX_NAME_CHARS
from ..safe import brief

FORMATS = ("text", "json", "csv", "markdown", "html")
RUNTIME_CHOICES = ("onnxruntime", "torch")


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


def completion(name: str):
    """A shell_complete callback from costcalc.complete, imported only when Tab is pressed."""

    def complete(ctx, param, incomplete):
        from .. import complete as completions

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


def check_device_name(ctx, param, value):
    """A new device's name (--name), refused before any timing when a devices file could not hold it."""
    if value is not None and len(value) > MAX_NAME_CHARS:
        raise click.BadParameter(f"{brief(value)} is longer than {MAX_NAME_CHARS} characters, the limit for a "
                                 "device's name")
    return value


def check_convention(ctx, param, value):
    """A convention's name, checked on use so that start-up imports no rules."""
    from ..count.conventions import CONVENTIONS
    from ..suggest import did_you_mean

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
    from ..spec.params import parse_setting

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



def flags_given(ctx, *names: str) -> list[str]:
    """The flags among `names` (parameter names) that the command line gave, as typed: `--weight-dtype`."""
    from click.core import ParameterSource

    return [f"--{name.replace('_', '-')}" for name in names
            if ctx.get_parameter_source(name) != ParameterSource.DEFAULT]



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
def parse_limit(ctx, param, value):
    if value is None:
        return None
    from ..spec.budget import limit_amount

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
    from ..spec.budget import growth_setting

    try:
        return dict(growth_setting(value) for value in values)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
