"""A design as PyTorch code: one self-contained `nn.Module`, written as text (no torch needed to write it).

Each layer is one attribute, named by its path made an identifier (`3a/5x5/conv2` → `_3a_5x5_conv2`;
`PATHS` maps them back); `forward` follows the spec's tensors, merges included. Tensors are NCHW.
Padding PyTorch's modules cannot hold (Keras's `same` where it is uneven) is an `F.pad` in
`forward`, so that every module's weights and MACs are the layer's. Names from the spec reach the
code only as identifiers and `repr` string literals.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from .. import __version__
from ..errors import CostcalcError
from ..model import merges, norms, ops, resampling
from .graph import CodeWriter, Graph, call, pads, pool_pads, returned

ACTIVATIONS = {
    "relu": "nn.ReLU()", "relu6": "nn.ReLU6()", "sigmoid": "nn.Sigmoid()", "tanh": "nn.Tanh()", "swish": "nn.SiLU()",
    "silu": "nn.SiLU()", "hswish": "nn.Hardswish()", "hsigmoid": "nn.Hardsigmoid()", "softmax": "nn.Softmax(dim=1)",
    "gelu": "nn.GELU()", "leaky_relu": "nn.LeakyReLU()", "elu": "nn.ELU()", "mish": "nn.Mish()",
}

HELPERS = {
    "LayerNorm2d": '''class LayerNorm2d(nn.LayerNorm):
    """Layer normalisation over the channels at each position (torchvision's LayerNorm2d)."""

    def forward(self, x):
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
''',
    "Narrow": '''class Narrow(nn.Module):
    """A range of the channels, start and length (a part of torch.chunk or torch.split)."""

    def __init__(self, start, length):
        super().__init__()
        self.start, self.length = start, length

    def forward(self, x):
        return x.narrow(1, self.start, self.length)
''',
    "Shuffle": '''class Shuffle(nn.Module):
    """ShuffleNet's channel shuffle as torchvision writes it (view, transpose, view): nn.ChannelShuffle's result,
    in operations torch.onnx.export's TorchScript exporter can write (nn.ChannelShuffle it cannot, at opset 17)."""

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, x):
        n, c, *rest = x.shape
        x = x.view(n, self.groups, c // self.groups, *rest).transpose(1, 2)
        return x.reshape(n, c, *rest)
''',
    "Scale": '''class Scale(nn.Module):
    """A learned multiplier per channel (ConvNeXt's layer scale)."""

    def __init__(self, shape):
        super().__init__()
        self.gamma = nn.Parameter(torch.full(shape, 1e-6))

    def forward(self, x):
        return x * self.gamma
''',
    "Affine": '''class Affine(nn.Module):
    """A normalisation without learned weights, then a learned scale and/or offset per channel."""

    def __init__(self, norm, shape, scale, center):
        super().__init__()
        self.norm = norm
        self.weight = nn.Parameter(torch.ones(shape)) if scale else None
        self.bias = nn.Parameter(torch.zeros(shape)) if center else None

    def forward(self, x):
        x = self.norm(x)
        x = x if self.weight is None else x * self.weight
        return x if self.bias is None else x + self.bias
''',
    "Normalization": '''class Normalization(nn.Module):
    """Keras's Normalization: (x - mean) / sqrt(variance), with its sample count; all buffers, none trained."""

    def __init__(self, shape):
        super().__init__()
        self.register_buffer("mean", torch.zeros(shape))
        self.register_buffer("variance", torch.ones(shape))
        self.register_buffer("count", torch.zeros(1))

    def forward(self, x):
        return (x - self.mean) / self.variance.sqrt()
''',
    "Rescaling": '''class Rescaling(nn.Module):
    """Keras's Rescaling: x * scale + offset, constants."""

    def __init__(self, scale, offset):
        super().__init__()
        self.scale, self.offset = scale, offset

    def forward(self, x):
        return x * self.scale + self.offset
''',
    "ElementPReLU": '''class ElementPReLU(nn.Module):
    """A PReLU with a slope for every element (Keras's default PReLU)."""

    def __init__(self, shape):
        super().__init__()
        self.weight = nn.Parameter(torch.full(shape, 0.25))

    def forward(self, x):
        return torch.where(x >= 0, x, x * self.weight)
''',
}


def module_code(design: Graph, title: str) -> str:
    """The Python source of a module `Model` for the design, importing only torch."""
    writer = _Writer(design)
    for node in design.nodes:
        writer.node(node)
    helpers = "\n\n".join(HELPERS[name] for name in sorted(writer.helpers))
    shape = design.input_shape
    example = (1, shape[2], shape[0], shape[1]) if len(shape) == 3 else (1, shape[0])
    return "\n".join([
        f'"""A PyTorch nn.Module written by costcalc {__version__} (`costcalc export --to pytorch`): NCHW tensors."""',
        "",
        "import torch",
        "from torch import nn",
        "from torch.nn import functional as F",
        "",
        *writer.header(title, example),
        '"""Each attribute (and tensor in forward) by the path of its layer in the spec."""',
        "", "", *([helpers, ""] if helpers else []),
        "class Model(nn.Module):",
        "    def __init__(self):",
        "        super().__init__()",
        *(f"        self.{name} = {module}" for name, module in writer.modules),
        "",
        "    def forward(self, x):",
        *(f"        {line}" for line in writer.lines),
        f"        return {returned(design, writer.tensors)}",
        "", "",
        'if __name__ == "__main__":',
        "    print({name: y.shape for name, y in Model()(torch.zeros(INPUT)).items()})" if design.outputs else
        "    print(Model()(torch.zeros(INPUT)).shape)",
        "",
    ])


class _Writer(CodeWriter):
    def __init__(self, design: Graph):
        super().__init__(design, {"self", "torch", "nn", "F", "Model", *HELPERS})
        self.modules: list[tuple[str, str]] = []

    def node(self, node) -> None:
        name, inputs = self.named(node)
        row = node.row
        if row.role == "merge":
            self.lines.append(f"{name} = {_merge(row, inputs, [self.shapes[x] for x in node.inputs])}")
            return
        module, padding = _module(row, self.helpers)
        source = inputs[0]
        if padding:
            self.lines.append(f"{name} = F.pad({source}, {padding})")
            source = name
        self.modules.append((name, f"{module}.requires_grad_(False)" if row.frozen else module))
        self.lines.append(f"{name} = self.{name}({source})")
        if getattr(row.op, "activation", None):
            self.lines.append(f"{name} = {_functional(row.op.activation, name)}")


def _functional(kind: str, x: str) -> str:
    """An activation option as a call in forward: F.relu(x), torch.sigmoid(x), F.softmax(x, dim=1)."""
    return f"{FUNCTIONAL[kind]}({x}, dim=1)" if kind == "softmax" else f"{FUNCTIONAL[kind]}({x})"


FUNCTIONAL = {"relu": "F.relu", "relu6": "F.relu6", "sigmoid": "torch.sigmoid", "tanh": "torch.tanh", "swish": "F.silu",
              "silu": "F.silu", "hswish": "F.hardswish", "hsigmoid": "F.hardsigmoid", "softmax": "F.softmax",
              "gelu": "F.gelu", "leaky_relu": "F.leaky_relu", "elu": "F.elu", "mish": "F.mish"}


def _split(found: list[int]) -> tuple[tuple[int, int], tuple[int, int, int, int] | None]:
    """ONNX-ordered pads as a module's symmetric (ph, pw), or (0, 0) and F.pad's (left, right, top, bottom)."""
    top, left, bottom, right = found
    if top == bottom and left == right:
        return (top, left), None
    return (0, 0), (left, right, top, bottom)


def _module(row, helpers: set[str]) -> tuple[str, tuple | None]:
    """The module's constructor call, and the F.pad before it if any."""
    op = row.op
    kind = type(op)
    if kind in (ops.Conv, ops.Depthwise, ops.Separable):
        (padding, extra) = _split(pads(row.input, op.kernel, op.stride, op.dilation, op.padding))
        return _conv(row, padding), extra
    if isinstance(op, ops.Pool):
        padding, extra = _split(pool_pads(row))
        if extra is None and (padding[0] * 2 > op.size[0] or padding[1] * 2 > op.size[1]):
            padding, extra = (0, 0), (padding[1], padding[1], padding[0], padding[0])
        stride = op.stride or op.size
        if isinstance(op, ops.MaxPool):
            return call("nn.MaxPool2d", op.size, stride=stride, padding=padding, defaults=POOL_DEFAULTS), extra
        include = op.padding != "same"  # Keras's same leaves the padding out of the average
        return call("nn.AvgPool2d", op.size, stride=stride, padding=padding, count_include_pad=include,
                     defaults=POOL_DEFAULTS), extra
    return SIMPLE[kind](row, helpers), None


CONV_DEFAULTS = {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, "bias": True, "output_padding": 0}
_conv_call = partial(call, defaults=CONV_DEFAULTS)
POOL_DEFAULTS = {"padding": 0, "count_include_pad": True}  # a pool's stride defaults to its size: always written


def _conv(row, padding) -> str:
    op, channels = row.op, row.input[2]
    common = {"stride": op.stride, "padding": padding, "dilation": op.dilation}
    if isinstance(op, ops.Conv):
        return _conv_call("nn.Conv2d", channels, op.filters, op.kernel, **common, groups=op.groups, bias=op.bias)
    if isinstance(op, ops.Depthwise):
        return _conv_call("nn.Conv2d", channels, channels * op.multiplier, op.kernel, **common, groups=channels,
                          bias=op.bias)
    middle = channels * op.multiplier
    depthwise = _conv_call("nn.Conv2d", channels, middle, op.kernel, **common, groups=channels, bias=False)
    return f"nn.Sequential({depthwise}, {_conv_call('nn.Conv2d', middle, op.filters, 1, bias=op.bias)})"


def _conv_transpose(row, helpers) -> str:
    """PyTorch's symmetric padding p and output_padding that give the spec's size on each axis."""
    op, channels = row.op, row.input[2]
    padding, extras = [], []
    for axis in (0, 1):
        extent = op.dilation[axis] * (op.kernel[axis] - 1) + 1
        total = (row.input[axis] - 1) * op.stride[axis] + extent - row.output[axis]
        p = max(0, -(-total // 2))
        padding.append(p)
        extras.append(2 * p - total)
        if extras[-1] >= max(op.stride[axis], op.dilation[axis]):
            raise CostcalcError(f"{row.path} (conv_transpose): its size needs an output_padding of {extras[-1]}, which "
                                "PyTorch refuses (it must be below the stride or the dilation)", row.where)
    return _conv_call("nn.ConvTranspose2d", channels, op.filters, op.kernel, stride=op.stride, padding=tuple(padding),
                 output_padding=tuple(extras), groups=op.groups, bias=op.bias, dilation=op.dilation)


def _channel_shape(row) -> tuple[int, ...]:
    return (row.input[-1], 1, 1) if len(row.input) == 3 else (row.input[-1],)


def _norm(row, helpers, norm: str, word: str = "affine") -> str:
    """A normalisation with both or neither of γ and β as PyTorch writes it (`{off}` is where `affine=False` goes),
    or one of them as Affine."""
    op = row.op
    off = f", {word}=False"
    if op.scale == op.center:
        return norm.format(off="" if op.scale else off)
    helpers.add("Affine")
    return f"Affine({norm.format(off=off)}, {_channel_shape(row)}, scale={op.scale}, center={op.center})"


def _batchnorm(row, helpers) -> str:
    return _norm(row, helpers, f"nn.BatchNorm{'2d' if len(row.input) == 3 else '1d'}({row.input[-1]}, eps=1e-3{{off}})")


def _layernorm(row, helpers) -> str:
    if len(row.input) == 3:
        helpers.add("LayerNorm2d")
    name = "LayerNorm2d" if len(row.input) == 3 else "nn.LayerNorm"
    return _norm(row, helpers, f"{name}({row.input[-1]}, eps=1e-6{{off}})", "elementwise_affine")


def _groupnorm(row, helpers) -> str:
    return _norm(row, helpers, f"nn.GroupNorm({row.op.groups}, {row.input[-1]}{{off}})")


def _helper(name: str, arguments):
    def write(row, helpers) -> str:
        helpers.add(name)
        return f"{name}({arguments(row)})"

    return write


def _prelu(row, helpers) -> str:
    if row.op.slopes == "element":
        helpers.add("ElementPReLU")
        shape = row.input if len(row.input) == 1 else (row.input[2], row.input[0], row.input[1])
        return f"ElementPReLU({tuple(shape)})"
    return f"nn.PReLU({row.input[-1]})" if row.op.slopes == "channel" else "nn.PReLU()"


def _adaptive(row, helpers) -> str:
    name = "AdaptiveMaxPool2d" if isinstance(row.op, ops.AdaptiveMaxPool) else "AdaptiveAvgPool2d"
    return f"nn.{name}({row.op.output})"


def _global(row, helpers) -> str:
    name = "AdaptiveMaxPool2d" if isinstance(row.op, ops.GlobalMaxPool) else "AdaptiveAvgPool2d"
    return f"nn.{name}(1)" if row.op.keepdims else f"nn.Sequential(nn.{name}(1), nn.Flatten())"


def _resize(row, helpers) -> str:
    op = row.op
    target = f"scale_factor={tuple(float(s) for s in op.scale)}" if op.scale else f"size={tuple(row.output[:2])}"
    return f"nn.Upsample({target}, mode={op.mode!r})"


def _crop(row, helpers) -> str:
    top, bottom, left, right = row.op.cropping
    return f"nn.ZeroPad2d({(-left, -right, -top, -bottom)})"  # negative padding crops


def _zeropad(row, helpers) -> str:
    top, bottom, left, right = row.op.padding
    return f"nn.ZeroPad2d({(left, right, top, bottom)})"


def _dense(row, helpers) -> str:
    op, channels = row.op, row.input[-1]
    if len(row.input) == 3:  # on [H, W, C] a dense layer is a 1×1 convolution
        return f"nn.Conv2d({channels}, {op.units}, 1, bias={op.bias})"
    return f"nn.Linear({channels}, {op.units}, bias={op.bias})"


SIMPLE: dict[type, Callable[..., str]] = {
    ops.Dense: _dense, ops.GlobalAvgPool: _global, ops.GlobalMaxPool: _global,
    ops.AdaptiveAvgPool: _adaptive, ops.AdaptiveMaxPool: _adaptive, ops.BatchNorm: _batchnorm, ops.PReLU: _prelu,
    ops.Flatten: lambda row, helpers: "nn.Flatten()",
    ops.Dropout: lambda row, helpers: f"nn.Dropout({row.op.rate if row.op.rate is not None else 0.5})",
    ops.ZeroPad: _zeropad, norms.LayerNorm: _layernorm, norms.GroupNorm: _groupnorm,
    norms.LayerScale: _helper("Scale", lambda row: _channel_shape(row)),
    norms.Normalization: _helper("Normalization", lambda row: _channel_shape(row)),
    norms.Rescaling: _helper("Rescaling", lambda row: f"{float(row.op.scale)!r}, {float(row.op.offset)!r}"),
    resampling.Resize: _resize, resampling.ConvTranspose: _conv_transpose,
    resampling.ChannelShuffle: _helper("Shuffle", lambda row: f"{row.op.groups}"),
    resampling.Crop: _crop, resampling.Slice: _helper("Narrow", lambda row: f"{row.op.start}, {row.output[-1]}"),
    **{ops.OPS[kind]: (lambda module: lambda row, helpers: module)(module) for kind, module in ACTIVATIONS.items()},
}


def _merge(row, inputs: list[str], shapes) -> str:
    if isinstance(row.op, merges.Concat):
        return f"torch.cat([{', '.join(inputs)}], dim=1)"
    if isinstance(row.op, merges.Add):
        return " + ".join(inputs)
    if len(row.output) == 3:  # a [C] operand broadcasts as [N, C, 1, 1]
        inputs = [f"{x}[:, :, None, None]" if len(shape) == 1 else x for x, shape in zip(inputs, shapes)]
    return " * ".join(inputs)
