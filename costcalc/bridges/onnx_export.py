"""A design as an ONNX model (opset 21, NCHW): one node per layer named by its path, weights that
are exactly costcalc's parameters.

costcalc's shapes are channels last without a batch axis; the model's tensors are [1, C, H, W]
(or [1, C] for a [C] tensor). Each layer's output tensor is named by its path; where a layer takes
several nodes (a conv with an activation, a layernorm between transposes), the node that does
its work is named by the path and the others `PATH:Op`. Weights are initializers named
`PATH.weight`, `PATH.bias` (and `PATH.running_mean`, `PATH.running_var`, `PATH.count`, ...);
everything else (pads, scales, shapes) is a Constant node. `onnx` and numpy are imported inside
`export`, so that costcalc runs without them.
"""

from __future__ import annotations

import math
from typing import Any

from .. import __version__
from ..model import merges, norms, ops, resampling
from .graph import Graph, Node, pads, pool_pads, unique

OPSET = 21
IR_VERSION = 10  # ONNX 1.16: the first with metadata_props on nodes
SEED = 2024


def export(design: Graph, weights: str = "random", figures: dict[str, dict[str, str]] | None = None,
           title: str = "") -> bytes:
    """The serialized model; `figures` maps a row's path to the metadata its node carries (Netron shows it)."""
    import onnx

    model = _Model(weights, design.shapes)
    model.tensors.update(design.shapes)  # every path names a tensor and a node before any helper takes a name
    model.node_names.update(design.shapes)
    for node in design.nodes:
        model.lower(node)
    if design.output == design.input:  # no layer, or none on the way: ONNX needs a node to write the output
        model.output = model.fresh("output", model.tensors)
        model.add("Identity", [design.input], model.output, name=model.output)
    outputs = model.name_outputs(design) if design.outputs else [(model.output or design.output, design.output_shape)]
    model.annotate(figures or {})
    graph = onnx.helper.make_graph(
        model.nodes, design.name or "design", [_value(design.input, design.input_shape), *model.declared],
        [_value(name, shape) for name, shape in outputs], model.initializers, doc_string=title)
    result = onnx.helper.make_model(graph, producer_name="costcalc", producer_version=__version__,
                                    opset_imports=[onnx.helper.make_opsetid("", OPSET)], ir_version=IR_VERSION)
    return result.SerializeToString()


def nchw(shape: tuple[int, ...]) -> list[int]:
    """A costcalc shape as the model's: [H, W, C] → [1, C, H, W], [C] → [1, C]."""
    return [1, shape[2], shape[0], shape[1]] if len(shape) == 3 else [1, *shape]


def _value(name: str, shape):
    import onnx

    return onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, nchw(shape))


