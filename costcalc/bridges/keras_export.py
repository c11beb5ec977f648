"""A design as Keras 3 code: a functional-API `build()`, written as text (no Keras needed to write it).

Tensors are channels last, as costcalc's. Each layer is one Keras layer named by its path made an
identifier (`3a/5x5/conv2` → `_3a_5x5_conv2`; Keras refuses `/`); padding Keras's layers cannot
hold (explicit, uneven, or a pool's ceil_mode) is a ZeroPadding2D before it, named `NAME_pad`; a
transposed convolution's explicit padding is a Cropping2D after it, `NAME_crop`.
Names from the spec reach the code only as identifiers and `repr` string literals.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import __version__
from ..errors import CostcalcError
from ..model import merges, norms, ops, resampling
from .graph import CodeWriter, Graph, call, identifier, pads, pool_pads, returned

DEFAULTS = {"strides": 1, "padding": "valid", "dilation_rate": 1, "use_bias": True, "activation": None, "groups": 1,
            "depth_multiplier": 1, "center": True, "scale": True, "output_padding": None, "shared_axes": None,
            "keepdims": False, "interpolation": "nearest", "offset": 0.0}
"""Keras's defaults, which the code leaves out."""

ACTIVATIONS = {"swish": "silu", "hswish": "hard_silu", "hsigmoid": "hard_sigmoid"}
"""costcalc's activation names that Keras spells otherwise."""

HELPERS = {
    "LayerScale": '''class LayerScale(layers.Layer):
    """A learned multiplier per channel (ConvNeXt's layer scale)."""

    def build(self, input_shape):
        self.gamma = self.add_weight(shape=(input_shape[-1],), initializer=keras.initializers.Constant(1e-6))

    def call(self, x):
        return x * self.gamma
''',
}


def builder_code(design: Graph, title: str) -> str:
    """The Python source of `build()`, which returns the design as a keras.Model."""
    writer = _Writer(design)
    for node in design.nodes:
        writer.node(node)
    helpers = "\n\n".join(HELPERS[name] for name in sorted(writer.helpers))
    return "\n".join([
        f'"""A Keras 3 functional model written by costcalc {__version__} (`costcalc export --to keras`)."""',
        "",
        "import keras",
        "from keras import layers",
        "",
        *writer.header(title, tuple(design.input_shape)),
        '"""Each layer (and tensor in build) by the path of its layer in the spec."""',
        "", "", *([helpers, ""] if helpers else []),
        "def build():",
        "    x = keras.Input(shape=INPUT)",
        *(f"    {line}" for line in writer.lines),
        f"    return keras.Model(x, {returned(design, writer.tensors)}, name={_model_name(design.name)!r})",
        "", "",
        'if __name__ == "__main__":',
        "    build().summary()",
        "",
    ])


def _model_name(name: str) -> str:
    return identifier(name, set())


class _Writer(CodeWriter):
    def __init__(self, design: Graph):
        super().__init__(design, {"keras", "layers", "build", *HELPERS})

    def node(self, node) -> None:
        name, inputs = self.named(node)
        row = node.row
        if row.role == "merge":
            inputs = [self.broadcast(name, x, self.shapes[path], row) for x, path in zip(inputs, node.inputs)]
            layer = _layer({merges.Concat: "Concatenate", merges.Add: "Add", merges.Multiply: "Multiply"}[type(row.op)],
                           name=name)
            self.lines.append(f"{name} = {layer}([{', '.join(inputs)}])")
            return
        source = inputs[0]
        if isinstance(row.op, resampling.Slice):  # a keras.ops call, not a layer: Keras names it get_item
            end = row.input[-1] if row.op.end is None else row.op.end
            self.lines.append(f"{name} = {source}[..., {row.op.start}:{end}]")
            return
        made = _layers(row, self, name)
        if row.frozen:  # trainable: false, as Keras's own argument of every layer
            made[-1] = made[-1][:-1] + ", trainable=False)"
        for layer in made:
            self.lines.append(f"{name} = {layer}({source})")
            source = name

    def fresh(self, name: str) -> str:
        """A name for a layer beside the one of a row (its padding, its crop), unique as every name is."""
        return identifier(name, self.taken)

    def broadcast(self, name: str, x: str, shape, row) -> str:
        """A [C] operand of a multiply against [H, W, C], reshaped to [1, 1, C]."""
        if len(row.output) != 3 or len(shape) != 1:
            return x
        reshaped = self.fresh(f"{name}_{x}_reshape")
        self.lines.append(f"{reshaped} = layers.Reshape((1, 1, {shape[0]}), name={reshaped!r})({x})")
        return reshaped


