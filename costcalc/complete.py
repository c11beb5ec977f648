"""Shell completion from the spec on the command line: design names for --design, row paths for --layer;
and the shipped specs, as examples/NAME for a SPEC and as NAME for `costcalc examples`.

Click calls these while the user presses Tab, so they must never fail: a spec that cannot be
read completes nothing.
"""

from __future__ import annotations

from click.shell_completion import CompletionItem


def spec_files(ctx, param, incomplete: str) -> list[CompletionItem]:
    """Files, which the shell completes; after `examples/` (with no such folder here), the shipped specs."""
    import os

    from .spec.examples import PREFIX, catalog

    if incomplete.startswith(PREFIX) and not os.path.isdir(PREFIX):
        return [CompletionItem(PREFIX + name) for name in catalog() if (PREFIX + name).startswith(incomplete)]
    return [CompletionItem(incomplete, type="file")]


def example_names(ctx, param, incomplete: str) -> list[CompletionItem]:
    from .spec.examples import catalog

    return [CompletionItem(name) for name in catalog() if name.startswith(incomplete)]


def _spec_path(ctx) -> str | None:
    """The spec named on the command line; click leaves it unparsed in ctx.args while an option awaits its value."""
    specs = ctx.params.get("specs") or ()
    named = ctx.params.get("spec") or ctx.params.get("old") or (specs[0] if specs else None)
    return named or next((arg for arg in ctx.args if not arg.startswith("-")), None)


def _spec(ctx):
    from .errors import CostcalcError
    from .spec.reader import load

    path = _spec_path(ctx)
    if not path or path == "-":
        return None
    try:
        return load(path)
    except CostcalcError:
        return None


def designs(ctx, param, incomplete: str) -> list[CompletionItem]:
    """The names of the spec's designs that start with what was typed."""
    spec = _spec(ctx)
    return [CompletionItem(name) for name in (spec.designs if spec else ()) if name.startswith(incomplete)]


def layers(ctx, param, incomplete: str) -> list[CompletionItem]:
    """Row paths (as report shows them) of the designs asked for, or of every design."""
    from .count.engine import analyze
    from .errors import CostcalcError

    spec = _spec(ctx)
    if spec is None:
        return []
    try:
        analysis = analyze(spec, None, ctx.params.get("designs") or None)
    except CostcalcError:
        return []
    paths = dict.fromkeys(row.path for design in analysis.designs for row in design.rows)
    return [CompletionItem(path) for path in paths if path.startswith(incomplete)]


def devices(ctx, param, incomplete: str) -> list[CompletionItem]:
    """Device names: the built-in ones, those of --devices files, and the spec's `devices:`."""
    from .device.profiles import all_devices
    from .errors import CostcalcError

    try:
        known = all_devices(ctx.params.get("devices_files") or (), _spec(ctx))
    except CostcalcError:
        return []
    return [CompletionItem(name) for name in known if name.startswith(incomplete)]


def parameters(ctx, param, incomplete: str) -> list[CompletionItem]:
    """`NAME=` for each of the spec's parameters (params:) that starts with what was typed, for --set and --vary."""
    spec = _spec(ctx)
    return [CompletionItem(f"{name}=", help=f"default {value!r}")
            for name, value in (spec.params if spec else {}).items() if f"{name}=".startswith(incomplete)]
