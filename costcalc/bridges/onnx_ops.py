"""What each ONNX operator on activations becomes in a spec: `HANDLERS` maps an op_type to a function
(importer, node, *inputs) → the value of the node's first output. A handler raises ImportRefusal,
naming what it cannot express, rather than guess."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from ..safe import brief
from .onnx_graph import Const, attributes
from .onnx_import import NCHW, SPLIT_REFUSAL, Act
from .spec_writer import ImportRefusal, registrar

HANDLERS: dict = {}
handles = registrar(HANDLERS)
EITHER_FIRST = {"Add", "Mul", "Sub", "Div"}
"""Operators whose activation may come second (`0.5 * x`, `1 - x`)."""


def pair(values) -> int | list[int]:
    values = [int(v) for v in values]
    return values[0] if values[0] == values[1] else values


def ones(values) -> bool:
    return all(int(v) == 1 for v in values)


def padding(attrs, transposed: bool = False):
    """ONNX's auto_pad and pads [top, left, bottom, right] as a spec padding."""
    auto = attrs.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        return "same"
    if auto == "VALID" and not transposed:
        return "valid"
    top, left, bottom, right = [int(p) for p in attrs.get("pads", (0, 0, 0, 0))] if auto != "VALID" else (0, 0, 0, 0)
    if top == bottom == left == right:
        return top
    return [top, left] if (top, left) == (bottom, right) else [top, bottom, left, right]


def window(attrs, kernel) -> dict:
    """kernel, stride and dilation of a convolution or pool, written as a person would (defaults left out)."""
    if len(kernel) != 2:
        raise ImportRefusal(f"has a {len(kernel)}-D kernel; costcalc counts 2-D convolutions and pools")
    options = {"kernel": pair(kernel)}
    if not ones(attrs.get("strides", (1, 1))):
        options["stride"] = pair(attrs["strides"])
    if not ones(attrs.get("dilations", (1, 1))):
        options["dilation"] = pair(attrs["dilations"])
    return options


@handles("Conv")
def conv(importer, node, x: Act, w: Const, b: Const | None = None) -> Act:
    attrs = attributes(node)
    importer.use(node.input[1], w)
    bias = importer.use(node.input[2], b) if len(node.input) > 2 else False
    kernel = tuple(attrs.get("kernel_shape", w.shape[2:]))
    groups, filters = int(attrs.get("group", 1)), w.shape[0]
    shape = importer.shape(x)
    if len(shape) == 1 and x.perm[2:] == ("U", "U") and kernel == (1, 1):  # a 1×1 conv on a vector: a dense layer
        return importer.add("dense", {"units": filters, "bias": bias}, node, x, ("N", 0, "U", "U"))
    importer.image(x)
    if w.shape[1] * groups != shape[2]:
        raise ImportRefusal(f"has weights {list(w.shape)} for {shape[2]} input channels in {groups} groups")
    options = window(attrs, kernel)
    options["padding"] = padding(attrs)
    if groups == shape[2] and groups > 1:
        options["multiplier"] = filters // groups
        if options["multiplier"] == 1:
            del options["multiplier"]
        return importer.add("depthwise", {**options, "bias": bias}, node, x)
    head = {"filters": filters, **options}
    if groups > 1:
        head["groups"] = groups
    return importer.add("conv", {**head, "bias": bias}, node, x)


@handles("ConvTranspose")
def conv_transpose(importer, node, x: Act, w: Const, b: Const | None = None) -> Act:
    attrs = attributes(node)
    importer.image(x)
    if "output_shape" in attrs:
        raise ImportRefusal("sets output_shape; costcalc reads pads and output_padding (export without output_size)")
    importer.use(node.input[1], w)
    bias = importer.use(node.input[2], b) if len(node.input) > 2 else False
    groups = int(attrs.get("group", 1))
    options = {"filters": w.shape[1] * groups, **window(attrs, tuple(attrs.get("kernel_shape", w.shape[2:])))}
    options["padding"] = padding(attrs, transposed=True)
    if any(int(p) for p in attrs.get("output_padding", ())):
        if options["padding"] == "same":
            raise ImportRefusal("has auto_pad SAME and output_padding, which costcalc cannot express together")
        options["output_padding"] = pair(attrs["output_padding"])
    if groups > 1:
        options["groups"] = groups
    return importer.add("conv_transpose", {**options, "bias": bias}, node, x)