def _padding(name: str, found: list[int], same_ok: bool) -> tuple[str, list[str]]:
    """Keras's padding word, and the ZeroPadding2D layer (named `name`) before the layer where its padding needs one."""
    top, left, bottom, right = found
    if not any(found):
        return "valid", []
    if same_ok:
        return "same", []
    return "valid", [_layer("ZeroPadding2D", ((top, bottom), (left, right)), name=name)]


def _layer(function: str, *positional, defaults=None, **keywords) -> str:
    return call(f"layers.{function}", *positional, defaults=DEFAULTS if defaults is None else defaults, **keywords)


def _layers(row, writer: _Writer, name: str) -> list[str]:
    """The layer calls (text before `(x)`) that make the row, the last named `name`."""
    op, kind = row.op, type(row.op)
    if kind in (ops.Conv, ops.Depthwise, ops.Separable):
        padding, before = _padding(writer.fresh(name + "_pad"),
                                   pads(row.input, op.kernel, op.stride, op.dilation, op.padding),
                                   op.padding == "same")
        common = {"strides": op.stride, "padding": padding, "dilation_rate": op.dilation, "use_bias": op.bias,
                  "activation": _activation(op.activation)}
        if kind is ops.Conv:
            return [*before, _layer("Conv2D", op.filters, op.kernel, **common, groups=op.groups, name=name)]
        if kind is ops.Depthwise:
            return [*before, _layer("DepthwiseConv2D", op.kernel, **common, depth_multiplier=op.multiplier, name=name)]
        return [*before, _layer("SeparableConv2D", op.filters, op.kernel, **common, depth_multiplier=op.multiplier,
                                name=name)]
    if isinstance(op, ops.Pool):
        padding, before = _padding(writer.fresh(name + "_pad"), pool_pads(row),
                                   op.padding == "same" and not op.ceil_mode)
        layer = "MaxPooling2D" if kind is ops.MaxPool else "AveragePooling2D"
        return [*before, _layer(layer, op.size, strides=op.stride or op.size, padding=padding, name=name,
                                defaults={"padding": "valid"})]  # a pool's strides default to its size: always written
    if kind is resampling.ConvTranspose:
        return _conv_transpose(row, writer, name)
    if kind is resampling.ChannelShuffle:
        return _channel_shuffle(row, writer, name)
    return [SIMPLE[kind](row, writer.helpers, name)]


def _activation(kind: str | None) -> str | None:
    return None if kind is None else ACTIVATIONS.get(kind, kind)


