"""Kinds that move values rather than weigh them, and the transposed convolution: resize,
conv_transpose, channel_shuffle, crop and slice (which a `split` is made of)."""

from __future__ import annotations

from typing import ClassVar

from ..errors import ShapeError
from ..record import record
from ..varying import anywhere
from . import options as opt
from .ops import (
    ONE,
    MatMul,
    Op,
    Shape,
    Sliding,
    Window,
    channel_groups,
    format_shape,
    image,
    numel,
    register,
)
from .options import option
from .spatial import per_axis

BILINEAR = 7  # per output element: four neighbours weighted (4 multiplications) and summed (3 additions)


@register
@record
class Resize(Op):
    """Resizing of height and width, nearest or bilinear (Keras UpSampling2D and Resizing, torch
    nn.Upsample and F.interpolate), to a target given in exactly one of the TARGETS forms."""

    kind = "resize"
    MAIN = "scale"
    category = "resize"
    TARGETS: ClassVar[tuple[str, ...]] = ("scale", "size")  # a new form: one option here and one case in `target`
    SIZED_BY_TENSOR: ClassVar[tuple[str, ...]] = ("size",)  # size: skip1, as F.interpolate(size=skip1.shape[-2:])
    mode: str = option(opt.resize_mode, "nearest")
    scale: tuple[int, int] | None = option(opt.pair, None)
    size: tuple[int, int] | None = option(opt.size, None)
    torch: str = option(opt.torch_call, "module")

    def infer(self, shape: Shape) -> Shape:
        height, width, channels = image(self.kind, shape)
        return (*self.target(height, width), channels)

    def target(self, height: int, width: int) -> tuple[int, int]:
        given = [name for name in self.TARGETS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ShapeError(f"resize takes one of {' or '.join(self.TARGETS)}, got {' and '.join(given) or 'neither'}",
                             hint="scale: 2 doubles the height and width; size: [H, W] sets them")
        if self.scale is not None:
            return height * self.scale[0], width * self.scale[1]
        assert self.size is not None  # one of the two is given
        return self.size

    def work(self, inp: Shape, out: Shape) -> dict[str, int]:
        return {"resize": BILINEAR * numel(out)} if self.mode == "bilinear" else {}


@register
@record(kw_only=True)
class ConvTranspose(Sliding):
    """A transposed convolution (Keras Conv2DTranspose, torch nn.ConvTranspose2d): each input element
    is multiplied by filters/groups kernels, which overlap in the output."""

    kind = "conv_transpose"
    MAIN = "filters"
    filters: int = option(opt.positive_int)
    groups: int = option(opt.positive_int, 1)
    padding: opt.Padding = option(opt.transpose_padding, "same")
    output_padding: tuple[int, int] | None = option(opt.non_negative_pair, None)

    def infer(self, shape: Shape) -> Shape:
        channels = image(self.kind, shape)[2]
        for name in ("kernel", "stride", "dilation"):  # one number, or one per axis of the image's two
            per_axis(getattr(self, name), 2, name)
        if channels % self.groups or self.filters % self.groups:
            raise ShapeError(
                f"groups {self.groups} must divide both the input channels ({channels}) and filters ({self.filters})"
            )
        return self.side(shape[0], 0), self.side(shape[1], 1), self.filters

    def side(self, size: int, axis: int) -> int:
        """Keras's rule for same and valid, PyTorch's (H−1)·s − 2p + d·(k−1) + output_padding + 1 otherwise."""
        stride, dilation = self.stride[axis], self.dilation[axis]
        extent = dilation * (self.kernel[axis] - 1) + 1
        extra = None if self.output_padding is None else self.output_padding[axis]
        if extra is not None and extra >= max(stride, dilation):
            raise ShapeError(f"output_padding {extra} must be smaller than the stride ({stride}) or the dilation "
                             f"({dilation})", hint="as PyTorch requires; output_padding picks one of the sizes a "
                             "stride can give, it does not pad freely")
        if self.padding == "same":
            return size * stride if extra is None else (size - 1) * stride + extent % 2 + extra
        if isinstance(self.padding, str):  # valid
            return (size - 1) * stride + (max(extent, stride) if extra is None else extent + extra)
        before, after = self.padding[2 * axis:2 * axis + 2]
        out = (size - 1) * stride - before - after + extent + (extra or 0)
        if out < 1:
            raise ShapeError(f"padding {before} + {after} leaves no output of an input side of {size}",
                             hint="use less padding")
        return out

    def weights(self, inp: Shape) -> int:
        return self.kernel[0] * self.kernel[1] * inp[2] * (self.filters // self.groups)

    def macs(self, inp: Shape, out: Shape) -> int:
        return inp[0] * inp[1] * self.weights(inp)

    def params(self, inp: Shape, out: Shape) -> tuple[int, int]:
        return self.weights(inp) + (self.filters if self.bias else 0), 0

    def matmul(self, inp: Shape, out: Shape) -> MatMul:
        return self.kind, (inp[0] * inp[1], self.filters // self.groups * self.kernel[0] * self.kernel[1],
                           inp[2] // self.groups)

    def receptive_window(self, inp: Shape) -> Window | None:
        return None  # its outputs' fields overlap unevenly: not modelled


@register
@record
class ChannelShuffle(Op):
    """ShuffleNet's channel shuffle (torch nn.ChannelShuffle): a permutation of the channels."""

    kind = "channel_shuffle"
    category = "reshape"
    groups: int = option(opt.positive_int)

    def infer(self, shape: Shape) -> Shape:
        return channel_groups(self.groups, shape)


@register
@record
class Slice(Op):
    """A range of the channels, start up to (not including) end (torch x[:, start:end], narrow, chunk and split;
    ONNX Slice and Split): a copy, no arithmetic. Strict: 0 ≤ start < end ≤ channels; no end reads to the last."""

    kind = "slice"
    category = "reshape"
    start: int = option(opt.non_negative_int, 0, "the first channel taken")
    end: int | None = option(opt.positive_int, None, "the channel after the last taken; none: to the last")

    def infer(self, shape: Shape) -> Shape:
        channels = shape[-1]
        end = channels if self.end is None else self.end
        if anywhere(end > channels) or anywhere(self.start >= end):
            raise ShapeError(f"slice [{self.start}, {end}) is not a range of the {channels} channels",
                             hint=f"0 ≤ start < end ≤ {channels}")
        return (*shape[:-1], end - self.start)


@register
@record
class Crop(Op):
    """Cropping of height and width (Keras Cropping2D): rows and columns removed at the borders."""

    kind = "crop"
    category = "reshape"
    cropping: tuple[int, int, int, int] = option(opt.cropping)

    def infer(self, shape: Shape) -> Shape:
        height, width, channels = image(self.kind, shape)
        top, bottom, left, right = self.cropping
        if top + bottom >= height or left + right >= width:
            raise ShapeError(f"cropping [{top}, {bottom}, {left}, {right}] leaves nothing of {format_shape(shape[:2])}",
                             hint="crop less than the height and width")
        return height - top - bottom, width - left - right, channels

    def receptive_window(self, inp: Shape) -> Window | None:
        return ONE, ONE, ONE, tuple(-side for side in self.cropping)