@handles("Gemm")
def gemm(importer, node, a: Act, b, c=None) -> Act:
    attrs = attributes(node)
    if attrs.get("transA", 0) or not isinstance(b, Const) or len(b.shape) != 2:
        raise ImportRefusal("is not a linear layer (activations times a weight matrix), which costcalc cannot express")
    importer.channel_axis(a, -1)
    units = b.shape[0] if attrs.get("transB", 0) else b.shape[1]
    importer.use(node.input[1], b)
    bias = False
    if c is not None:
        if not isinstance(c, Const) or c.size != units:
            raise ImportRefusal(f"adds a C of shape {list(getattr(c, 'shape', ()))} where costcalc expects a bias of "
                                f"{units}")
        bias = importer.use(node.input[2], c)
    return importer.add("dense", {"units": units, "bias": bias}, node, a)


@handles("MatMul")
def matmul(importer, node, a: Act, b) -> Act:
    if not isinstance(b, Const) or len(b.shape) != 2:
        raise ImportRefusal("multiplies two activations (attention), which costcalc cannot express")
    importer.channel_axis(a, -1)
    importer.use(node.input[1], b)
    return importer.add("dense", {"units": b.shape[1], "bias": False}, node, a)


def learned(importer, name: str, const, identity: float) -> bool:
    """Whether a norm's γ (`identity` 1) or β (0) is learned: a weight is, and counts among the parameters; a constant
    (a Constant node, or a value worked out from constants only) is not, and must leave the tensor as it is."""
    if const is None:
        return False
    if isinstance(const, Const) and const.weight is None:
        if (const.known("the constant γ or β") == identity).all():
            return False
        raise ImportRefusal(f"has a constant {brief(name)} of values other than {identity:g}, which costcalc cannot "
                            f"express (a learned weight, or {identity:g} for a {'γ' if identity else 'β'} left out)")
    return importer.use(name, const)


def affine(importer, node, scale, bias) -> dict:
    """A norm's `center` and `scale` options (a learned β and γ), as a person writes them: the defaults left out."""
    options = {}
    if not learned(importer, node.input[1], scale, 1):
        options["scale"] = False
    if not (len(node.input) > 2 and learned(importer, node.input[2], bias, 0)):
        options["center"] = False
    return options


@handles("BatchNormalization")
def batchnorm(importer, node, x: Act, scale: Const, bias: Const, *statistics) -> Act:
    importer.channel_axis(x, 1)
    options = affine(importer, node, scale, bias)
    for name, const in zip(node.input[3:], statistics):
        importer.use(name, const)
    return importer.add("batchnorm", options, node, x)


@handles("LayerNormalization")
def layernorm(importer, node, x: Act, scale: Const, bias: Const | None = None) -> Act:
    axis = int(attributes(node).get("axis", -1))
    if axis not in (-1, len(x.perm) - 1):
        raise ImportRefusal(f"normalises over axes {axis} onwards; costcalc's layernorm is over the channels")
    importer.channel_axis(x, -1)
    return importer.add("layernorm", affine(importer, node, scale, bias), node, x)


@handles("GroupNormalization")
def groupnorm(importer, node, x: Act, scale: Const, bias: Const) -> Act:
    importer.channel_axis(x, 1)
    options = {"groups": int(attributes(node).get("num_groups", 0)), **affine(importer, node, scale, bias)}
    channels = importer.shape(x)[-1]
    if scale.size != channels or bias.size != channels:
        raise ImportRefusal(f"has γ and β of {scale.size} and {bias.size} values for {channels} channels (opset 18's, "
                            "one per group), which costcalc cannot express: costcalc's groupnorm learns one per "
                            "channel")
    return importer.add("groupnorm", options, node, x)


@handles("InstanceNormalization")
def instance_norm(importer, node, x, scale: Const, bias: Const):
    """Over [N, C, H, W], a groupnorm of one channel a group; over channels reshaped to [N, g, C/g·H·W], half of the
    group norm PyTorch's exporter writes, which a reshape back completes."""
    if isinstance(x, Groups):
        if x.norm or learned(importer, node.input[1], scale, 1) or learned(importer, node.input[2], bias, 0):
            raise ImportRefusal("learns a γ or β per group, which costcalc cannot express (one per channel)")
        return Groups(x.source, x.groups, node)
    importer.image(x)
    return importer.add("groupnorm", {"groups": importer.shape(x)[-1], **affine(importer, node, scale, bias)}, node, x)


ACTIVATIONS = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Elu": "elu", "LeakyRelu": "leaky_relu",
               "HardSigmoid": "hsigmoid", "HardSwish": "hswish", "Gelu": "gelu", "Mish": "mish"}


@handles(*ACTIVATIONS)
def activation(importer, node, x: Act) -> Act:
    return importer.add(ACTIVATIONS[node.op_type], {}, node, x)


@handles("Softmax")
def softmax(importer, node, x: Act) -> Act:
    importer.channel_axis(x, int(attributes(node).get("axis", -1 if importer.opset >= 13 else 1)))
    return importer.add("softmax", {}, node, x)


