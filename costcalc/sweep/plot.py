"""A sweep's metric against one varied parameter, one line per value of the others, drawn in text.

Drawn here rather than with a plotting library: a few markers on a character grid need no
dependency, and the output is plain text that a golden file pins exactly at a given width.
"""

from __future__ import annotations

import math

from ..errors import CostcalcError
from ..safe import visible
from ..show.views import device_notes
from ..units import readable, readable_bytes, seconds
from .device import device_figure
from .render import value_text
from .run import Sweep, Variant

HEIGHT = 15
MARKERS = "●■▲◆○□△◇"
METRICS = {"macs": "MACs", "flops": "FLOPs", "params": "params", "activations": "activations",
           "bytes_moved": "bytes moved", "peak_memory": "peak memory", "weights_bytes": "weights bytes",
           "latency": "estimated latency", "measured_latency": "measured latency"}
"""What --plot draws; bytes_moved to latency are device figures (sweep --memory, --device), measured_latency
the time on a runtime (sweep --measure)."""
LATENCIES = ("latency", "measured_latency")
BYTES = ("activations", "bytes_moved", "peak_memory", "weights_bytes")
BUDGET = "╌"
"""The line of a budget's limit on the plotted metric."""
LIMIT_KEYS = {"activations": "activation_bytes", "measured_latency": "latency"}
"""The budget metric of a plotted metric, where their names differ."""


def figure_of(variant: Variant, metric: str) -> int:
    """An integer: activations in bytes, latencies in nanoseconds (rounded up; the estimate's on the slowest
    device)."""
    if metric == "activations":
        return variant.cost.activation_bytes
    if metric == "measured_latency":
        assert variant.measured
        return math.ceil(variant.measured.median_s * 1e9)
    if metric == "latency":
        assert variant.on_device
        return device_figure(variant.on_device, metric)
    return variant.figure(metric)


def figure_text(metric: str):
    """How the y axis writes a figure."""
    if metric in LATENCIES:
        return lambda nanoseconds: seconds(nanoseconds / 1e9)
    return readable_bytes if metric in BYTES else readable


def title(sweep: Sweep, metric: str) -> str:
    """`MACs`, `estimated latency on DEVICE` (the latency of one device only) or `measured latency on RUNTIME`."""
    if metric == "measured_latency":
        if not sweep.measured:
            raise CostcalcError("--plot measured_latency draws the time on a runtime; give --measure")
        return f"{METRICS[metric]} on {sweep.measured.about}"
    if metric != "latency":
        return METRICS[metric]
    on_device = sweep.variants[0].on_device
    assert on_device is not None, "a latency plot's variants are figured on a device"
    devices = list(on_device.latency_s)
    if len(devices) != 1:
        raise CostcalcError("--plot latency draws the estimate on one device; give one --device NAME")
    return f"{METRICS[metric]} on {devices[0]}"


def limits_of(sweep: Sweep, metric: str) -> list[int]:
    """The budget's limits on the plotted metric, each once (a design's budget may differ from another's)."""
    key = LIMIT_KEYS.get(metric, metric)
    return sorted({variant.limits[key] for variant in sweep.variants if key in variant.limits})


def lines_of(sweep: Sweep, x: int, metric: str) -> dict[str, list[tuple[float, int]]]:
    """Label → [(x value, figure)], sorted by x: one line per setting of the other varied parameters."""
    lines: dict[str, list[tuple[float, int]]] = {}
    for variant in sweep.variants:
        others = [f"{n}={value_text(v)}" for i, (n, v) in enumerate(zip(sweep.names, variant.values)) if i != x]
        label = "all" if sweep.zipped or not others else ", ".join(others)
        lines.setdefault(label, []).append((variant.values[x], figure_of(variant, metric)))
    return {label: sorted(points) for label, points in lines.items()}


def plot_sweep(sweep: Sweep, metric: str, x_name: str | None, width: int) -> str:
    """The plot as text, `width` characters wide; names from the spec (its title, a device's) made visible."""
    if len({v.design for v in sweep.variants}) > 1:
        raise CostcalcError("--plot draws one design; choose it with --design")
    heading = f"{sweep.name or sweep.file}: {title(sweep, metric)}"
    x_name = x_name or sweep.names[0]
    if x_name not in sweep.names:
        raise CostcalcError(f"--x {x_name}: not a varied parameter; the varied are {', '.join(sweep.names)}")
    lines = lines_of(sweep, sweep.names.index(x_name), metric)
    if len(lines) > len(MARKERS):
        raise CostcalcError(f"--plot draws at most {len(MARKERS)} lines, and this sweep has {len(lines)}; vary fewer "
                            "values")
    text = figure_text(metric)
    limits = limits_of(sweep, metric)
    top = max([y for points in lines.values() for _, y in points] + limits) or 1
    labels = [text(top), text(top // 2), text(0), *map(text, limits)]
    margin = max(map(len, labels)) + 1
    columns = width - margin - 1
    xs = sorted({x for points in lines.values() for x, _ in points})
    low, high = xs[0], xs[-1]

    def column(x) -> int:
        return round((x - low) / (high - low) * (columns - 1)) if high > low else columns // 2

    def row(y) -> int:
        return HEIGHT - 1 - round(y / top * (HEIGHT - 1))

    grid = [[" "] * columns for _ in range(HEIGHT)]
    for limit in limits:  # under the lines and markers
        grid[row(limit)] = [BUDGET] * columns
    for points in lines.values():  # the segments first, then every marker over them
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            c0, c1 = column(x0), column(x1)
            for c in range(c0 + 1, c1):
                grid[row(y0 + (y1 - y0) * (c - c0) / (c1 - c0))][c] = "·"
    for marker, points in zip(MARKERS, lines.values()):
        for x, y in points:
            grid[row(y)][column(x)] = marker
    ticks = {0: labels[0], HEIGHT // 2: labels[1], HEIGHT - 1: labels[2],
             **{row(limit): text(limit) for limit in limits}}
    out = [f"{heading} against {x_name}"]
    for r, cells in enumerate(grid):
        out.append(ticks.get(r, "").rjust(margin) + ("┤" if r in ticks else "│") + "".join(cells).rstrip())
    axis, names = ["─"] * columns, [" "] * columns
    for x in xs:
        c, label = column(x), value_text(x)
        axis[c] = "┬"
        start = min(max(0, c - len(label) // 2), columns - len(label))
        if all(ch == " " for ch in names[max(0, start - 1):start + len(label) + 1]):
            names[start:start + len(label)] = label
    out.append(" " * margin + "└" + "".join(axis))
    out.append(" " * (margin + 1) + "".join(names).rstrip())
    out.append(x_name.rjust(width))
    budget = [f"{BUDGET * 2} budget: {METRICS[metric]} ≤ {text(limit)}" for limit in limits]
    if len(lines) > 1 or budget:
        out += wrapped([*(f"{m} {label}" for m, label in zip(MARKERS, lines) if len(lines) > 1), *budget], margin + 1,
                       width)
    if metric == "latency":  # the one figure that depends on the device: where it comes from
        out += device_notes(dict(sweep.devices))
    return visible("\n".join(out) + "\n", keep_newlines=True)


def wrapped(items: list[str], indent: int, width: int) -> list[str]:
    """Legend items three spaces apart, in lines of at most `width` characters."""
    lines = [" " * indent]
    for item in items:
        if len(lines[-1]) > indent and len(lines[-1]) + 3 + len(item) > width:
            lines.append(" " * indent)
        lines[-1] += ("   " if len(lines[-1]) > indent else "") + item
    return lines