def _adaptive(row, helpers, name) -> str:
    (height, width), (oh, ow) = row.input[:2], row.op.output
    if height % oh or width % ow:
        raise CostcalcError(f"{row.path} ({row.op.kind}) from {height}×{width} to {oh}×{ow} has windows of unequal "
                            "sizes, which Keras has no layer for", row.where,
                            "choose an output that divides the input's height and width")
    layer = "MaxPooling2D" if isinstance(row.op, ops.AdaptiveMaxPool) else "AveragePooling2D"
    return _layer(layer, (height // oh, width // ow), name=name)


def _global(row, helpers, name) -> str:
    layer = "GlobalMaxPooling2D" if isinstance(row.op, ops.GlobalMaxPool) else "GlobalAveragePooling2D"
    return _layer(layer, keepdims=row.op.keepdims, name=name)


def _conv_transpose(row, writer: _Writer, name: str) -> list[str]:
    """Conv2DTranspose; explicit padding (PyTorch's) as valid with the output padding, then the padding cropped."""
    op = row.op
    if op.groups != 1:
        raise CostcalcError(f"{row.path} (conv_transpose): Keras's Conv2DTranspose has no groups", row.where)
    explicit = isinstance(op.padding, tuple)
    extra = (0, 0) if explicit and op.output_padding is None else op.output_padding
    layer = _layer("Conv2DTranspose", op.filters, op.kernel, strides=op.stride,
                   padding="valid" if explicit else op.padding,
                   output_padding=extra, dilation_rate=op.dilation, use_bias=op.bias,
                   activation=_activation(op.activation), name=name)
    if not (explicit and any(op.padding)):
        return [layer]
    return [layer, _layer("Cropping2D", _sides(op.padding), name=writer.fresh(name + "_crop"))]


def _prelu(row, helpers, name) -> str:
    axes = {"channel": list(range(1, len(row.input))), "shared": list(range(1, len(row.input) + 1)),
            "element": None}[row.op.slopes]
    return _layer("PReLU", shared_axes=axes or None, name=name)


def _resize(row, helpers, name) -> str:
    op = row.op
    if op.scale is not None:
        return _layer("UpSampling2D", op.scale, interpolation=op.mode, name=name)
    return _layer("Resizing", row.output[0], row.output[1], interpolation=op.mode, name=name)


def _channel_shuffle(row, writer: _Writer, name: str) -> list[str]:
    """Keras has no shuffle layer: a Reshape to [..., groups, C/groups], a Permute of those two axes and a Reshape
    back, as Keras ShuffleNets write it (`costcalc import` reads the three as one shuffle)."""
    shape, groups = tuple(row.input), row.op.groups
    rank = len(shape)
    return [_layer("Reshape", (*shape[:-1], groups, shape[-1] // groups), name=writer.fresh(name + "_groups")),
            _layer("Permute", (*range(1, rank), rank + 1, rank), name=writer.fresh(name + "_swap")),
            _layer("Reshape", shape, name=name)]


def _sides(four) -> tuple:
    """[top, bottom, left, right] as Keras writes it: ((top, bottom), (left, right))."""
    return (four[0], four[1]), (four[2], four[3])


def _activation_layer(kind: str):
    return lambda row, helpers, name: _layer("Activation", _activation(kind), name=name)


def _layer_scale(row, helpers, name) -> str:
    helpers.add("LayerScale")
    return f"LayerScale(name={name!r})"


SIMPLE: dict[type, Callable[..., str]] = {
    ops.Dense: lambda row, helpers, name: _layer("Dense", row.op.units, use_bias=row.op.bias,
                                                 activation=_activation(row.op.activation), name=name),
    ops.GlobalAvgPool: _global, ops.GlobalMaxPool: _global,
    ops.AdaptiveAvgPool: _adaptive, ops.AdaptiveMaxPool: _adaptive,
    ops.BatchNorm: lambda row, helpers, name: _layer("BatchNormalization", center=row.op.center, scale=row.op.scale,
                                                     name=name),
    ops.PReLU: _prelu,
    ops.Flatten: lambda row, helpers, name: _layer("Flatten", name=name),
    ops.Dropout: lambda row, helpers, name: _layer("Dropout", 0.5 if row.op.rate is None else row.op.rate, name=name),
    ops.ZeroPad: lambda row, helpers, name: _layer("ZeroPadding2D", _sides(row.op.padding), name=name),
    norms.LayerNorm: lambda row, helpers, name: _layer("LayerNormalization", epsilon=1e-6, center=row.op.center,
                                                       scale=row.op.scale, name=name),
    norms.GroupNorm: lambda row, helpers, name: _layer("GroupNormalization", row.op.groups, center=row.op.center,
                                                       scale=row.op.scale, name=name),
    norms.LayerScale: _layer_scale,
    norms.Normalization: lambda row, helpers, name: _layer("Normalization", name=name),
    norms.Rescaling: lambda row, helpers, name: _layer("Rescaling", float(row.op.scale), offset=float(row.op.offset),
                                                       name=name),
    resampling.Resize: _resize,
    resampling.Crop: lambda row, helpers, name: _layer("Cropping2D", _sides(row.op.cropping), name=name),
    **{ops.OPS[kind]: _activation_layer(kind) for kind in ops.OPS
       if ops.OPS[kind].category == "activation" and kind != "prelu"},
}
