"""The layer kinds: one frozen record (a dataclass, costcalc.record) each, whose fields are the kind's options.

Every kind answers four questions about an input shape (channels last, no batch axis; the kinds that slide or pool
a window take one, two or three spatial axes, model/spatial.py):
`infer` the output shape, `macs` the multiply-accumulates, `params` the trainable and
non-trainable parameters, and `work` the elementwise operations that are not MACs
(bias additions, normalisation, activations, pooling), which a FLOP convention weighs.
It also says what the analyses ask of it: `matmul` (the kernel it runs on a device, as a
matrix multiply; `stages`, the kernels it runs as, one after the other), `receptive_window` and
`mixes_positions` (its receptive field), and `family` (its colour on a roofline chart), so that no
analysis tells kinds apart itself.
`OPS` maps a kind's name to its class; the engine never asks for a kind by name.
"""

from __future__ import annotations

import math
from typing import ClassVar, TypeVar

from ..errors import ShapeError
from ..record import MISSING, fields, record
from ..varying import anywhere, gcd
from . import options as opt
from .options import option
from .spatial import Every, axes_of, per_axis, sides

Shape = tuple[int, ...]
OPS: dict[str, type[Op]] = {}
AnOp = TypeVar("AnOp", bound="Op")

Window = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], "opt.Padding"]
"""A window slid over height and width: kernel, stride, dilation, and padding (`same`, or top, bottom,
left, right; negative where rows and columns are cut)."""
MatMul = tuple[str, tuple[int, int, int]]
"""A kernel's name and its matrix multiply per sample: M output positions, N outputs per position,
K inputs per output (a pool: its window; an elementwise op: 1)."""


def numel(shape: Shape) -> int:
    return math.prod(shape)


def format_shape(shape: Shape) -> str:
    return "×".join(str(d) for d in shape)


def register(cls):
    OPS[cls.kind] = cls
    return cls


def variant(base: type[AnOp], name: str, kind: str, doc: str) -> type[AnOp]:
    """A registered kind that differs from `base` only in its name (max or average pooling)."""
    return register(type(name, (base,), {"kind": kind, "__slots__": (), "__doc__": doc, "__module__": __name__}))


@record
class Op:
    """Base of every layer kind."""

    kind: ClassVar[str]
    category: ClassVar[str]
    SIZED_BY_TENSOR: ClassVar[tuple[str, ...]] = ()
    """Options that may name a tensor instead (`size: skip1`): its [height, width] is the value."""
    MAIN: ClassVar[str | None] = None
    """The option a bare value would mean (`dense: 10` is units), where the kind has more than one required
    option or none; else the one required option is the main one."""
    family: ClassVar[str] = "other"
    """Its kind of kernel on a roofline chart: conv (data reused: convolutions, dense), depthwise, other."""
    mixes_positions: ClassVar[bool] = False
    """Whether each output reads every position of the input (a groupnorm's statistics)."""
    exported: ClassVar[bool] = True
    """Whether `export` writes it (ONNX, PyTorch, Keras); else it refuses the design, naming the kind."""

    @classmethod
    def option_fields(cls) -> dict:
        return {f.name: f for f in fields(cls) if "check" in f.metadata}

    @classmethod
    def required(cls) -> list[str]:
        return [name for name, f in cls.option_fields().items() if f.default is MISSING]

    @classmethod
    def has_weights(cls) -> bool:
        """Whether the kind has parameters, which `trainable: false` may freeze."""
        return cls.params is not Op.params

    @classmethod
    def main_option(cls) -> str | None:
        required = cls.required()
        return cls.MAIN or (required[0] if len(required) == 1 else None)

    def infer(self, shape: Shape) -> Shape:
        return shape

    def macs(self, inp: Shape, out: Shape) -> int:
        return 0

    def params(self, inp: Shape, out: Shape) -> tuple[int, int]:
        return 0, 0

    def work(self, inp: Shape, out: Shape) -> dict[str, int]:
        return {}

    def matmul(self, inp: Shape, out: Shape) -> MatMul:
        return elementwise(self.kind, out)

    def stages(self, inp: Shape, out: Shape) -> tuple[tuple[MatMul, int], ...]:
        """The kernels it runs as, one after the other, each with its MACs per sample: its one `matmul`."""
        return ((self.matmul(inp, out), self.macs(inp, out)),)

    def receptive_window(self, inp: Shape) -> Window | None:
        """The window it slides, or None: none (elementwise), or a field costcalc does not model."""
        return None