class _Model:
    """The nodes and initializers being built; names are made unique as they are given."""

    def __init__(self, weights: str, shapes):
        import numpy

        self.np = numpy
        self.rng = numpy.random.default_rng(SEED)
        self.zeros = weights == "zeros"
        self.values = weights != "none"
        self.declared: list = []  # with --weights none: each weight a graph input with its shape, and no values
        self.shapes = shapes
        self.nodes: list = []
        self.initializers: list = []
        self.tensors: set[str] = set()
        self.node_names: set[str] = set()
        self.path = ""
        self.output: str | None = None
        self.main: dict[str, Any] = {}  # onnx's NodeProto

    def lower(self, node: Node) -> None:
        """A layer or merge's nodes; its last node writes the tensor named by its path."""
        self.path, row = node.output, node.row
        start = len(self.nodes)
        result = LOWER[type(row.op)](self, row, list(node.inputs))
        if len(self.nodes) == start or self.nodes[-1].output[0] != result:
            self.add("Identity", [result], main=len(self.nodes) == start)
        self.nodes[-1].output[0] = node.output

    def name_outputs(self, design: Graph) -> list[tuple[str, tuple[int, ...]]]:
        """Each named output (`outputs:`) as the graph's output of its name, in their order: an Identity of its
        layer's tensor where that is named otherwise (by its path), named `PATH:output`."""
        named = []
        for name, tensor in design.outputs.items():
            if name != tensor:
                name = self.add("Identity", [tensor], self.fresh(name, self.tensors), name=f"{tensor}:output")
            named.append((name, design.shapes[tensor]))
        return named

    def fresh(self, name: str, taken: set[str]) -> str:
        return unique(name, taken, "~")

    def add(self, op_type: str, inputs: list[str], output: str | None = None, main: bool = False, name=None,
            **attributes) -> str:
        """A node of the current layer: named by the path if `main`, else PATH:Op; returns its output."""
        import onnx

        name = self.path if main else self.fresh(name or f"{self.path}:{op_type}", self.node_names)
        output = output or self.fresh(f"{self.path}:{op_type}", self.tensors)
        node = onnx.helper.make_node(op_type, inputs, [output], name=name, **attributes)
        self.nodes.append(node)
        if main:
            self.main[self.path] = node
        return output

    def weight(self, what: str, shape, scale: float = 0.0, mean: float = 0.0, spread: float = 0.0) -> str:
        """An initializer PATH.what: normal(mean, scale), or uniform around `mean` by ±spread; zeros with
        --weights zeros; with --weights none, a graph input of its shape, as
        torch.onnx.export(export_params=False) writes."""
        import onnx
        from onnx import numpy_helper

        if not self.values:
            name = self.fresh(f"{self.path}.{what}", self.tensors)
            self.declared.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, list(shape)))
            return name
        np = self.np
        size = math.prod(shape)
        if self.zeros:
            values = np.zeros(size, np.float32)
        elif spread:
            values = self.rng.uniform(mean - spread, mean + spread, size).astype(np.float32)
        else:
            values = (self.rng.standard_normal(size, np.float32) * np.float32(scale) + np.float32(mean))
        name = self.fresh(f"{self.path}.{what}", self.tensors)
        self.initializers.append(numpy_helper.from_array(values.reshape(shape), name))
        return name

    def kernel(self, shape, fan_in: int) -> str:
        return self.weight("weight", shape, scale=math.sqrt(2 / fan_in))

    def bias(self, channels: int, what: str = "bias") -> str:
        return self.weight(what, (channels,), scale=0.01)

    def constant(self, what: str, values, integer: bool = True) -> str:
        """A Constant node holding `values` (int64 or float32; a scalar where `values` is one number)."""
        import onnx

        kind = onnx.TensorProto.INT64 if integer else onnx.TensorProto.FLOAT
        dims = [] if isinstance(values, (int, float)) else [len(values)]
        tensor = onnx.helper.make_tensor(f"{self.path}:{what}", kind, dims, [values] if not dims else values)
        return self.add("Constant", [], name=f"{self.path}:{what}", value=tensor)

    def annotate(self, figures: dict[str, dict[str, str]]) -> None:
        import onnx

        for path, entries in figures.items():
            node = self.main.get(path)
            if node is not None:
                onnx.helper.set_metadata_props(node, entries)


def _channel_shape(row) -> tuple[int, ...]:
    """The shape of a per-channel weight that broadcasts against the layer's input."""
    return (row.input[-1], 1, 1) if len(row.input) == 3 else (row.input[-1],)


def _window(op, row) -> dict:
    return {"kernel_shape": list(op.kernel), "strides": list(op.stride), "dilations": list(op.dilation),
            "pads": pads(row.input, op.kernel, op.stride, op.dilation, op.padding)}


def _then_activation(m: _Model, row, y: str) -> str:
    return ACTIVATIONS[row.op.activation](m, y, False) if row.op.activation else y


