"""Steps several commands take: load and analyse a spec, pick devices, print or write the output."""

from __future__ import annotations

import click

from ..device.settings import DTYPES


def pick_devices(names: tuple[str, ...], files: tuple[str, ...], spec=None) -> list:
    """The named devices from the built-in ones, the user's files and the spec's `devices:`."""
    if not names:  # no device: costcalc.device is not imported
        return []
    from ..device.profiles import pick

    return pick(names, files, spec)


def load_and_analyze(path: str, input_shape, designs=None, dtype: str = "float32", convention: str = "costcalc",
                     settings=()):
    """The spec at `path` (its parameters set by `settings`) and its analysis."""
    from ..count.engine import analyze
    from ..spec.reader import load

    loaded = load(path, settings)
    return loaded, analyze(loaded, input_shape, designs or None, DTYPES[dtype], convention)



def write_output(path: str, content: str | bytes) -> None:
    """`content` into the file `path` (- for standard output); a file that cannot be written is one line."""
    if path == "-":
        click.echo(content, nl=False)
        return
    from ..errors import CostcalcError

    try:
        with open(path, "wb") as handle:
            handle.write(content if isinstance(content, bytes) else content.encode())
    except OSError as exc:
        raise CostcalcError(f"{path}: cannot write: {exc.strerror or exc}") from None


def emit(fmt: str, views, forms: dict) -> None:
    """Print the output in format `fmt`: `views()` as a table (and as markdown, unless `forms` has its own),
    or the text of `forms[fmt]()`, the one mapping of a command's other formats to their renderers."""
    from ..show import render

    if fmt == "text":
        render.print_views(views())
    elif fmt == "markdown" and fmt not in forms:
        click.echo(render.markdown(views()), nl=False)
    elif fmt not in forms:
        others = ", ".join(["text", "json", "markdown", *(name for name in ("csv", "html") if name in forms)])
        raise click.UsageError(f"this output has no {fmt} form; use --format {others}")
    else:
        click.echo(forms[fmt](), nl=False)



def html_page():
    """costcalc.draw.html, imported only when a page is asked for."""
    from ..draw import html

    return html