def elementwise(kind: str, out: Shape) -> MatMul:
    """An op that computes each output from one input element: M positions, N channels, K 1."""
    return kind, (numel(out) // out[-1], out[-1], 1)


ONE = (1, 1)


def image(kind: str, shape: Shape) -> Shape:
    """Check that `shape` is [H, W, C] for a spatial kind."""
    if len(shape) != 3:
        raise ShapeError(
            f"{kind} needs an input of [height, width, channels], got [{format_shape(shape)}]",
            hint="a global pool gives [C]; give it keepdims: true to keep [1, 1, C]" if len(shape) == 1 else None,
        )
    return shape


def channel_groups(groups: int, shape: Shape) -> Shape:
    """Check that `groups` divides the channels (the last axis) of `shape`."""
    if shape[-1] % groups:
        raise ShapeError(f"groups {groups} must divide the channels ({shape[-1]})",
                         hint=f"use a divisor of {shape[-1]}")
    return shape


def window_out(shape: Shape, kernel, stride, dilation, padding, ceil_mode: bool = False) -> tuple[int, ...]:
    """Output sizes of a sliding window along each spatial axis, following Keras (`same`) and PyTorch; `padding`
    is `same` or a before and an after per axis."""
    spatial = shape[:-1]
    if padding == "same":
        return tuple(-(-size // step) for size, step in zip(spatial, stride))
    befores, afters = padding[0::2], padding[1::2]
    padded = tuple(size + before + after for size, before, after in zip(spatial, befores, afters))
    extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(anywhere(room < span) for room, span in zip(padded, extent)):
        dilated = "" if all(d == 1 for d in dilation) else f" (dilated to {format_shape(extent)})"
        raise ShapeError(
            f"kernel {format_shape(kernel)}{dilated} is larger than the padded input {format_shape(padded)}",
            hint="use padding: same, more padding or a smaller kernel",
        )
    sizes = []
    for size, before, after, span, step in zip(spatial, befores, afters, extent, stride):
        room = size + before + after - span
        out = (-(-room // step) if ceil_mode else room // step) + 1
        if ceil_mode:  # PyTorch drops a last window that starts in the right padding
            out -= (out - 1) * step >= size + before
        sizes.append(out)
    return tuple(sizes)


def same_padding(size: int, span: int, stride: int) -> int:
    """Padding before the first window of `span` under `same`, as Keras and TensorFlow place it (the smaller
    half)."""
    out = -(-size // stride)
    return max((out - 1) * stride + span - size, 0) // 2


def _outputs_reading(offset: int, size: int, outputs: int, stride: int) -> int:
    """How many of `outputs` windows, the o-th reading o·stride + `offset`, read inside [0, size)."""
    first, last = max(0, -(offset // stride)), min(outputs - 1, (size - 1 - offset) // stride)
    return max(0, last - first + 1)


def _bias_and_activation(layer, out: Shape) -> dict[str, int]:
    work = {}
    if layer.bias:
        work["bias"] = numel(out)
    if layer.activation:
        work["activation"] = numel(out)
    return work


@record(kw_only=True)
class Sliding(Op):
    """The options and window of the convolutions: kernel, stride, padding, dilation, bias, activation."""

    category = "conv"
    kernel: tuple[int, ...] = option(opt.spatial)
    stride: tuple[int, ...] = option(opt.spatial, Every((1, 1)))
    padding: opt.Padding = option(opt.padding, "same")
    dilation: tuple[int, ...] = option(opt.spatial, Every((1, 1)))
    bias: bool = option(opt.boolean, True)
    activation: str | None = option(opt.activation, None)

    family = "conv"

    def window(self, shape: Shape) -> tuple[int, ...]:
        """Its output's spatial sizes, with kernel, stride, dilation and padding read for the input's axes."""
        axes = axes_of(self.kind, shape)
        return window_out(shape, per_axis(self.kernel, axes, "kernel"), per_axis(self.stride, axes, "stride"),
                          per_axis(self.dilation, axes, "dilation"), sides(self.padding, axes))

    def taps(self, inp: Shape) -> int:
        """The kernel's size: its taps over every spatial axis."""
        return math.prod(per_axis(self.kernel, len(inp) - 1, "kernel"))

    def receptive_window(self, inp: Shape) -> Window | None:
        return self.kernel, self.stride, self.dilation, self.padding

    def landed(self, inp: Shape, out: Shape) -> int:
        """Its (output position, tap) pairs whose tap falls on the input, not in the padding: along each axis,
        tap j of output o reads o·stride + j·dilation − the padding before, which must lie in [0, size)."""
        axes = len(inp) - 1
        kernel, stride = per_axis(self.kernel, axes, "kernel"), per_axis(self.stride, axes, "stride")
        dilation, padding = per_axis(self.dilation, axes, "dilation"), sides(self.padding, axes)
        befores = (tuple(same_padding(size, d * (k - 1) + 1, s) for size, k, s, d in zip(inp, kernel, stride, dilation))
                   if isinstance(padding, str) else padding[0::2])
        axes_of_window = zip(inp[:-1], out[:-1], kernel, stride, dilation, befores)
        return math.prod(sum(_outputs_reading(j * d - before, size, outputs, s) for j in range(k))
                         for size, outputs, k, s, d, before in axes_of_window)

    def work(self, inp: Shape, out: Shape) -> dict[str, int]:
        return _bias_and_activation(self, out)


@register
@record(kw_only=True)
class Conv(Sliding):
    """A 2-D convolution (Keras Conv2D, torch nn.Conv2d)."""

    kind = "conv"
    MAIN = "filters"
    filters: int = option(opt.positive_int)
    groups: int = option(opt.positive_int, 1)

    def infer(self, shape: Shape) -> Shape:
        size = self.window(shape)
        channels = shape[-1]
        if anywhere(channels % self.groups) or anywhere(self.filters % self.groups):
            raise ShapeError(
                f"groups {self.groups} must divide both the input channels ({channels}) and filters ({self.filters})"
            )
        return (*size, self.filters)

    def weights(self, inp: Shape) -> int:
        return self.taps(inp) * (inp[-1] // self.groups) * self.filters

    def macs(self, inp: Shape, out: Shape) -> int:
        return numel(out[:-1]) * self.weights(inp)

    def landed_macs(self, inp: Shape, out: Shape) -> int:
        """Its MACs whose taps fall on the input, not in the padding (`landed`)."""
        return self.landed(inp, out) * (inp[-1] // self.groups) * self.filters

    def params(self, inp: Shape, out: Shape) -> tuple[int, int]:
        return self.weights(inp) + (self.filters if self.bias else 0), 0

    def matmul(self, inp: Shape, out: Shape) -> MatMul:
        area, groups = self.taps(inp), self.groups
        dilated = area > 1 and any(d > 1 for d in per_axis(self.dilation, len(inp) - 1, "dilation"))
        name = "conv grouped" if groups > 1 else "conv 1x1" if area == 1 else "conv dilated" if dilated else "conv"
        return name, (numel(out[:-1]), self.filters // groups, inp[-1] // groups * area)


@register
@record(kw_only=True)
class Depthwise(Sliding):
    """A depthwise convolution: `multiplier` filters per input channel (Keras DepthwiseConv2D)."""

    kind = "depthwise"
    family = "depthwise"
    multiplier: int = option(opt.positive_int, 1)

    def infer(self, shape: Shape) -> Shape:
        return (*self.window(shape), shape[-1] * self.multiplier)

    def macs(self, inp: Shape, out: Shape) -> int:
        return numel(out) * self.taps(inp)

    def params(self, inp: Shape, out: Shape) -> tuple[int, int]:
        return self.taps(inp) * out[-1] + (out[-1] if self.bias else 0), 0

    def matmul(self, inp: Shape, out: Shape) -> MatMul:
        """N counts every channel's outputs, not one group's as a grouped conv's does: a group of a depthwise is
        a few taps of one channel, and what it costs goes with the channels' count (torch took 45 µs at 7×7×176
        with 3×3 taps, about what a 1×1 conv takes there; per group, 16 and 960 channels were one shape)."""
        return self.kind, (numel(out[:-1]), out[-1], self.taps(inp))


@register
@record(kw_only=True)
class Separable(Sliding):
    """Depthwise then 1×1 pointwise convolution, bias on the pointwise part (Keras SeparableConv2D)."""

    kind = "separable"
    MAIN = "filters"
    filters: int = option(opt.positive_int)
    multiplier: int = option(opt.positive_int, 1)

    def infer(self, shape: Shape) -> Shape:
        return (*self.window(shape), self.filters)

    def macs(self, inp: Shape, out: Shape) -> int:
        middle = inp[-1] * self.multiplier
        return numel(out[:-1]) * middle * (self.taps(inp) + self.filters)

    def params(self, inp: Shape, out: Shape) -> tuple[int, int]:
        middle = inp[-1] * self.multiplier
        return middle * (self.taps(inp) + self.filters) + (self.filters if self.bias else 0), 0

    def matmul(self, inp: Shape, out: Shape) -> MatMul:
        return self.kind, (numel(out[:-1]), self.filters, inp[-1] * self.multiplier)

    def stages(self, inp: Shape, out: Shape) -> tuple[tuple[MatMul, int], ...]:
        """A depthwise kernel, then a 1×1 conv on its output: two nodes (or ops) in every runtime it exports to."""
        positions, middle, taps = numel(out[:-1]), inp[-1] * self.multiplier, self.taps(inp)
        return ((("depthwise", (positions, middle, taps)), positions * middle * taps),
                (("conv 1x1", (positions, self.filters, middle)), positions * middle * self.filters))


@register
@record
class Dense(Op):
    """A fully connected layer on the last axis (Keras Dense, torch nn.Linear)."""

    kind = "dense"
    category = "dense"
    family = "conv"
    units: int = option(opt.positive_int)
    bias: bool = option(opt.boolean, True)
    activation: str | None = option(opt.activation, None)

    def infer(self, shape: Shape) -> Shape:
        return (*shape[:-1], self.units)

    def macs(self, inp: Shape, out: Shape) -> int:
        return numel(inp) * self.units

    def params(self, inp: Shape, out: Shape) -> tuple[int, int]:
        return inp[-1] * self.units + (self.units if self.bias else 0), 0

    def matmul(self, inp: Shape, out: Shape) -> MatMul:
        return self.kind, (numel(inp) // inp[-1], self.units, inp[-1])

    def work(self, inp: Shape, out: Shape) -> dict[str, int]:
        return _bias_and_activation(self, out)


@record
class Pool(Op):
    """A local pooling window; `stride` defaults to `size`."""

    category = "pool"
    size: tuple[int, ...] = option(opt.spatial)
    stride: tuple[int, ...] | None = option(opt.spatial, None)
    padding: opt.Padding = option(opt.padding, "same")
    ceil_mode: bool = option(opt.boolean, False)
    torch: str = option(opt.torch_call, "module")

    def infer(self, shape: Shape) -> Shape:
        axes = axes_of(self.kind, shape)
        size, stride = per_axis(self.size, axes, "size"), per_axis(self.stride or self.size, axes, "stride")
        return (*window_out(shape, size, stride, (1,) * axes, sides(self.padding, axes), self.ceil_mode), shape[-1])

    def taps(self, inp: Shape) -> int:
        return math.prod(per_axis(self.size, len(inp) - 1, "size"))

    def work(self, inp: Shape, out: Shape) -> dict[str, int]:
        return {"pooling": numel(out) * self.taps(inp)}

    def matmul(self, inp: Shape, out: Shape) -> MatMul:
        return self.kind, (numel(out[:-1]), out[-1], self.taps(inp))

    def receptive_window(self, inp: Shape) -> Window | None:
        return self.size, self.stride or self.size, ONE, self.padding


MaxPool = variant(Pool, "MaxPool", "maxpool", "Max pooling (Keras MaxPooling2D, torch nn.MaxPool2d).")
AvgPool = variant(Pool, "AvgPool", "avgpool", "Average pooling (Keras AveragePooling2D, torch nn.AvgPool2d).")


@record
class GlobalPool(Op):
    """Pooling over every spatial axis (the whole height and width)."""

    category = "pool"
    mixes_positions = True
    keepdims: bool = option(opt.boolean, False)
    torch: str = option(opt.torch_call, "module")

    def infer(self, shape: Shape) -> Shape:
        axes = axes_of(self.kind, shape)
        return (*(1,) * axes, shape[-1]) if self.keepdims else (shape[-1],)

    def work(self, inp: Shape, out: Shape) -> dict[str, int]:
        return {"pooling": numel(inp)}


GlobalAvgPool = variant(GlobalPool, "GlobalAvgPool", "global_avgpool",
                        "Global average pooling (Keras GlobalAveragePooling2D).")
GlobalMaxPool = variant(GlobalPool, "GlobalMaxPool", "global_maxpool", "Global max pooling (Keras GlobalMaxPooling2D).")


def adaptive_windows(size: int, out: int) -> int:
    """Total length of PyTorch's adaptive windows along one axis."""
    # Window i spans floor(i·size/out) to ceil((i+1)·size/out); summed over i this is
    # size + out − gcd(size, out), in constant time however large `out` is.
    return size + out - gcd(size, out)


@record
class AdaptivePool(Op):
    """Pooling to a fixed output size, with PyTorch's windows."""

    category = "pool"
    output: tuple[int, ...] = option(opt.spatial)
    torch: str = option(opt.torch_call, "module")

    def infer(self, shape: Shape) -> Shape:
        return (*per_axis(self.output, axes_of(self.kind, shape), "output"), shape[-1])

    def work(self, inp: Shape, out: Shape) -> dict[str, int]:
        return {"pooling": math.prod(adaptive_windows(size, to) for size, to in zip(inp[:-1], out[:-1])) * inp[-1]}

    def receptive_window(self, inp: Shape) -> Window | None:
        """Windows of one size where the output divides the input; PyTorch's uneven windows are not modelled."""
        if any(size % out for size, out in zip(inp[:2], self.output)):
            return None
        kernel = (inp[0] // self.output[0], inp[1] // self.output[1])
        return kernel, kernel, ONE, (0, 0, 0, 0)


AdaptiveAvgPool = variant(AdaptivePool, "AdaptiveAvgPool", "adaptive_avgpool",
                          "Adaptive average pooling (torch nn.AdaptiveAvgPool2d).")
AdaptiveMaxPool = variant(AdaptivePool, "AdaptiveMaxPool", "adaptive_maxpool",
                          "Adaptive max pooling (torch nn.AdaptiveMaxPool2d).")


@register
@record
class BatchNorm(Op):
    """Batch normalisation over the last axis, counted as Keras counts it."""

    kind = "batchnorm"
    category = "batchnorm"
    center: bool = option(opt.boolean, True)
    scale: bool = option(opt.boolean, True)

    def params(self, inp: Shape, out: Shape) -> tuple[int, int]:
        channels = inp[-1]
        return (self.center + self.scale) * channels, 2 * channels

    def work(self, inp: Shape, out: Shape) -> dict[str, int]:
        return {"batchnorm": numel(out)}


@record
class Activation(Op):
    """An elementwise activation function."""

    category = "activation"
    torch: str = option(opt.torch_call, "module")

    def work(self, inp: Shape, out: Shape) -> dict[str, int]:
        return {"activation": numel(out)}


for _name in opt.ACTIVATIONS:
    variant(Activation, _name.title().replace("_", ""), _name, f"The {_name} activation.")


@register
@record(kw_only=True)
class PReLU(Activation):
    """A leaky ReLU with learned slopes (Keras PReLU, torch nn.PReLU): one per channel, one shared, or
    one per element (Keras's default, shared_axes=None)."""

    kind = "prelu"
    slopes: str = option(opt.slopes)

    def params(self, inp: Shape, out: Shape) -> tuple[int, int]:
        return {"channel": inp[-1], "shared": 1, "element": numel(inp)}[self.slopes], 0


@register
@record
class Flatten(Op):
    """Flattens to one axis; the identity on [C]."""

    kind = "flatten"
    category = "reshape"

    def infer(self, shape: Shape) -> Shape:
        return (numel(shape),)


@register
@record
class Dropout(Op):
    """Dropout: no cost at inference."""

    kind = "dropout"
    MAIN = "rate"
    category = "reshape"
    rate: float | None = option(opt.rate, None)


@register
@record
class ZeroPad(Op):
    """Zero padding of height and width (Keras ZeroPadding2D, torch nn.ZeroPad2d)."""

    kind = "zeropad"
    category = "reshape"
    padding: tuple[int, int, int, int] = option(opt.four_sides)

    def infer(self, shape: Shape) -> Shape:
        height, width, channels = image(self.kind, shape)
        top, bottom, left, right = self.padding
        return height + top + bottom, width + left + right, channels

    def receptive_window(self, inp: Shape) -> Window | None:
        return ONE, ONE, ONE, self.padding


from . import norms, resampling, attention  # noqa: E402, F401, I001  last (they import this module); their kinds register
# in OPS in this order, the order of the schema and of every list of kinds
