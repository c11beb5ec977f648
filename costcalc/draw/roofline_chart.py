"""The roofline chart of a design on a device: each layer a point at its arithmetic intensity and the
throughput its estimated time gives it, under the device's roofs, on log-log axes.

The roofs are the device's peak throughput and its bandwidth times intensity, both at the
efficiencies of the profile (the dashed lines are the nominal figures). A layer sits under the
slanted memory roof when it moves many bytes per FLOP, as depthwise convolutions do, and
under the flat compute roof when it reuses its data, as wide convolutions do; the per-layer
overhead puts every point a little below its roof.
"""

from __future__ import annotations

import math

from ..device.figures import DesignOnDevice
from ..safe import xml_text
from ..units import readable
from .svg import FONT

W, H, LEFT, BOTTOM, TOP, RIGHT = 760, 460, 80, 56, 36, 150
COLOURS = {"depthwise": "#E69F00", "conv": "#0072B2", "other": "#777777"}
"""Okabe and Ito's orange and blue, told apart by colour-blind readers; grey for the rest."""


def points(run: DesignOnDevice) -> list[tuple[str, str, float, float]]:
    """(path, kind, FLOP per byte, FLOP/s) of every layer that computes and moves bytes."""
    found, estimates, batch = run.memory, run.estimates, run.settings.batch
    rows = {row.path: row for row in run.design.rows}
    out = []
    for path in found.steps:
        flops, moved = batch * rows[path].cost.flops, found.traffic[path].total
        if flops and moved and path not in found.folded:
            out.append((path, rows[path].kind, flops / moved, flops / estimates[path].seconds))
    return out


def roofline_svg(run: DesignOnDevice) -> str:
    """The chart of a design on a device (`run.device`) as an SVG element."""
    found, design, dtype = points(run), run.design, run.settings.dtype
    assert run.device is not None, "a run on a device"
    device = run.device.at(dtype)
    peak, bandwidth = device.peak(dtype), device.bytes_per_s
    roof, slope = peak * device.compute_efficiency, bandwidth * device.memory_efficiency
    intensities = [i for _, _, i, _ in found] + [roof / slope]
    rates = [r for _, _, _, r in found] + [peak]
    x0, x1 = math.floor(math.log10(min(intensities) / 2)), math.ceil(math.log10(max(intensities) * 4))
    y0, y1 = math.floor(math.log10(min(rates) / 2)), math.ceil(math.log10(peak * 1.5))
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM

    def at(intensity: float, rate: float) -> tuple[float, float]:
        x = LEFT + plot_w * (math.log10(intensity) - x0) / (x1 - x0)
        y = TOP + plot_h * (1 - (math.log10(rate) - y0) / (y1 - y0))
        return round(x, 1), round(y, 1)

    def roof_line(top: float, ramp: float, dash: str) -> str:
        ridge = top / ramp
        start = 10 ** x0 if ramp * 10 ** x0 >= 10 ** y0 else 10 ** y0 / ramp
        corners = [at(start, ramp * start), at(ridge, top), at(10 ** x1, top)]
        path = " ".join(f"{x},{y}" for x, y in corners)
        return f'<polyline points="{path}" fill="none" stroke="#222" stroke-width="2"{dash}/>'

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
           f'font-family="{FONT}" font-size="13" role="img" class="roofline">',
           f'<title>{xml_text(f"Roofline of {design.name} on {device.title}, {dtype}")}</title>',
           f'<rect width="{W}" height="{H}" fill="#ffffff"/>',
           f'<text x="{LEFT}" y="22" font-size="15" font-weight="bold">'
           f'{xml_text(f"{design.name} on {device.title} ({dtype})")}</text>']
    for exponent in range(x0, x1 + 1):
        x, _ = at(10 ** exponent, 10 ** y0)
        out.append(f'<line x1="{x}" y1="{TOP}" x2="{x}" y2="{TOP + plot_h}" stroke="#ddd"/>')
        label = readable(10 ** exponent) if exponent >= 0 else f"{10 ** exponent:g}"
        out.append(f'<text x="{x}" y="{TOP + plot_h + 18}" text-anchor="middle">{label}</text>')
    for exponent in range(y0, y1 + 1):
        _, y = at(10 ** x0, 10 ** exponent)
        out.append(f'<line x1="{LEFT}" y1="{y}" x2="{LEFT + plot_w}" y2="{y}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4}" text-anchor="end">{readable(10 ** exponent)}</text>')
    out.append(f'<text x="{LEFT + plot_w / 2}" y="{H - 12}" text-anchor="middle">arithmetic intensity, FLOP per '
               'byte</text>')
    out.append(f'<text x="18" y="{TOP + plot_h / 2}" text-anchor="middle" '
               f'transform="rotate(-90 18 {TOP + plot_h / 2})">FLOP/s</text>')
    out.append(roof_line(peak, bandwidth, ' stroke-dasharray="5 4" stroke-opacity="0.5"'))
    out.append(roof_line(roof, slope, ""))
    families = {row.path: row.op.family for row in design.rows if row.op is not None}
    for path, kind, intensity, rate in found:
        x, y = at(intensity, rate)
        out.append(f'<circle class="layer" cx="{x}" cy="{y}" r="4.5" fill="{COLOURS[families[path]]}" '
                   f'fill-opacity="0.8" stroke="#222" stroke-width="0.5"><title>'
                   f'{xml_text(f"{path} ({kind}): {intensity:.3g} FLOP/B, {readable(rate)}FLOP/s")}</title></circle>')
    legend = [("depthwise", "depthwise"), ("conv", "conv, dense"), ("other", "other layers")]
    for i, (key, label) in enumerate(legend):
        y = TOP + 14 + 22 * i
        out.append(f'<circle cx="{W - RIGHT + 24}" cy="{y - 4}" r="5" fill="{COLOURS[key]}" stroke="#222" '
                   'stroke-width="0.5"/>')
        out.append(f'<text x="{W - RIGHT + 36}" y="{y}">{label}</text>')
    out.append(f'<line x1="{W - RIGHT + 16}" y1="{TOP + 84}" x2="{W - RIGHT + 34}" y2="{TOP + 84}" stroke="#222" '
               'stroke-width="2"/>'
               f'<text x="{W - RIGHT + 40}" y="{TOP + 88}">roof at the</text>'
               f'<text x="{W - RIGHT + 40}" y="{TOP + 104}">efficiencies</text>')
    out.append(f'<line x1="{W - RIGHT + 16}" y1="{TOP + 126}" x2="{W - RIGHT + 34}" y2="{TOP + 126}" stroke="#222" '
               f'stroke-width="2" stroke-dasharray="5 4" stroke-opacity="0.5"/>'
               f'<text x="{W - RIGHT + 40}" y="{TOP + 130}">nominal peak</text>')
    out.append("</svg>")
    return "\n".join(out)
