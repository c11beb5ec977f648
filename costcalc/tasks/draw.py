"""`costcalc draw` as a call: a diagram of a spec's designs, as SVG or a self-contained HTML page."""

from __future__ import annotations

from ..device.settings import DeviceSettings


def draw_file(path: str, kind: str = "svg", designs=(), depth: int | None = None, input_shape=None, settings=(),
              on_device: DeviceSettings = DeviceSettings(), device_name: str | None = None,
              devices_files: tuple[str, ...] = ()) -> str:
    """The diagram of the spec at `path` as text: `kind` svg, or html (a page with each design's figures).

    `designs`: the designs drawn side by side (default: the baseline; ("all",) every design, unless one is
    named all); with `device_name`, boxes are filled by their share of the estimated latency at `on_device`."""
    from ..count.engine import analyze
    from ..draw.geometry import bounded, diagram_of
    from ..draw.svg import side_by_side
    from ..errors import LimitError
    from ..spec.reader import load

    every = tuple(designs) == ("all",)  # unless a design is named all
    loaded = load(path, settings)
    analysis = analyze(loaded, input_shape, None if every else list(designs) or None, on_device.activation_bytes)
    if every and "all" not in (design.name for design in analysis.designs):
        chosen = list(analysis.designs)
    else:
        chosen = [analysis.design(name) for name in dict.fromkeys(designs or (analysis.baseline,))]
    title = f"{analysis.name or analysis.file} — {', '.join(design.name for design in chosen)}"
    try:
        bounded(chosen, depth)
    except LimitError as error:  # too many boxes: said of this spec
        raise LimitError(f"{analysis.file}: {error.message}", hint=error.hint) from None

    def diagram(design):
        if not device_name:
            return diagram_of(design, depth)
        from ..device.figures import on_device as run_on
        from ..device.profiles import pick
        from ..draw.timing import latency_fill

        device, = pick((device_name,), devices_files, loaded)
        return diagram_of(design, depth, latency_fill(run_on(design, on_device, device), loaded))

    picture = side_by_side([(design.name if len(chosen) > 1 else "", diagram(design)) for design in chosen], title)
    if kind == "svg":
        return picture
    from ..draw import html

    return html.page(title, [*(html.figures(design, analysis) for design in chosen), picture])