@handles("Clip")
def clip(importer, node, x: Act, low: Const | None = None, high: Const | None = None) -> Act:
    attrs = attributes(node)
    lowest = float(low.known("Clip's min")) if low is not None else attrs.get("min")
    highest = float(high.known("Clip's max")) if high is not None else attrs.get("max")
    if lowest == 0 and highest == 6:
        return importer.add("relu6", {}, node, x)
    if lowest == 0 and (highest is None or highest == math.inf):
        return importer.add("relu", {}, node, x)
    raise ImportRefusal(f"clips to [{lowest}, {highest}]; costcalc knows [0, 6] (relu6) and [0, inf) (relu)")


@handles("PRelu")
def prelu(importer, node, x: Act, slope: Const) -> Act:
    importer.use(node.input[1], slope)
    shape = importer.shape(x)
    if slope.size == 1:
        slopes = "shared"
    elif slope.size == shape[-1] and max(slope.shape) == slope.size:
        slopes = "channel"
    elif slope.size == math.prod(shape):
        slopes = "element"
    else:
        raise ImportRefusal(f"has {slope.size} slopes for {list(shape)}")
    return importer.add("prelu", {"slopes": slopes}, node, x)


@handles("MaxPool", "AveragePool")
def pool(importer, node, x: Act) -> Act:
    attrs = attributes(node)
    importer.image(x)
    if not ones(attrs.get("dilations", (1, 1))):
        raise ImportRefusal("dilates its window, which costcalc's pools cannot express")
    options = window(attrs, attrs["kernel_shape"])
    options = {"size": options["kernel"], "stride": options.get("stride", 1), "padding": padding(attrs)}
    if attrs.get("ceil_mode", 0):
        options["ceil_mode"] = True
    return importer.add("maxpool" if node.op_type == "MaxPool" else "avgpool", options, node, x)


@handles("GlobalAveragePool", "GlobalMaxPool")
def global_pool(importer, node, x: Act) -> Act:
    importer.image(x)
    kind = "global_avgpool" if node.op_type == "GlobalAveragePool" else "global_maxpool"
    return importer.add(kind, {"keepdims": True}, node, x)


@handles("ReduceMean", "ReduceMax")
def reduce(importer, node, x: Act | Window, axes: Const | None = None) -> Act | Window:
    attrs = attributes(node)
    given = axes.known("the axes") if axes is not None else attrs.get("axes", ())
    if isinstance(x, Window):
        if x.reduce or [int(a) % 4 for a in given if -4 <= int(a) < 4] != [x.axis] or not attrs.get("keepdims", 1):
            raise ImportRefusal("reduces a slice other than over its axis, which costcalc cannot express")
        return Window(x.source, x.axis, x.start, x.end, node.op_type)
    reduced = sorted(int(a) % len(x.perm) for a in given)
    spatial = sorted(i for i, p in enumerate(x.perm) if p in (0, 1))
    if len(importer.shape(x)) != 3 or reduced != spatial:
        raise ImportRefusal(f"reduces axes {reduced}; costcalc's global pools reduce the height and width")
    keep = bool(attrs.get("keepdims", 1))
    kind = "global_avgpool" if node.op_type == "ReduceMean" else "global_maxpool"
    perm = x.perm if keep else tuple("N" if p == "N" else 0 for p in x.perm if p not in (0, 1))
    return importer.add(kind, {"keepdims": keep}, node, x, perm)


@handles("Add", "Mul", "Sub", "Div")
def arithmetic(importer, node, a, b) -> Act:
    if isinstance(a, Act) and isinstance(b, Act):
        return two_activations(importer, node, a, b)
    act, const, first = (a, b, True) if isinstance(a, Act) else (b, a, False)
    if node.op_type == "Div" and first and (gelu := erf_gelu(importer, node, act, const)):
        return gelu
    if node.op_type == "Sub" and first and const.size > 1 and (keras := normalization(importer, node, act, const)):
        return keras
    names = node.input if first else node.input[::-1]
    if (norm := groupnorm_affine(importer, node, act, const, *names)) is not None:
        return norm
    if const.size == 1:
        return rescaling(importer, node, act, float(const.known("the constant").reshape(-1)[0]), first)
    return per_channel(importer, node, act, const, node.input[1 if first else 0])


def two_activations(importer, node, a: Act, b: Act) -> Act:
    if node.op_type == "Mul" and (fused := swish(importer, node, a, b)):
        return fused
    if node.op_type not in ("Add", "Mul"):
        raise ImportRefusal(f"is a {node.op_type} of two activations, which costcalc cannot express")
    wide = a if len(importer.shape(a)) >= len(importer.shape(b)) else b
    return importer.merge("add" if node.op_type == "Add" else "multiply", node, [a, b], wide.perm)


