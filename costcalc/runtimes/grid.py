"""The layers `costcalc devices calibrate --runtime` times: plain data, a unit being (input, layers as a spec
writes them).

Every kernel family the zoo and format 1.1 use, at a spread of sizes chosen apart from any zoo network's:
sides 80, 40, 20 and 10, which no zoo network has at its input size (theirs are 112, 56, 28, 14 and 7 at
224×224, 35, 17 and 8 at 299×299, 65 and 33 at 520×520), so that no network's own layer is among the
timings, whatever its channels (48 to 384; some networks have 96, 192 or 384 too). The units come in passes: the first
pass times every family once at a middle size, each later pass every family at its next size, so a budget
spent early still leaves every family timed. On a runtime that fuses (onnxruntime), a conv is timed with
the batchnorm and activation after it, and with an add of a shortcut (and a ReLU), as that runtime runs
such units; on the others each layer alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ..model import options

Unit = tuple[list[int], list]
"""A timed unit: its input [H, W, C] (or [features]) and its layers."""

POINTS = ((40, 96), (20, 192), (80, 48), (10, 384), (40, 192), (20, 48), (80, 96), (10, 96))
"""(side, channels) in the order they are timed: the middle first, then the corners of the spread."""
MAX_MACS = 800_000_000
"""A unit above this many MACs is left out (it would take long and the smaller ones speak for it)."""

ACTIVATIONS = (*options.ACTIVATIONS, {"prelu": {"slopes": "channel"}})
"""Every activation kind, each timed as a layer of its own: one added to `model/options.py` is timed too."""
FUSED_TAILS = ("relu", "relu6")
"""The activations a fused conv unit ends with, in turn: the ones networks use most of those onnxruntime fuses
into the conv (device/traffic.py, ORT_CONV_ACTIVATIONS); the others run as layers of their own, and are
timed alone."""
DENSE_VECTORS = ((640, 1000), (1536, 1000), (2560, 1000), (384, 1536), (6144, 1024), (96, 24))
"""(features, units) of a dense layer on a vector: classifier heads and squeeze-and-excitation's."""


