"""A design as Keras 3 code: a functional-API `build()`, written as text (no Keras needed to write it).

Tensors are channels last, as costcalc's. Each layer is one Keras layer named by its path made an
identifier (`3a/5x5/conv2` → `_3a_5x5_conv2`; Keras refuses `/`); padding Keras's layers cannot
hold (explicit, uneven, or a pool's ceil_mode) is a ZeroPadding2D before it, named `NAME_pad`.
Names from the spec reach the code only as identifiers and `repr` string literals.
"""

from __future__ import annotations

from .. import __version__
from ..errors import CostcalcError
from ..model import merges, norms, ops, resampling
from .graph import Graph, identifier, pads, pool_pads

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
        f"TITLE = {title!r}",
        f"INPUT = {tuple(design.input_shape)!r}",
        "PATHS = {" + "".join(f"\n    {name!r}: {path!r}," for name, path in writer.paths.items()) + "\n}",
        '"""Each layer (and tensor in build) by the path of its layer in the spec."""',
        "", "", *([helpers, ""] if helpers else []),
        "def build():",
        "    x = keras.Input(shape=INPUT)",
        *(f"    {line}" for line in writer.lines),
        f"    return keras.Model(x, {writer.tensors[design.output]}, name={_model_name(design.name)!r})",
        "", "",
        'if __name__ == "__main__":',
        "    build().summary()",
        "",
    ])


def _model_name(name: str) -> str:
    return identifier(name, set())


class _Writer:
    def __init__(self, design: Graph):
        self.taken = {"x", "keras", "layers", "build", "TITLE", "INPUT", "PATHS", *HELPERS}
        self.tensors = {design.input: "x"}
        self.shapes = design.shapes
        self.lines: list[str] = []
        self.paths: dict[str, str] = {}
        self.helpers: set[str] = set()

    def node(self, node) -> None:
        name = identifier(node.output, self.taken)
        self.paths[name] = node.output
        row, inputs = node.row, [self.tensors[x] for x in node.inputs]
        self.tensors[node.output] = name
        if row.role == "merge":
            inputs = [self.broadcast(name, x, self.shapes[path], row) for x, path in zip(inputs, node.inputs)]
            layer = {merges.Concat: "Concatenate()", merges.Add: "Add()", merges.Multiply: "Multiply()"}[type(row.op)]
            self.lines.append(f"{name} = layers.{layer[:-1]}name={name!r})([{', '.join(inputs)}])")
            return
        source = inputs[0]
        for layer in _layers(row, self.helpers, name):
            self.lines.append(f"{name} = {layer}({source})")
            source = name

    def broadcast(self, name: str, x: str, shape, row) -> str:
        """A [C] operand of a multiply against [H, W, C], reshaped to [1, 1, C]."""
        if len(row.output) != 3 or len(shape) != 1:
            return x
        reshaped = identifier(f"{name}_{x}_reshape", self.taken)
        self.lines.append(f"{reshaped} = layers.Reshape((1, 1, {shape[0]}), name={reshaped!r})({x})")
        return reshaped


def _padding(name: str, found: list[int], same_ok: bool) -> tuple[str, list[str]]:
    """Keras's padding word, and the ZeroPadding2D layer before the layer where its padding needs one."""
    top, left, bottom, right = found
    if same_ok:
        return "same", []
    if not any(found):
        return "valid", []
    return "valid", [f"layers.ZeroPadding2D((({top}, {bottom}), ({left}, {right})), name={name + '_pad'!r})"]


def _layers(row, helpers: set[str], name: str) -> list[str]:
    """The layer calls (text before `(x)`) that make the row, the last named `name`."""
    op, kind = row.op, type(row.op)
    named = f"name={name!r}"
    if kind in (ops.Conv, ops.Depthwise, ops.Separable):
        padding, before = _padding(name, pads(row.input, op.kernel, op.stride, op.dilation, op.padding),
                                   op.padding == "same")
        common = (f"{op.kernel}, strides={op.stride}, padding={padding!r}, dilation_rate={op.dilation}, "
                  f"use_bias={op.bias}, activation={_activation(op.activation)!r}, {named}")
        if kind is ops.Conv:
            return [*before, f"layers.Conv2D({op.filters}, {common}, groups={op.groups})"]
        if kind is ops.Depthwise:
            return [*before, f"layers.DepthwiseConv2D({common}, depth_multiplier={op.multiplier})"]
        return [*before, f"layers.SeparableConv2D({op.filters}, {common}, depth_multiplier={op.multiplier})"]
    if isinstance(op, ops.Pool):
        padding, before = _padding(name, pool_pads(row), op.padding == "same" and not op.ceil_mode)
        layer = "MaxPooling2D" if kind is ops.MaxPool else "AveragePooling2D"
        return [*before, f"layers.{layer}({op.size}, strides={op.stride or op.size}, padding={padding!r}, {named})"]
    return [SIMPLE[kind](row, helpers, named)]


def _activation(kind: str | None) -> str | None:
    return None if kind is None else ACTIVATIONS.get(kind, kind)