def swish(importer, node, a: Act, b: Act):
    """x · sigmoid(x) (SiLU, swish) and x · hardsigmoid(x) as one layer: the sigmoid's layer becomes silu or hswish."""
    items = importer.builder.items
    for x, gate, gate_name in ((a, b, node.input[1]), (b, a, node.input[0])):
        item = items[gate.tensor] if gate.tensor >= 0 else None
        if (item and item.kind in ("sigmoid", "hsigmoid") and item.sources == (x.tensor,) and gate.perm == x.perm
                and importer.only_reader(gate_name, "Mul") is node):
            item.kind = "silu" if item.kind == "sigmoid" else "hswish"
            return gate
    return None


def erf_gelu(importer, node, x: Act, divisor: Const):
    """GELU as the TorchScript exporter writes it: x/sqrt(2) → Erf → +1 → ·x → ·0.5, as one gelu layer."""
    erf = importer.only_reader(node.output[0], "Erf")
    plus = erf and importer.only_reader(erf.output[0], "Add")
    times = plus and importer.only_reader(plus.output[0], "Mul")
    half = times and importer.only_reader(times.output[0], "Mul")
    if not half or node.input[0] not in times.input or divisor.size != 1:
        return None
    importer.done.update(id(n) for n in (erf, plus, times, half))
    result = importer.add("gelu", {}, node, x)
    importer.values[half.output[0]] = result
    return result


def normalization(importer, node, x: Act, mean: Const):
    """Keras's Normalization as costcalc exports it: (x − mean) / Sqrt(variance), mean and variance per channel, and
    beside them the count of samples, a weight that no node reads, named as the mean with `.count` for `.mean`."""
    div = importer.only_reader(node.output[0], "Div")
    sqrt = div and div.input[0] == node.output[0] and importer.producers.get(div.input[1])
    if not sqrt or sqrt.op_type != "Sqrt" or len(importer.consumers.get(div.input[1], [])) != 1:
        return None
    channel_shape(importer, node, x, mean)
    variance = importer.value(sqrt.input[0])
    if not isinstance(variance, Const) or variance.shape != mean.shape:
        raise ImportRefusal(f"divides by the root of {brief(sqrt.input[0])}, which is not a variance per channel "
                            "beside the mean (Keras's Normalization)")
    prefix, _, _ = (mean.weight or "").rpartition(".mean")
    count = importer.values.get(prefix + ".count") if prefix else None
    if not isinstance(count, Const) or count.size != 1 or prefix + ".count" in importer.consumers:
        raise ImportRefusal("is Keras's Normalization without its count of samples (a weight "
                            f"{brief(prefix + '.count')} of one value), which costcalc's normalization counts")
    for name, const in ((node.input[1], mean), (sqrt.input[0], variance), (prefix + ".count", count)):
        importer.use(name, const)
    importer.done.update((id(sqrt), id(div)))
    result = importer.add("normalization", {}, div, x)
    importer.values[div.output[0]] = result
    return result


def groupnorm_affine(importer, node, x: Act, const: Const, x_name: str, name: str):
    """PyTorch's group norm goes on after the reshape back with · γ, then + β, per channel (constants 1 and 0 where
    it learns none): the groupnorm's scale and center."""
    option = {"Mul": "scale", "Add": "center"}.get(node.op_type)
    item = importer.builder.items[x.tensor] if x.tensor >= 0 else None
    if (option is None or item is None or item.kind != "groupnorm" or item.options.get(option) is not False
            or item.options.get("center") is not False or len(importer.consumers.get(x_name, [])) != 1):
        return None
    if const.weight is None:
        identity = 1 if option == "scale" else 0
        return x if const.value is not None and (const.value == identity).all() else None
    channel_shape(importer, node, x, const)
    importer.use(name, const)
    del item.options[option]
    return x


def rescaling(importer, node, act: Act, value: float, first: bool) -> Act:
    """An activation with a scalar (x·c, x/c, x+c, x−c, c−x) as Keras's Rescaling: no weights."""
    if not math.isfinite(value) or (node.op_type == "Div" and (value == 0 or not first)):
        raise ImportRefusal(f"divides by an activation or by {value}, which costcalc cannot express")
    scale: float
    offset: float
    if node.op_type == "Div":  # by a scalar other than 0, past the refusal above
        scale, offset = 1 / value, 0
    else:
        scale, offset = {"Mul": (value, 0), "Add": (1, value),
                         "Sub": (1, -value) if first else (-1, value)}[node.op_type]
    producer = importer.builder.items[act.tensor] if act.tensor >= 0 else None
    if (offset and producer and producer.kind == "rescaling" and "offset" not in producer.options
            and len(importer.consumers.get(node.input[0 if first else 1], [])) == 1):  # x·s then + o: one rescaling
        producer.options.update(scale=producer.options["scale"] * scale, offset=offset)
        return act
    return importer.add("rescaling", {"scale": scale, "offset": offset} if offset else {"scale": scale}, node, act)