def _conv(kernel: int, stride: int = 1, groups: int = 1, dilation: int = 1, narrowing: int = 1):
    return lambda s, c: ([s, s, c], [{"conv": {"filters": c // narrowing, "kernel": kernel, "stride": stride,
                                                "groups": groups, "dilation": dilation,
                                                "padding": dilation * (kernel // 2)}}])


def _layer(layer):
    return lambda s, c: ([s, s, c], [layer])


def _merge(kind: str):
    return lambda s, c: ([s, s, c], [{"branches": {"a": [], "b": []}, "merge": kind}])


FAMILIES: dict[str, Callable[[int, int], Unit]] = {
    "conv 1x1": _conv(1), "conv 3x3": _conv(3), "conv 3x3 strided": _conv(3, stride=2),
    "conv 3x3 grouped": _conv(3, groups=16), "conv 3x3 dilated": _conv(3, dilation=2), "conv 5x5": _conv(5),
    "conv 7x7": _conv(7), "conv 1x1 strided": _conv(1, stride=2), "conv 3x3 to a third": _conv(3, narrowing=3),
    "depthwise 3x3": _layer({"depthwise": {"kernel": 3, "padding": 1}}),
    "depthwise 3x3 strided": _layer({"depthwise": {"kernel": 3, "stride": 2, "padding": 1}}),
    "depthwise 5x5": _layer({"depthwise": {"kernel": 5, "padding": 2}}),
    "depthwise 7x7": _layer({"depthwise": {"kernel": 7, "padding": 3}}),
    "conv_transpose": lambda s, c: ([s, s, c], [{"conv_transpose": {"filters": c // 2, "kernel": 2, "stride": 2,
                                                                     "padding": 0}}]),
    "dense on a feature map": lambda s, c: ([s, s, c], [{"dense": {"units": 4 * c}}]),
    "batchnorm": _layer("batchnorm"), "layernorm": _layer("layernorm"),
    "groupnorm": _layer({"groupnorm": {"groups": 16}}),
    **{f"{a if isinstance(a, str) else next(iter(a))}": _layer(a) for a in ACTIVATIONS},
    "maxpool 3x3 strided": _layer({"maxpool": {"size": 3, "stride": 2, "padding": 1}}),
    "maxpool 2x2": _layer({"maxpool": {"size": 2}}),
    "avgpool 3x3": _layer({"avgpool": {"size": 3, "stride": 1, "padding": 1}}),
    "avgpool 2x2": _layer({"avgpool": {"size": 2}}),
    "global_avgpool": _layer("global_avgpool"), "global_maxpool": _layer("global_maxpool"),
    "resize nearest": _layer({"resize": {"scale": 2}}),
    "resize bilinear": _layer({"resize": {"scale": 2, "mode": "bilinear"}}),
    "concat": _merge("concat"), "add": _merge("add"), "multiply": _merge("multiply"),
    "squeeze-excitation gating": lambda s, c: ([s, s, c], [{"branches": {
        "x": [], "gate": [{"global_avgpool": {"keepdims": True}}]}, "merge": "multiply"}]),
}
"""Each family: (side, channels) → a unit."""

STEMS: tuple[Unit, ...] = (([160, 160, 3], [{"conv": {"filters": 32, "kernel": 3, "stride": 2, "padding": 1}}]),
                           ([160, 160, 3], [{"conv": {"filters": 48, "kernel": 7, "stride": 2, "padding": 3}}]),
                           ([1, 1, 8], ["relu"]))
"""The 3-channel stems and a ReLU on 8 numbers, whose time is the per-layer overhead."""

NETWORKS = (("examples/zoo/mobilenet_v2_torchvision", None), ("examples/torchvision/resnets", "resnet18"),
            ("examples/torchvision/mobilenet_v3", "mobilenet_v3_large"),
            ("examples/torchvision/mobilenet_v3", "mobilenet_v3_small"),
            ("examples/torchvision/mobilenet_v3", "deeplabv3_mobilenet_v3_large"),
            ("examples/torchvision/shufflenets", None), ("examples/torchvision/squeezenets", "squeezenet1_1"),
            ("examples/torchvision/efficientnets", "b"), ("examples/torchvision/regnets", None),
            ("examples/torchvision/alexnet", None), ("examples/torchvision/resnets", "wide_resnet50_2"),
            ("examples/keras/xception", None), ("examples/zoo/mobilenet_v2_keras", None),
            ("examples/keras/mobilenet_v3", "large"))
"""The whole networks timed (spec, design; None: the first), whole and layer by layer by the runtime's profiler:
each layer timed inside a network is a timing of its kernel at its shape, with the network's layout and caches
around it, and the wholes give the gap between the sum of the layers and the whole. Together they run every
kernel family the zoo uses at the shapes networks have (separable, grouped, dilated, 5×5 depthwise, SE, hardswish,
channel shuffle, resize); none is on the held-out list of docs/latency.md."""
TINY_NETWORKS = (("examples/bottleneck_5x5", "separable"),)

GRIDS = {"tiny": 1, "small": 3, "full": len(POINTS)}
"""Each grid's passes: how many of POINTS each family is timed at (tiny: five units, for tests)."""


def macs(unit: Unit) -> int:
    """A rough count of a unit's MACs, to leave out the largest: its first layer's, a conv's or a dense layer's."""
    shape, (layer, *_) = unit
    kind, options = (layer, {}) if isinstance(layer, str) else next(iter(layer.items()))
    positions = math.prod(shape[:-1])
    if kind == "conv":
        return (positions // options.get("stride", 1) ** 2 * options["filters"] * shape[-1] * options["kernel"] ** 2
                // options.get("groups", 1))
    if kind == "dense":
        return positions * shape[-1] * options["units"]
    if kind == "conv_transpose":
        return positions * shape[-1] * options["filters"] * options["kernel"] ** 2
    return 0


def fused(unit: Unit, turn: int) -> list[Unit]:
    """A conv unit as a runtime that fuses runs it: with a batchnorm and the `turn`-th tail activation, and,
    at stride 1, as the residual of an add (with a ReLU after it); any other unit as it is."""
    shape, layers = unit
    (first, *_) = layers
    if not isinstance(first, dict) or next(iter(first)) not in ("conv", "depthwise"):
        return [unit]
    host = {kind: {**options, "bias": False} for kind, options in first.items()}
    units = [(shape, [host, "batchnorm", FUSED_TAILS[turn % len(FUSED_TAILS)]])]
    options = next(iter(first.values()))
    if options.get("stride", 1) == 1 and options.get("filters", shape[2]) == shape[2]:
        units.append((shape, [{"branches": {"shortcut": [], "residual": [host, "batchnorm"]}, "merge": "add"},
                              "relu"]))
    return units


UNBLOCKED = ("maxpool 3x3 strided", "avgpool 3x3")
"""The pools timed again, on a runtime whose layout blocks channels, at channels its block does not divide (the
grouped convs of FAMILIES, 16 groups of 3 to 24 channels, run unblocked there; a grouped conv of one block a group
is timed too)."""


def grid(name: str, fuses: bool, block: int | None = None) -> list[Unit]:
    """The units of grid `name` (tiny, small or full), in the order they are timed, fused if the runtime fuses; where
    its layout blocks channels by `block`, then UNBLOCKED's pools at half a block more channels and a grouped conv of
    a block a group, at each of the grid's sizes."""
    if name == "tiny":
        units = [FAMILIES[f](20, 48) for f in ("conv 3x3", "depthwise 3x3", "dense on a feature map", "add")]
        units.append(STEMS[-1])
    else:
        units = list(STEMS)
        for side, channels in POINTS[:GRIDS[name]]:
            units += [family(side, channels) for family in FAMILIES.values()]
        units += [([features], [{"dense": {"units": n}}]) for features, n in DENSE_VECTORS]
    off_blocks = _off_blocks(name, block) if name != "tiny" and block and block > 1 else []
    kept = [[unit for unit in part if macs(unit) <= MAX_MACS] for part in (units, off_blocks)]
    return [u for part in kept for turn, unit in enumerate(part) for u in (fused(unit, turn) if fuses else [unit])]


def _off_blocks(name: str, block: int) -> list[Unit]:
    """At each of grid `name`'s sizes, UNBLOCKED's pools at half a block more channels, and a grouped conv of one
    block a group where the block divides the channels."""
    units = []
    for side, channels in POINTS[:GRIDS[name]]:
        units += [FAMILIES[family](side, channels + block // 2) for family in UNBLOCKED]
        if channels % block == 0:
            units.append(_conv(3, groups=channels // block)(side, channels))
    return units


def networks(name: str) -> tuple[tuple[str, str | None], ...]:
    return TINY_NETWORKS if name == "tiny" else NETWORKS


def network_name(network: tuple[str, str | None]) -> str:
    """A network of NETWORKS as a device's `probe` names it: its spec, and its design where it is not the first."""
    spec, design = network
    return f"{spec} {design}" if design else spec


PROBES = {network_name(found[0]): found[0] for found in (NETWORKS, TINY_NETWORKS)}
"""The networks a calibration's `probe` may name: the first of each grid's networks, which `devices calibrate`
times first, name → (spec, design)."""