def _conv(m: _Model, row, inputs) -> str:
    op, channels = row.op, row.input[2]
    w = m.kernel((op.filters, channels // op.groups, *op.kernel), channels // op.groups * op.kernel[0] * op.kernel[1])
    biases = [m.bias(op.filters)] if op.bias else []
    y = m.add("Conv", [inputs[0], w, *biases], main=True, group=op.groups, **_window(op, row))
    return _then_activation(m, row, y)


def _depthwise(m: _Model, row, inputs) -> str:
    op, channels = row.op, row.input[2]
    out = channels * op.multiplier
    w = m.kernel((out, 1, *op.kernel), op.kernel[0] * op.kernel[1])
    biases = [m.bias(out)] if op.bias else []
    y = m.add("Conv", [inputs[0], w, *biases], main=True, group=channels, **_window(op, row))
    return _then_activation(m, row, y)


def _separable(m: _Model, row, inputs) -> str:
    op, channels = row.op, row.input[2]
    middle = channels * op.multiplier
    w = m.weight("depthwise_weight", (middle, 1, *op.kernel), scale=math.sqrt(2 / (op.kernel[0] * op.kernel[1])))
    y = m.add("Conv", [inputs[0], w], group=channels, **_window(op, row))
    w = m.weight("pointwise_weight", (op.filters, middle, 1, 1), scale=math.sqrt(2 / middle))
    biases = [m.bias(op.filters)] if op.bias else []
    y = m.add("Conv", [y, w, *biases], main=True, kernel_shape=[1, 1])
    return _then_activation(m, row, y)


def _dense(m: _Model, row, inputs) -> str:
    op, channels = row.op, row.input[-1]
    biases = [m.bias(op.units)] if op.bias else []
    if len(row.input) == 3:  # on [H, W, C], a dense layer is a 1×1 convolution
        w = m.kernel((op.units, channels, 1, 1), channels)
        y = m.add("Conv", [inputs[0], w, *biases], main=True, kernel_shape=[1, 1])
    else:
        w = m.kernel((op.units, channels), channels)
        y = m.add("Gemm", [inputs[0], w, *biases], main=True, transB=1)
    return _then_activation(m, row, y)


def _pool(m: _Model, row, inputs) -> str:
    op = row.op
    attributes: dict[str, Any] = {"kernel_shape": list(op.size), "strides": list(op.stride or op.size),
                                  "pads": pool_pads(row)}
    if isinstance(op, ops.AvgPool):
        # Keras's same leaves the padding out; PyTorch counts it
        attributes["count_include_pad"] = int(op.padding != "same")
    return m.add("MaxPool" if isinstance(op, ops.MaxPool) else "AveragePool", inputs, main=True, **attributes)


def _global_pool(m: _Model, row, inputs) -> str:
    y = m.add("GlobalMaxPool" if isinstance(row.op, ops.GlobalMaxPool) else "GlobalAveragePool", inputs, main=True)
    return y if row.op.keepdims else m.add("Flatten", [y], axis=1)


def _adaptive_pool(m: _Model, row, inputs) -> str:
    """A global pool to 1×1 (as torch.onnx writes it: onnxruntime runs a pool of the map's size on channels off its
    NCHWc blocks 40 times slower); a pool where the windows are equal; else PyTorch's windows along each axis in
    turn, sliced and reduced."""
    (height, width), (oh, ow) = row.input[:2], row.op.output
    maximum = isinstance(row.op, ops.AdaptiveMaxPool)
    if (oh, ow) == (1, 1):
        return m.add("GlobalMaxPool" if maximum else "GlobalAveragePool", inputs, main=True)
    if height % oh == 0 and width % ow == 0:
        size = [height // oh, width // ow]
        return m.add("MaxPool" if maximum else "AveragePool", inputs, main=True, kernel_shape=size, strides=size)
    x = inputs[0]
    for axis, size, out in ((2, height, oh), (3, width, ow)):
        parts = []
        for i in range(out):
            starts, ends = m.constant("start", [i * size // out]), m.constant("end", [-(-(i + 1) * size // out)])
            window = m.add("Slice", [x, starts, ends, m.constant("axis", [axis])])
            parts.append(m.add("ReduceMax" if maximum else "ReduceMean", [window, m.constant("axes", [axis])]))
        x = m.add("Concat", parts, main=axis == 3, axis=axis)
    return x


def _gamma(m: _Model, op, channels: int) -> str:
    """A norm's γ: its weight, or ones where it has none (`scale: false`), which ONNX's norms still take."""
    if op.scale:
        return m.weight("weight", (channels,), mean=1.0, spread=0.1)
    return m.constant("scale", [1.0] * channels, False)


def _batchnorm(m: _Model, row, inputs) -> str:
    op, channels = row.op, row.input[-1]
    scale = _gamma(m, op, channels)
    bias = m.bias(channels) if op.center else m.constant("bias", [0.0] * channels, False)
    mean = m.weight("running_mean", (channels,), scale=0.1)
    var = m.weight("running_var", (channels,), mean=1.0, spread=0.5)
    return m.add("BatchNormalization", [inputs[0], scale, bias, mean, var], main=True, epsilon=1e-3)


def _layernorm(m: _Model, row, inputs) -> str:
    op, channels = row.op, row.input[-1]
    scale = _gamma(m, op, channels)
    biases = [m.bias(channels)] if op.center else []
    x = inputs[0]
    if len(row.input) == 3:  # over the channels at each position: channels last, then back
        x = m.add("Transpose", [x], perm=[0, 2, 3, 1])
    y = m.add("LayerNormalization", [x, scale, *biases], main=True, axis=-1, epsilon=1e-6)
    return m.add("Transpose", [y], perm=[0, 3, 1, 2]) if len(row.input) == 3 else y


def _groupnorm(m: _Model, row, inputs) -> str:
    """GroupNormalization; without γ or β, the instance normalisation of groups that PyTorch's exporter writes
    (ONNX cannot infer GroupNormalization's shape from a Constant γ or β)."""
    op, channels = row.op, row.input[-1]
    if op.scale and op.center:
        scale, bias = m.weight("weight", (channels,), mean=1.0, spread=0.1), m.bias(channels)
        return m.add("GroupNormalization", [inputs[0], scale, bias], main=True, num_groups=op.groups, epsilon=1e-5)
    groups = m.add("Reshape", [inputs[0], m.constant("groups", [0, op.groups, -1])])  # 0: the batch, as it comes
    ones, zeros = m.constant("ones", [1.0] * op.groups, False), m.constant("zeros", [0.0] * op.groups, False)
    y = m.add("InstanceNormalization", [groups, ones, zeros], main=True, epsilon=1e-5)
    y = m.add("Reshape", [y, m.constant("shape", [0, *nchw(row.input)[1:]])])
    if op.scale:
        y = m.add("Mul", [y, m.weight("weight", _channel_shape(row), mean=1.0, spread=0.1)])
    return m.add("Add", [y, m.weight("bias", _channel_shape(row), scale=0.01)]) if op.center else y


def _layer_scale(m: _Model, row, inputs) -> str:
    gamma = m.weight("gamma", _channel_shape(row), mean=1e-6, spread=1e-7)
    return m.add("Mul", [inputs[0], gamma], main=True)


def _normalization(m: _Model, row, inputs) -> str:
    mean = m.weight("mean", _channel_shape(row), scale=0.1)
    variance = m.weight("variance", _channel_shape(row), mean=1.0, spread=0.5)
    m.weight("count", (1,), mean=1.0)  # Keras keeps the count of samples seen by adapt(); no node reads it
    centred = m.add("Sub", [inputs[0], mean])
    return m.add("Div", [centred, m.add("Sqrt", [variance])], main=True)


def _rescaling(m: _Model, row, inputs) -> str:
    y = m.add("Mul", [inputs[0], m.constant("scale", float(row.op.scale), False)], main=True)
    return m.add("Add", [y, m.constant("offset", float(row.op.offset), False)]) if row.op.offset else y


def _prelu(m: _Model, row, inputs) -> str:
    shape = {"channel": _channel_shape(row), "shared": (1,),
             "element": tuple(nchw(row.input)[1:])}[row.op.slopes]
    return m.add("PRelu", [inputs[0], m.weight("weight", shape, mean=0.25)], main=True)


def _flatten(m: _Model, row, inputs) -> str:
    return m.add("Flatten", inputs, main=True, axis=1) if len(row.input) == 3 else inputs[0]


def _dropout(m: _Model, row, inputs) -> str:
    return m.add("Dropout", inputs, main=True)


def _zeropad(m: _Model, row, inputs) -> str:
    top, bottom, left, right = row.op.padding
    return m.add("Pad", [inputs[0], m.constant("pads", [0, 0, top, left, 0, 0, bottom, right])], main=True)


def _crop(m: _Model, row, inputs) -> str:
    (height, width), (top, bottom, left, right) = row.input[:2], row.op.cropping
    starts, ends = m.constant("starts", [top, left]), m.constant("ends", [height - bottom, width - right])
    return m.add("Slice", [inputs[0], starts, ends, m.constant("axes", [2, 3])], main=True)


def _slice(m: _Model, row, inputs) -> str:
    """A range of the channels: axis 1 of NCHW."""
    start, end = row.op.start, row.input[-1] if row.op.end is None else row.op.end
    starts, ends = m.constant("starts", [start]), m.constant("ends", [end])
    return m.add("Slice", [inputs[0], starts, ends, m.constant("axes", [1])], main=True)


def _resize(m: _Model, row, inputs) -> str:
    op = row.op
    modes = ({"mode": "linear", "coordinate_transformation_mode": "half_pixel"} if op.mode == "bilinear" else
             {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"})
    if op.scale is not None:
        scales = m.constant("scales", [1.0, 1.0, float(op.scale[0]), float(op.scale[1])], False)
        return m.add("Resize", [inputs[0], "", scales], main=True, **modes)
    sizes = m.constant("sizes", list(row.output[:2]))  # height and width alone, so that any batch runs
    return m.add("Resize", [inputs[0], "", "", sizes], main=True, axes=[2, 3], **modes)


def _conv_transpose(m: _Model, row, inputs) -> str:
    op, channels = row.op, row.input[2]
    pads, extras = [0, 0, 0, 0], []
    for axis in (0, 1):
        extent = op.dilation[axis] * (op.kernel[axis] - 1) + 1
        extra = 0 if op.output_padding is None else op.output_padding[axis]
        if isinstance(op.padding, tuple):
            before, after = op.padding[2 * axis:2 * axis + 2]
        else:  # Keras's same and valid: whatever pads give its size, the smaller half first
            total = (row.input[axis] - 1) * op.stride[axis] + extent + extra - row.output[axis]
            extra, total = extra - min(total, 0), max(total, 0)
            before, after = total // 2, total - total // 2
        pads[axis], pads[axis + 2] = before, after
        extras.append(extra)
    w = m.kernel((channels, op.filters // op.groups, *op.kernel), channels // op.groups * op.kernel[0] * op.kernel[1])
    biases = [m.bias(op.filters)] if op.bias else []
    y = m.add("ConvTranspose", [inputs[0], w, *biases], main=True, group=op.groups, kernel_shape=list(op.kernel),
              strides=list(op.stride), dilations=list(op.dilation), pads=pads, output_padding=extras)
    return _then_activation(m, row, y)


def _channel_shuffle(m: _Model, row, inputs) -> str:
    groups, shape = row.op.groups, nchw(row.input)
    split = [0, groups, shape[1] // groups, *shape[2:]]  # 0: the batch, as it comes
    y = m.add("Reshape", [inputs[0], m.constant("groups", split)])
    y = m.add("Transpose", [y], main=True, perm=[0, 2, 1, *range(3, len(split))])
    return m.add("Reshape", [y, m.constant("shape", [0, *shape[1:]])])


def _concat(m: _Model, row, inputs) -> str:
    return m.add("Concat", inputs, main=True, axis=1)


def _add(m: _Model, row, inputs) -> str:
    return m.add("Add" if len(inputs) == 2 else "Sum", inputs, main=True)


def _multiply(m: _Model, row, inputs) -> str:
    if len(row.output) == 3:  # a [C] operand broadcasts against [1, C, H, W] as [1, C, 1, 1]
        inputs = [m.add("Unsqueeze", [x, m.constant("axes", [2, 3])]) if len(m.shapes[x]) == 1 else x for x in inputs]
    y = m.add("Mul", inputs[:2], main=True)
    for x in inputs[2:]:
        y = m.add("Mul", [y, x])
    return y


def _activation(kind: str):
    def lower(m: _Model, row, inputs) -> str:
        return ACTIVATIONS[kind](m, inputs[0], True)

    return lower


def _clip(m: _Model, x: str, main: bool) -> str:
    return m.add("Clip", [x, m.constant("min", 0.0, False), m.constant("max", 6.0, False)], main=main)


def _swish(m: _Model, x: str, main: bool) -> str:
    return m.add("Mul", [x, m.add("Sigmoid", [x])], main=main)


def _simple(op_type: str, **attributes):
    return lambda m, x, main: m.add(op_type, [x], main=main, **attributes)


ACTIVATIONS = {
    "relu": _simple("Relu"), "relu6": _clip, "sigmoid": _simple("Sigmoid"), "tanh": _simple("Tanh"),
    "swish": _swish, "silu": _swish, "hswish": _simple("HardSwish"),
    "hsigmoid": _simple("HardSigmoid", alpha=1 / 6, beta=0.5), "softmax": _simple("Softmax", axis=1),
    "gelu": _simple("Gelu"), "leaky_relu": _simple("LeakyRelu", alpha=0.01), "elu": _simple("Elu"),
    "mish": _simple("Mish"),
}

LOWER = {
    ops.Conv: _conv, ops.Depthwise: _depthwise, ops.Separable: _separable, ops.Dense: _dense,
    ops.MaxPool: _pool, ops.AvgPool: _pool, ops.GlobalAvgPool: _global_pool, ops.GlobalMaxPool: _global_pool,
    ops.AdaptiveAvgPool: _adaptive_pool, ops.AdaptiveMaxPool: _adaptive_pool, ops.BatchNorm: _batchnorm,
    ops.PReLU: _prelu, ops.Flatten: _flatten, ops.Dropout: _dropout, ops.ZeroPad: _zeropad,
    norms.LayerNorm: _layernorm, norms.GroupNorm: _groupnorm, norms.LayerScale: _layer_scale,
    norms.Normalization: _normalization, norms.Rescaling: _rescaling,
    resampling.Resize: _resize, resampling.ConvTranspose: _conv_transpose,
    resampling.ChannelShuffle: _channel_shuffle, resampling.Crop: _crop,
    resampling.Slice: _slice, merges.Concat: _concat, merges.Add: _add, merges.Multiply: _multiply,
    **{ops.OPS[kind]: _activation(kind) for kind in ACTIVATIONS},
}