def per_channel(importer, node, act: Act, const: Const, name: str) -> Act:
    """A weight per channel: a bias after a MatMul or a bias-free conv, the γ or β of a normalisation that has none
    (PyTorch's affine=False, then a weight and a bias of its own), or a layer scale."""
    channel_shape(importer, node, act, const)
    items = importer.builder.items
    producer = items[act.tensor] if act.tensor >= 0 else None
    alone = len(importer.consumers.get(node.input[0 if name == node.input[1] else 1], [])) == 1
    if node.op_type == "Add" and producer and producer.options.get("bias") is False and alone:
        importer.use(name, const)
        producer.options["bias"] = True
        return act
    if producer and producer.kind in NORMS and alone and producer.options.get("center") is False and (
            node.op_type == "Add" or (node.op_type == "Mul" and producer.options.get("scale") is False)):
        importer.use(name, const)
        del producer.options["center" if node.op_type == "Add" else "scale"]  # true: the default
        return act
    if node.op_type == "Mul":
        importer.use(name, const)
        return importer.add("layer_scale", {}, node, act)
    raise ImportRefusal(f"is a {node.op_type} of a constant per channel, which costcalc cannot express "
                        "(only a layer's bias or a layer scale)")


NORMS = ("batchnorm", "layernorm", "groupnorm")
"""The normalisations whose γ (`scale`) and β (`center`) a Mul and an Add per channel after them can be."""


def channel_shape(importer, node, act: Act, const: Const) -> None:
    """Refuse a constant that is not one value per channel of `act`."""
    shape = importer.shape(act)
    channel = act.perm.index(len(shape) - 1) if len(shape) - 1 in act.perm else None
    dims = [1] * (len(act.perm) - len(const.shape)) + list(const.shape)
    expected = [shape[-1] if axis == channel else 1 for axis in range(len(act.perm))]
    if dims != expected:
        raise ImportRefusal(f"is a {node.op_type} with a constant of shape {list(const.shape)} on "
                            f"{importer.onnx_shape(act)}; costcalc expresses a scalar or one value per channel")


@handles("Concat")
def concat(importer, node, *inputs) -> Act | Pooled:
    if any(isinstance(x, Window) for x in inputs):
        return pooled(importer, node, inputs)
    if not all(isinstance(x, Act) for x in inputs):
        raise ImportRefusal("joins activations with constants, which costcalc cannot express")
    axis = int(attributes(node)["axis"])
    for x in inputs:
        importer.channel_axis(x, axis)
        if x.perm != inputs[0].perm:
            raise ImportRefusal("joins tensors laid out differently, which costcalc cannot express")
    if len(inputs) == 1:
        return inputs[0]
    return importer.merge("concat", node, list(inputs), inputs[0].perm)