def _adaptive(row, helpers, named) -> str:
    (height, width), (oh, ow) = row.input[:2], row.op.output
    if height % oh or width % ow:
        raise CostcalcError(f"{row.path} ({row.op.kind}) from {height}×{width} to {oh}×{ow} has windows of unequal "
                            "sizes, which Keras has no layer for", row.where,
                            "choose an output that divides the input's height and width")
    size = (height // oh, width // ow)
    layer = "MaxPooling2D" if isinstance(row.op, ops.AdaptiveMaxPool) else "AveragePooling2D"
    return f"layers.{layer}({size}, {named})"


def _global(row, helpers, named) -> str:
    layer = "GlobalMaxPooling2D" if isinstance(row.op, ops.GlobalMaxPool) else "GlobalAveragePooling2D"
    return f"layers.{layer}(keepdims={row.op.keepdims}, {named})"


def _conv_transpose(row, helpers, named) -> str:
    op = row.op
    if op.groups != 1:
        raise CostcalcError(f"{row.path} (conv_transpose): Keras's Conv2DTranspose has no groups", row.where)
    if isinstance(op.padding, tuple):
        raise CostcalcError(f"{row.path} (conv_transpose): Keras's Conv2DTranspose takes same or valid, not explicit "
                            "padding", row.where, "write padding: same or valid")
    extra = None if op.output_padding is None else tuple(op.output_padding)
    return (f"layers.Conv2DTranspose({op.filters}, {op.kernel}, strides={op.stride}, padding={op.padding!r}, "
            f"output_padding={extra}, dilation_rate={op.dilation}, use_bias={op.bias}, "
            f"activation={_activation(op.activation)!r}, {named})")


def _prelu(row, helpers, named) -> str:
    axes = {"channel": list(range(1, len(row.input))), "shared": list(range(1, len(row.input) + 1)),
            "element": None}[row.op.slopes]
    return f"layers.PReLU(shared_axes={axes or None}, {named})"


def _resize(row, helpers, named) -> str:
    op = row.op
    if op.scale is not None:
        return f"layers.UpSampling2D({op.scale}, interpolation={op.mode!r}, {named})"
    return f"layers.Resizing({row.output[0]}, {row.output[1]}, interpolation={op.mode!r}, {named})"


def _channel_shuffle(row, helpers, named) -> str:
    """Keras has no shuffle layer: a Lambda that reshapes to [.., groups, C/groups], swaps them and reshapes back."""
    groups, channels = row.op.groups, row.input[-1]
    return ("layers.Lambda(lambda t: keras.ops.reshape(keras.ops.swapaxes(keras.ops.reshape(t, (-1, "
            f"{', '.join(map(str, row.input[:-1]))}{', ' if len(row.input) > 1 else ''}{groups}, {channels // groups})),"
            f" -1, -2), (-1, {', '.join(map(str, row.input))})), {named})")


SIMPLE = {
    ops.Dense: lambda row, helpers, named: (f"layers.Dense({row.op.units}, use_bias={row.op.bias}, "
                                            f"activation={_activation(row.op.activation)!r}, {named})"),
    ops.GlobalAvgPool: _global, ops.GlobalMaxPool: _global,
    ops.AdaptiveAvgPool: _adaptive, ops.AdaptiveMaxPool: _adaptive,
    ops.BatchNorm: lambda row, helpers, named: (f"layers.BatchNormalization(center={row.op.center}, "
                                                f"scale={row.op.scale}, {named})"),
    ops.PReLU: _prelu,
    ops.Flatten: lambda row, helpers, named: f"layers.Flatten({named})",
    ops.Dropout: lambda row, helpers, named: f"layers.Dropout({row.op.rate if row.op.rate is not None else 0.5}, {named})",
    ops.ZeroPad: lambda row, helpers, named: (f"layers.ZeroPadding2D((({row.op.padding[0]}, {row.op.padding[1]}), "
                                              f"({row.op.padding[2]}, {row.op.padding[3]})), {named})"),
    norms.LayerNorm: lambda row, helpers, named: (f"layers.LayerNormalization(epsilon=1e-6, center={row.op.center}, "
                                                  f"scale={row.op.scale}, {named})"),
    norms.GroupNorm: lambda row, helpers, named: (f"layers.GroupNormalization({row.op.groups}, center={row.op.center}, "
                                                  f"scale={row.op.scale}, {named})"),
    norms.LayerScale: lambda row, helpers, named: helpers.add("LayerScale") or f"LayerScale({named})",
    norms.Normalization: lambda row, helpers, named: f"layers.Normalization({named})",
    norms.Rescaling: lambda row, helpers, named: (f"layers.Rescaling({float(row.op.scale)!r}, "
                                                  f"offset={float(row.op.offset)!r}, {named})"),
    resampling.Resize: _resize, resampling.ConvTranspose: _conv_transpose,
    resampling.ChannelShuffle: _channel_shuffle,
    resampling.Crop: lambda row, helpers, named: (f"layers.Cropping2D((({row.op.cropping[0]}, {row.op.cropping[1]}), "
                                                  f"({row.op.cropping[2]}, {row.op.cropping[3]})), {named})"),
    **{ops.OPS[kind]: (lambda kind: lambda row, helpers, named: f"layers.Activation({_activation(kind)!r}, {named})")(
        kind) for kind in ops.OPS if ops.OPS[kind].category == "activation" and kind != "prelu"},
}