@handles("Split")
def split(importer, node, x: Act, sizes: Const | None = None) -> Act:
    """A Split of the channels: a slice per output, each read by its name (equal parts where no sizes are given,
    the last one smaller where they do not divide, as ONNX's num_outputs)."""
    importer.channel_axis(x, int(attributes(node).get("axis", 0)))
    channels, count = importer.shape(x)[-1], len(node.output)
    given = sizes.known("the sizes") if sizes is not None else attributes(node).get("split")
    if given is None or len(given) == 0:
        part = -(-channels // count)
        given = [min(part, channels - part * index) for index in range(count)]
    if len(given) != count or sum(int(size) for size in given) != channels:
        raise ImportRefusal(f"splits {channels} channels into {[int(size) for size in given]} for {count} outputs")
    parts, start = [], 0
    for size in map(int, given):
        parts.append(importer.add("slice", {"start": start, "end": start + size}, node, x))
        start += size
    importer.values.update(zip(node.output[1:], parts[1:]))
    return parts[0]


@handles("Slice")
def crop(importer, node, x: Act | Pooled, *rest) -> Act | Window:
    """A Slice of the height and width by constant bounds, a step of 1: a crop (Keras's Cropping2D), or one window of
    an adaptive pool where a ReduceMean or ReduceMax over its axis alone reads it."""
    attrs = attributes(node)
    bounds: list[Any]
    if rest:
        bounds = [c.known(what) if c is not None else None
                  for c, what in zip(rest, ("the starts", "the ends", "the axes", "the steps"))]
    elif "starts" in attrs and "ends" in attrs:
        bounds = [attrs["starts"], attrs["ends"], attrs.get("axes")]
    else:
        raise ImportRefusal("gives no starts and ends")
    starts, ends, axes, steps = (list(bounds) + [None, None])[:4]
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    act = x.source if isinstance(x, Pooled) else x
    shape, rank = importer.shape(act), len(act.perm)
    reducer = importer.consumers.get(node.output[0], [None])[0]
    if (act.perm == NCHW and len(axes) == 1 and int(axes[0]) in (-2, -1, 2, 3) and int(steps[0]) == 1 and reducer
            and importer.only_reader(node.output[0], reducer.op_type)
            and reducer.op_type in ("ReduceMean", "ReduceMax")):
        axis = int(axes[0]) % 4
        begin, stop, _ = slice(int(starts[0]), int(ends[0])).indices(shape[axis - 2])
        return Window(x, axis, begin, stop)
    if isinstance(x, Pooled):
        raise ImportRefusal("slices an adaptive pool's windows other than as its next axis, "
                            "which costcalc cannot express")
    if len(starts) == 1 and -rank <= int(axes[0]) < rank and x.perm[int(axes[0]) % rank] == len(shape) - 1:
        return channel_slice(importer, node, x, int(starts[0]), int(ends[0]), int(steps[0]))
    cropping = [0, 0, 0, 0]
    for start, end, axis, step in zip(starts, ends, axes, steps):
        held = x.perm[int(axis) % rank] if -rank <= int(axis) < rank and len(shape) == 3 else None
        if held not in (0, 1) or int(step) != 1:
            raise ImportRefusal(SPLIT_REFUSAL)
        begin, stop, _ = slice(int(start), int(end)).indices(shape[held])
        if stop <= begin:
            raise ImportRefusal(f"slices axis {int(axis)} of {importer.onnx_shape(x)} to nothing")
        cropping[2 * held:2 * held + 2] = [begin, shape[held] - stop]
    return importer.add("crop", {"cropping": cropping}, node, x)


def channel_slice(importer, node, x: Act, start: int, end: int, step: int) -> Act:
    """A Slice of the channels alone, a step of 1 (`x[:, a:b]`, narrow, a part of chunk or split): a slice."""
    channels = importer.shape(x)[-1]
    begin, stop, _ = slice(start, end).indices(channels)
    if step != 1 or stop <= begin:
        raise ImportRefusal(f"slices the {channels} channels from {start} to {end} by {step}, which costcalc cannot "
                            "express (a range of them, a step of 1)")
    return importer.add("slice", {"start": begin, "end": stop}, node, x)


@handles("Transpose")
def transpose(importer, node, x: Act | Grouped) -> Act | Grouped:
    if isinstance(x, Grouped):
        if x.swapped or list(attributes(node).get("perm", ())) != [0, 2, 1, 3, 4]:
            raise ImportRefusal("transposes channels split into groups other than as a channel shuffle does")
        return Grouped(x.source, x.groups, True)
    perm = attributes(node).get("perm", list(reversed(range(len(x.perm)))))
    moved = tuple(x.perm[int(i)] for i in perm)
    if moved[0] != "N":
        raise ImportRefusal("moves the batch axis, which costcalc cannot express")
    return Act(x.tensor, moved)


@handles("Sum")
def n_ary_sum(importer, node, *inputs) -> Act:
    """Sum of one tensor is that tensor (a merge whose other branches are switched off); of more, an add."""
    if not all(isinstance(x, Act) for x in inputs):
        raise ImportRefusal("adds constants to activations, which costcalc cannot express")
    if len(inputs) == 1:
        return inputs[0]
    wide = max(inputs, key=lambda x: len(importer.shape(x)))
    return importer.merge("add", node, list(inputs), wide.perm)


@handles("Identity", "Cast")
def same(importer, node, x: Act, *rest) -> Act:
    return x


@handles("Dropout")
def dropout(importer, node, x: Act, *rest) -> Act:
    return importer.add("dropout", {}, node, x)


@handles("Flatten")
def flatten(importer, node, x: Act) -> Act:
    if int(attributes(node).get("axis", 1)) != 1:
        raise ImportRefusal("flattens from an axis other than 1, which costcalc cannot express")
    return reshape_to(importer, node, x, [importer.batch, math.prod(importer.shape(x))])


@handles("Reshape")
def reshape(importer, node, x: Act | Grouped | Groups, target: Const) -> Act | Grouped | Groups:
    dims = [int(d) for d in target.known("the new shape")]
    source = x if isinstance(x, Act) else x.source
    now = importer.onnx_shape(source)
    if isinstance(x, Grouped):
        split = [now[1] // x.groups, x.groups] if x.swapped else [x.groups, now[1] // x.groups]
        now = [now[0], *split, *now[2:]]
    elif isinstance(x, Groups):
        now = [now[0], x.groups, math.prod(now[1:]) // x.groups]
    dims = [now[i] if d == 0 and not attributes(node).get("allowzero", 0) else d for i, d in enumerate(dims)]
    if isinstance(x, Grouped):
        return shuffled(importer, node, x, dims)
    if dims.count(-1) == 1:
        dims[dims.index(-1)] = math.prod(now) // math.prod(d for d in dims if d != -1)
    if isinstance(x, Groups):
        return ungrouped(importer, node, x, dims)
    return grouped(importer, x, dims) or groups(importer, node, x, dims) or reshape_to(importer, node, x, dims)


@handles("Squeeze", "Unsqueeze")
def squeeze(importer, node, x: Act, axes: Const | None = None) -> Act:
    given = axes.known("the axes") if axes is not None else attributes(node).get("axes", ())
    dims = importer.onnx_shape(x)
    if node.op_type == "Squeeze":
        drop = {int(a) % len(dims) for a in given} or {i for i, d in enumerate(dims) if d == 1}
        dims = [d for i, d in enumerate(dims) if i not in drop]
    else:
        for axis in sorted(int(a) % (len(dims) + len(given)) for a in given):
            dims.insert(axis, 1)
    return reshape_to(importer, node, x, dims)


def reshape_to(importer, node, x: Act, dims: list[int]) -> Act:
    """A reshape that keeps the batch and either changes nothing, or leaves one axis (a flatten, or a vector
    given unit axes)."""
    now = importer.onnx_shape(x)
    if dims == now:
        return x
    shape = importer.shape(x)
    kept = [i for i, d in enumerate(dims) if i > 0 and d != 1]
    if dims[0] == importer.batch and math.prod(dims) == math.prod(now) and len(kept) <= 1:
        at = kept[0] if kept else len(dims) - 1
        perm = tuple("N" if i == 0 else 0 if i == at else "U" for i in range(len(dims)))
        if len(shape) == 1:
            return Act(x.tensor, perm)
        return importer.add("flatten", {}, node, x, perm)
    raise ImportRefusal(f"reshapes {now} to {dims}, which costcalc cannot express (a flatten, a channel shuffle "
                        "or unit axes added or removed)")


@dataclass(frozen=True, slots=True)
class Grouped:
    """Channels split into groups by a reshape to [N, g, C/g, H, W] (`swapped` once transposed to [N, C/g, g, H, W]):
    half of ShuffleNet's channel shuffle, which a reshape back to [N, C, H, W] completes."""

    source: Act
    groups: int
    swapped: bool = False
    READERS: ClassVar = {"Reshape", "Transpose"}
    WHAT: ClassVar = "channels split into groups"


def grouped(importer, x: Act, dims: list[int]):
    now = importer.onnx_shape(x)
    if x.perm == NCHW and len(dims) == 5 and dims[1] * dims[2] == now[1] and dims[3:] == now[2:]:
        return Grouped(x, dims[1])
    return None


def shuffled(importer, node, x: Grouped, dims: list[int]) -> Act:
    if not x.swapped or dims not in (importer.onnx_shape(x.source),
                                     [importer.batch, -1, *importer.onnx_shape(x.source)[2:]]):
        raise ImportRefusal(f"reshapes channels split into {x.groups} groups to {dims}; costcalc expresses a channel "
                            "shuffle (reshape to groups, transpose 1 and 2, reshape back)")
    return importer.add("channel_shuffle", {"groups": x.groups}, node, x.source)


@dataclass(frozen=True, slots=True)
class Groups:
    """Channels reshaped to [N, g, C/g·H·W] for an InstanceNormalization (`norm`, once done): PyTorch's group norm,
    which a reshape back to [N, C, H, W] completes."""

    source: Act
    groups: int
    norm: object = None
    READERS: ClassVar = {"Reshape", "InstanceNormalization"}
    WHAT: ClassVar = "channels split into groups"


def groups(importer, node, x: Act, dims: list[int]):
    now = importer.onnx_shape(x)
    if (x.perm == NCHW and len(dims) == 3 and dims[0] == now[0] and now[1] % dims[1] == 0
            and dims[1] * dims[2] == math.prod(now[1:])
            and importer.only_reader(node.output[0], "InstanceNormalization")):
        return Groups(x, dims[1])
    return None


def ungrouped(importer, node, x: Groups, dims: list[int]) -> Act:
    if x.norm is None or dims != importer.onnx_shape(x.source):
        raise ImportRefusal(f"reshapes channels split into {x.groups} groups to {dims}; costcalc expresses a group "
                            "norm (reshape to [N, g, -1], InstanceNormalization, reshape back)")
    return importer.add("groupnorm", {"groups": x.groups, "center": False, "scale": False}, x.norm, x.source)


@dataclass(frozen=True, slots=True)
class Window:
    """One window of an adaptive pool done axis by axis (PyTorch's windows, where they differ in size): a Slice of
    `source` from `start` to `end` along ONNX `axis`, then (`reduce`) a ReduceMean or ReduceMax over it."""

    source: Act | Pooled
    axis: int
    start: int
    end: int
    reduce: str | None = None
    READERS: ClassVar = {"ReduceMean", "ReduceMax", "Concat"}
    WHAT: ClassVar = "one window of a pool done axis by axis"


@dataclass(frozen=True, slots=True)
class Pooled:
    """An adaptive pool done along the height (ONNX axis 2), its windows joined: the width's windows complete it."""

    source: Act
    reduce: str
    output: int
    READERS: ClassVar = {"Slice"}
    WHAT: ClassVar = "an adaptive pool done along one axis only"


def pooled(importer, node, windows) -> Pooled | Act:
    """Windows joined along their axis: the height's, then the width's, an adaptive_avgpool or adaptive_maxpool."""
    first, axis = windows[0], int(attributes(node)["axis"]) % 4
    source = first.source.source if isinstance(first.source, Pooled) else first.source
    size = importer.shape(source)[axis - 2]
    expected = [(i * size // len(windows), -(-(i + 1) * size // len(windows))) for i in range(len(windows))]
    if (not all(isinstance(w, Window) for w in windows) or [(w.start, w.end) for w in windows] != expected
            or any(w.source != first.source or w.axis != axis or w.reduce != first.reduce or not w.reduce
                   for w in windows)
            or axis != (3 if isinstance(first.source, Pooled) else 2)
            or isinstance(first.source, Pooled) and first.source.reduce != first.reduce):
        raise ImportRefusal("joins slices of an activation other than as the windows of an adaptive pool (along the "
                            "height, then the width), which costcalc cannot express")
    if axis == 2:
        return Pooled(source, first.reduce, len(windows))
    kind = "adaptive_avgpool" if first.reduce == "ReduceMean" else "adaptive_maxpool"
    return importer.add(kind, {"output": pair([first.source.output, len(windows)])}, node, source)


MARKERS = (Grouped, Groups, Window, Pooled)
"""What a node may give that is not yet a tensor of the spec; the operators that may read each."""


@handles("Resize", "Upsample")
def resize(importer, node, x: Act, *rest) -> Act:
    importer.image(x)
    attrs = attributes(node)
    mode = attrs.get("mode", b"nearest")
    mode = {"nearest": "nearest", "linear": "bilinear", "bilinear": "bilinear"}.get(
        mode.decode() if isinstance(mode, bytes) else mode)
    if mode is None:
        raise ImportRefusal(f"resizes with mode {brief(attrs.get('mode'))}; costcalc counts nearest and bilinear")
    axes = [int(a) % 4 for a in attrs.get("axes", [0, 1, 2, 3])]
    if axes not in ([0, 1, 2, 3], [2, 3]):
        raise ImportRefusal(f"resizes along axes {brief(attrs['axes'])}; costcalc resizes height and width")
    scales = rest[1] if node.op_type == "Resize" and len(rest) > 1 else rest[0] if rest else None
    sizes = rest[2] if len(rest) > 2 else None
    spatial = len(axes) - 2  # where height and width begin in the scales or sizes
    options: dict[str, Any] = {"mode": mode} if mode != "nearest" else {}
    height, width = importer.shape(x)[:2]
    if sizes is not None:
        options["size"] = [int(d) for d in sizes.known("the sizes")[spatial:]]
    elif scales is not None and scales.size:
        sh, sw = [float(s) for s in scales.known("the scales")[spatial:]]
        if sh.is_integer() and sw.is_integer():
            options["scale"] = pair([sh, sw])
        else:
            options["size"] = [math.floor(height * sh), math.floor(width * sw)]
    else:
        raise ImportRefusal("gives neither scales nor sizes")
    return importer.add("resize", options, node, x)


@handles("Pad")
def pad(importer, node, x: Act, pads: Const | None = None, *rest) -> Act:
    importer.image(x)
    if len(rest) > 1 and rest[1] is not None:
        raise ImportRefusal("pads given axes; costcalc reads pads over all four axes")
    values = [int(p) for p in (pads.known("the pads") if pads is not None else attributes(node)["pads"])]
    begin, end = values[:4], values[4:]
    sides = [begin[2], end[2], begin[3], end[3]]
    if begin[:2] != [0, 0] or end[:2] != [0, 0] or (min(sides) < 0 < max(sides)):
        raise ImportRefusal(f"pads {values}; costcalc pads height and width only, or crops them (negative pads: "
                            "torch's F.pad), not both in one")
    if min(sides) < 0:
        return importer.add("crop", {"cropping": [-side for side in sides]}, node, x)
    return importer.add("zeropad", {"padding": sides}, node, x)
