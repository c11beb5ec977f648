"""Attention in vision models: tokens from a feature map, a class token, learned position embeddings,
multi-head self-attention (ViT), window and shifted-window attention (Swin V1, V2 and video), MaxViT's block
and grid attention, patch merging and stochastic depth. They register their kinds as `ops` does; `export` does
not write them yet (it refuses a design holding one, naming the kind).

Tokens are [L, C] (no batch); Swin keeps its maps [H, W, C] (video Swin its clips [T, H, W, C]). Every
attention's MACs are its parts, each a method the explain board prints: the q, k and v projections, QK^T, AV and
the output projection.
"""

from __future__ import annotations

import math

from ..errors import ShapeError
from ..record import record
from . import options as opt
from .ops import MatMul, Op, Shape, format_shape, image, numel, register
from .options import option
from .spatial import Every, per_axis

CPB_HIDDEN = 512
"""Swin V2's continuous position bias: an MLP Linear(2, 512) + ReLU + Linear(512, heads, bias=False)."""


def tokens_of(kind: str, shape: Shape) -> Shape:
    """Check that `shape` is [L, C], tokens."""
    if len(shape) != 2:
        raise ShapeError(f"{kind} needs tokens [length, channels], got [{format_shape(shape)}]",
                         hint="make tokens of a map [H, W, C] with a `tokens` layer")
    return shape


def class_and_grid(kind: str, shape: Shape, grid: tuple[int, ...] | None) -> Shape:
    """Check that tokens [L, C] are a class token and one per position of `grid` (if given)."""
    if grid is not None and shape[0] != 1 + math.prod(grid):
        raise ShapeError(f"{kind}: {shape[0]} tokens are not a class token and the {format_shape(grid)} grid's "
                         f"{math.prod(grid)} positions", hint=f"give the grid the tokens stand for ({shape[0] - 1} "
                         "positions)")
    return shape


def pooled(grid: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...]) -> tuple[int, ...]:
    """A grid pooled as MViT pools it: padding kernel // 2 on each side of each axis."""
    return tuple((side + 2 * (k // 2) - k) // s + 1 for side, k, s in zip(grid, kernel, stride))


def head_size(kind: str, heads: int, channels: int) -> int:
    if channels % heads:
        raise ShapeError(f"{kind}: heads {heads} must divide the channels ({channels})",
                         hint=f"use a divisor of {channels}")
    return channels // heads


@register
@record
class Tokens(Op):
    """A map [H, W, C] flattened to tokens [H·W, C] (ViT's `x.flatten(2).transpose(1, 2)`), or a clip [T, H, W, C]
    to [T·H·W, C] (MViT's): no cost."""

    kind = "tokens"
    exported = False
    category = "reshape"

    def infer(self, shape: Shape) -> Shape:
        *positions, channels = map_or_clip(self.kind, shape)
        return math.prod(positions), channels


@register
@record
class ClassToken(Op):
    """A learned class token put before the tokens (ViT's `class_token`): [L, C] to [L + 1, C], C parameters."""

    kind = "class_token"
    exported = False
    category = "reshape"

    def infer(self, shape: Shape) -> Shape:
        length, channels = tokens_of(self.kind, shape)
        return length + 1, channels

    def params(self, inp: Shape, out: Shape) -> tuple[int, int]:
        return inp[-1], 0


@register
@record
class FirstToken(Op):
    """The first token's channels, [L, C] to [C] (ViT's `x[:, 0]`, the class token's output): no cost."""

    kind = "first_token"
    exported = False
    category = "reshape"

    def infer(self, shape: Shape) -> Shape:
        return (tokens_of(self.kind, shape)[1],)


@register
@record
class PositionEmbedding(Op):
    """A learned position embedding added to every token (ViT's `pos_embedding`): L·C parameters, L·C additions,
    counted as a bias. With `grid: [T, H, W]` (MViT V1's), a class token's and T·H·W positions' embedding summed
    from a spatial one (H·W·C), a temporal one (T·C) and the class token's (C): T·H·W·C more additions."""

    kind = "position_embedding"
    exported = False
    category = "norm"
    grid: tuple[int, int, int] | None = option(opt.optional_grid, None)

    def infer(self, shape: Shape) -> Shape:
        return class_and_grid(self.kind, tokens_of(self.kind, shape), self.grid)

    def params(self, inp: Shape, out: Shape) -> tuple[int, int]:
        if self.grid is None:
            return numel(inp), 0
        frames, height, width = self.grid
        return (height * width + frames + 1) * inp[-1], 0

    def work(self, inp: Shape, out: Shape) -> dict[str, int]:
        return {"bias": numel(inp) + (numel(inp) - inp[-1] if self.grid else 0)}


@record
class Attention(Op):
    """What self-attention and window attention share: q, k, v and output projections of C channels each, and
    softmax(q·k^T/sqrt(d))·v per head over `span` keys per query."""

    category = "dense"
    family = "conv"
    mixes_positions = True
    exported = False
    heads: int = option(opt.positive_int)
    bias: bool = option(opt.boolean, True)

    def queries(self, inp: Shape) -> int:
        """The positions projected and attended from (a padded map's, for window attention)."""
        return numel(inp) // inp[-1]

    def span(self, inp: Shape) -> int:
        """The keys each query attends to."""
        raise NotImplementedError

    def parts(self, inp: Shape) -> dict[str, int]:
        """The MACs of each part: the projections by P·C·C, QK^T and AV by P·span·C (every head's d = C/heads)."""
        channels = inp[-1]
        head_size(self.kind, self.heads, channels)
        positions, span = self.queries(inp), self.span(inp)
        return {"qkv": 3 * positions * channels * channels, "qk": positions * span * channels,
                "av": positions * span * channels, "out": positions * channels * channels}

    def macs(self, inp: Shape, out: Shape) -> int:
        return sum(self.parts(inp).values())

    def logits(self, inp: Shape) -> int:
        """The attention logits: heads · P · span, each softmaxed."""
        return self.heads * self.queries(inp) * self.span(inp)

    def projection_params(self, channels: int) -> int:
        return 4 * channels * channels + (4 * channels if self.bias else 0)

    def work(self, inp: Shape, out: Shape) -> dict[str, int]:
        """Biases of the projections, q scaled by 1/sqrt(d), and the softmax of every logit."""
        positions = self.queries(inp)
        work = {"norm": positions * inp[-1], "activation": self.logits(inp)}
        if self.bias:
            work["bias"] = 4 * positions * inp[-1]
        return work

    def matmul(self, inp: Shape, out: Shape) -> MatMul:
        channels, span = inp[-1], self.span(inp)
        return self.kind, (self.queries(inp), 4 * channels + 2 * span, channels)


@register
@record
class SelfAttention(Attention):
    """Multi-head self-attention over every token (torch nn.MultiheadAttention as ViT calls it)."""

    kind = "self_attention"
    MAIN = "heads"

    def infer(self, shape: Shape) -> Shape:
        return tokens_of(self.kind, shape)

    def span(self, inp: Shape) -> int:
        return inp[0]

    def params(self, inp: Shape, out: Shape) -> tuple[int, int]:
        return self.projection_params(inp[-1]), 0


def map_or_clip(kind: str, shape: Shape) -> Shape:
    """Check that `shape` is a map [H, W, C] or a clip [T, H, W, C]."""
    if len(shape) not in (3, 4):
        raise ShapeError(f"{kind} needs a map [height, width, channels] or a clip [time, height, width, channels], "
                         f"got [{format_shape(shape)}]", hint="make a map of tokens [L, C] with its size")
    return shape


@register
@record(kw_only=True)
class WindowAttention(Attention):
    """Swin's (shifted) window attention on a map [H, W, C] (torchvision ShiftedWindowAttention and V2) or a clip
    [T, H, W, C] (video Swin's ShiftedWindowAttention3d): the input padded at the end of each axis to whole
    windows, attention within each window, the padding cut off.

    `position_bias: table` is V1's relative position bias table, (2wh−1)(2ww−1)·heads parameters (on a clip
    (2wt−1)(2wh−1)(2ww−1)·heads); `continuous` is V2's log-spaced continuous position bias, an MLP of 2·512 + 512
    + 512·heads parameters run on the (2wh−1)(2ww−1) relative coordinates. `cosine: true` is V2's cosine
    attention: q and k normalised, the logits times a learned scale per head (heads parameters). A shift rolls the
    input and masks the logits of windows that wrap around; as torchvision does, no shift along an axis the window
    covers whole. `shrink: true` is the video Swin's window, cut to the input along an axis it covers whole (its
    table keeps the full window).
    """

    kind = "window_attention"
    MAIN = "heads"
    window: tuple[int, ...] = option(opt.window)
    shift: tuple[int, ...] = option(opt.shift, Every((0, 0)))
    position_bias: str = option(opt.position_bias, "table")
    cosine: bool = option(opt.boolean, False)
    shrink: bool = option(opt.boolean, False, "a window larger than the input cut to it (video Swin)")

    def infer(self, shape: Shape) -> Shape:
        self.full_window(map_or_clip(self.kind, shape))
        return shape

    def full_window(self, inp: Shape) -> tuple[int, ...]:
        """The window as written, one size per axis of the input."""
        return per_axis(self.window, len(inp) - 1, "window")

    def windows(self, inp: Shape) -> tuple[int, ...]:
        """The window the input is cut into: as written, or shrunk to the input's sides where `shrink`."""
        full = self.full_window(inp)
        return tuple(min(window, side) for window, side in zip(full, inp)) if self.shrink else full

    def padded(self, inp: Shape) -> tuple[int, ...]:
        return tuple(-(-side // window) * window for side, window in zip(inp, self.windows(inp)))

    def queries(self, inp: Shape) -> int:
        return math.prod(self.padded(inp))

    def span(self, inp: Shape) -> int:
        return math.prod(self.windows(inp))

    def shifts(self, inp: Shape) -> tuple[int, ...]:
        """The shift, one size per axis of the input."""
        return per_axis(self.shift, len(inp) - 1, "shift")

    def shifted(self, inp: Shape) -> bool:
        """Whether a shift is applied: torchvision drops it along an axis the window covers whole."""
        return any(shift and window < side
                   for shift, window, side in zip(self.shifts(inp), self.full_window(inp), inp))

    def offsets(self, inp: Shape) -> int:
        """The relative positions within a whole window: the product of 2w − 1 over its axes."""
        return math.prod(2 * window - 1 for window in self.full_window(inp))

    def bias_mlp_macs(self, inp: Shape) -> int:
        """V2's continuous position bias MLP, run once per forward on every relative position."""
        return self.offsets(inp) * (2 + self.heads) * CPB_HIDDEN if self.position_bias == "continuous" else 0

    def parts(self, inp: Shape) -> dict[str, int]:
        parts = Attention.parts(self, inp)
        return {**parts, "bias_mlp": self.bias_mlp_macs(inp)} if self.position_bias == "continuous" else parts

    def params(self, inp: Shape, out: Shape) -> tuple[int, int]:
        if self.position_bias == "table":
            bias = self.offsets(inp) * self.heads
        else:
            bias = 2 * CPB_HIDDEN + CPB_HIDDEN + CPB_HIDDEN * self.heads
        return self.projection_params(inp[-1]) + bias + (self.heads if self.cosine else 0), 0

    def work(self, inp: Shape, out: Shape) -> dict[str, int]:
        """Beyond self-attention's: the position bias added to every logit, and the mask where shifted; V2's
        bias MLP (its bias and ReLU, then 16·sigmoid), and cosine attention's norms of q and k (3 per element:
        a square, a sum, a division) and scale per logit, in place of q's 1/sqrt(d)."""
        work = Attention.work(self, inp, out)
        logits = self.logits(inp)
        work["bias"] = work.get("bias", 0) + logits * (1 + self.shifted(inp))
        if self.cosine:
            work["norm"] = 6 * self.queries(inp) * inp[-1] + logits
        if self.position_bias == "continuous":
            work["bias"] += self.offsets(inp) * CPB_HIDDEN
            work["activation"] += self.offsets(inp) * (CPB_HIDDEN + 2 * self.heads)
        return work


@register
@record(kw_only=True)
class PartitionAttention(Attention):
    """MaxViT's block and grid attention (torchvision PartitionAttentionLayer's RelativePositionalMultiHeadAttention)
    on a map [H, W, C]: the map cut into groups of size×size positions, neighbours (`window`, block attention) or a
    grid of positions H/size and W/size apart (`grid`), and attention within each group with a relative position
    bias table of (2·size − 1)²·heads parameters. Both partitions cost alike; torchvision needs the map's sides to
    be multiples of size."""

    kind = "partition_attention"
    MAIN = "heads"
    size: int = option(opt.positive_int)
    partition: str = option(opt.partition, "window")

    def infer(self, shape: Shape) -> Shape:
        height, width, _ = image(self.kind, shape)
        if height % self.size or width % self.size:
            raise ShapeError(f"{self.kind}: the map's sides {height}×{width} must be multiples of size {self.size}",
                             hint=f"give an input whose map here is a multiple of {self.size} on each side")
        return shape

    def span(self, inp: Shape) -> int:
        return self.size * self.size

    def offsets(self) -> int:
        """The relative positions within a group: (2·size − 1)²."""
        return (2 * self.size - 1) ** 2

    def params(self, inp: Shape, out: Shape) -> tuple[int, int]:
        return self.projection_params(inp[-1]) + self.offsets() * self.heads, 0

    def work(self, inp: Shape, out: Shape) -> dict[str, int]:
        """Beyond self-attention's (k scaled where ViT scales q): the position bias added to every logit."""
        work = Attention.work(self, inp, out)
        work["bias"] = work.get("bias", 0) + self.logits(inp)
        return work


@register
@record(kw_only=True)
class PoolingAttention(Attention):
    """MViT's pooling attention (torchvision MultiscaleAttention) on tokens [1 + T·H·W, C], a class token and one
    per position of `grid` [T, H, W]: q, k and v projected to `out` channels (C by default), each head's q pooled by
    a depthwise Conv3d of `kernel_q` and `stride_q` and k and v by `kernel_kv` and `stride_kv` (padding kernel // 2,
    the class token left out; a pool where the kernel or stride exceeds 1), each pool followed by a LayerNorm of
    the head's channels; attention of the pooled q over the pooled k and v, and the output projection: [1 + T'·H'·W',
    out]. `relative: true` is V2's decomposed relative position embedding (tables of the head's channels along
    time, height and width, read by q: two einsums and a matmul); `residual: true` is V2's residual pooling, q added
    to the output but for the class token."""

    kind = "pooling_attention"
    MAIN = "heads"
    grid: tuple[int, int, int] = option(opt.grid)
    out: int | None = option(opt.positive_int, None)
    kernel_q: tuple[int, ...] = option(opt.spatial, Every((1, 1)))
    stride_q: tuple[int, ...] = option(opt.spatial, Every((1, 1)))
    kernel_kv: tuple[int, ...] = option(opt.spatial, Every((1, 1)))
    stride_kv: tuple[int, ...] = option(opt.spatial, Every((1, 1)))
    relative: bool = option(opt.boolean, False)
    residual: bool = option(opt.boolean, False)

    def channels(self, inp: Shape) -> int:
        return self.out or inp[-1]

    def pool(self, which: str) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
        """The kernel and stride of q's pool (`q`) or k's and v's (`kv`), or None where there is none."""
        kernel = per_axis(getattr(self, f"kernel_{which}"), 3, f"kernel_{which}")
        stride = per_axis(getattr(self, f"stride_{which}"), 3, f"stride_{which}")
        return (kernel, stride) if math.prod(kernel) > 1 or math.prod(stride) > 1 else None

    def grid_of(self, which: str) -> tuple[int, ...]:
        """The positions of q (`q`) or of k and v (`kv`) after their pool."""
        pool = self.pool(which)
        return self.grid if pool is None else pooled(self.grid, *pool)

    def infer(self, shape: Shape) -> Shape:
        class_and_grid(self.kind, tokens_of(self.kind, shape), self.grid)
        head_size(self.kind, self.heads, self.channels(shape))
        return 1 + math.prod(self.grid_of("q")), self.channels(shape)

    def queries(self, inp: Shape) -> int:
        return 1 + math.prod(self.grid_of("q"))

    def span(self, inp: Shape) -> int:
        return 1 + math.prod(self.grid_of("kv"))

    def pool_macs(self, inp: Shape) -> int:
        """The depthwise Conv3d pools: per pooled position and channel, the kernel's taps."""
        channels, macs = self.channels(inp), 0
        for which, count in (("q", 1), ("kv", 2)):
            pool = self.pool(which)
            if pool is not None:
                macs += count * math.prod(self.grid_of(which)) * channels * math.prod(pool[0])
        return macs

    def relative_parts(self, inp: Shape) -> dict[str, int]:
        """V2's relative position terms: q (but the class token) times the height, width and time tables."""
        frames, height, width = self.grid_of("kv")
        queries, channels = math.prod(self.grid_of("q")), self.channels(inp)
        return {"rel_h": queries * height * channels, "rel_w": queries * width * channels,
                "rel_t": queries * frames * channels}

    def parts(self, inp: Shape) -> dict[str, int]:
        channels, queries, span = self.channels(inp), self.queries(inp), self.span(inp)
        parts = {"qkv": 3 * inp[0] * inp[-1] * channels, "pool": self.pool_macs(inp), "qk": queries * span * channels,
                 "av": queries * span * channels, "out": queries * channels * channels}
        return {**parts, **self.relative_parts(inp)} if self.relative else parts

    def pool_norms(self, inp: Shape) -> int:
        """The elements the pools' LayerNorms normalise (the class token's too)."""
        channels = self.channels(inp)
        return sum(count * (1 + math.prod(self.grid_of(which))) * channels
                   for which, count in (("q", 1), ("kv", 2)) if self.pool(which) is not None)

    def relative_params(self, inp: Shape) -> int:
        """Tables of (2·max(q side, kv side) − 1) along height and along width, and 2T − 1 along time, each of the
        head's channels; the sides as torchvision sizes them, the grid's largest side floor-divided by the strides."""
        if not self.relative:
            return 0
        side = max(self.grid[1:])
        strides = [pool[1][1] if pool else 1 for pool in (self.pool("q"), self.pool("kv"))]
        spatial = 2 * max(side // stride for stride in strides) - 1
        return (2 * spatial + 2 * self.grid[0] - 1) * (self.channels(inp) // self.heads)

    def params(self, inp: Shape, out: Shape) -> tuple[int, int]:
        channels, size = self.channels(inp), self.channels(inp) // self.heads
        projections = 3 * inp[-1] * channels + channels * channels + (4 * channels if self.bias else 0)
        pools = sum(count * (size * math.prod(pool[0]) + 2 * size)
                    for pool, count in ((self.pool("q"), 1), (self.pool("kv"), 2)) if pool is not None)
        return projections + pools + self.relative_params(inp), 0

    def work(self, inp: Shape, out: Shape) -> dict[str, int]:
        """The projections' biases, q scaled, the pools' LayerNorms (7 per element, as a layernorm's), V2's relative
        terms summed into the logits (3 per logit but the class token's), the softmax, and V2's residual pooling."""
        channels, logits = self.channels(inp), self.logits(inp)
        work = {"norm": out[0] * channels + 7 * self.pool_norms(inp), "activation": logits}
        if self.bias:
            work["bias"] = 3 * inp[0] * channels + out[0] * channels
        if self.relative:
            work["bias"] = work.get("bias", 0) + 3 * self.heads * math.prod(self.grid_of("q")) * \
                math.prod(self.grid_of("kv"))
        if self.residual:
            work["merge"] = (out[0] - 1) * channels
        return work

    def matmul(self, inp: Shape, out: Shape) -> MatMul:
        return self.kind, (inp[0], 4 * self.channels(inp) + 2 * self.span(inp), inp[-1])


@register
@record(kw_only=True)
class TokenMaxPool(Op):
    """MViT's pooled skip connection (torchvision's Pool of a MaxPool3d): tokens [1 + T·H·W, C] of a `grid` [T, H, W]
    max pooled on the grid by `size` and `stride` (padding size // 2), the class token kept."""

    kind = "token_maxpool"
    exported = False
    category = "pool"
    mixes_positions = True
    grid: tuple[int, int, int] = option(opt.grid)
    size: tuple[int, ...] = option(opt.spatial)
    stride: tuple[int, ...] = option(opt.spatial)

    def window(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return per_axis(self.size, 3, "size"), per_axis(self.stride, 3, "stride")

    def infer(self, shape: Shape) -> Shape:
        class_and_grid(self.kind, tokens_of(self.kind, shape), self.grid)
        return 1 + math.prod(pooled(self.grid, *self.window())), shape[-1]

    def work(self, inp: Shape, out: Shape) -> dict[str, int]:
        return {"pooling": (out[0] - 1) * out[-1] * math.prod(self.window()[0])}


@register
@record
class PatchMerge(Op):
    """Swin's patch merging without its norm and linear: each 2×2 patch's channels concatenated, [H, W, C] to
    [ceil(H/2), ceil(W/2), 4C], an odd side padded with zeros first (torchvision's _patch_merging_pad); on a clip
    [T, H, W, C], every frame so (video Swin): no cost."""

    kind = "patch_merge"
    exported = False
    category = "reshape"

    def infer(self, shape: Shape) -> Shape:
        *frames, height, width, channels = map_or_clip(self.kind, shape)
        return *frames, -(-height // 2), -(-width // 2), 4 * channels


@register
@record
class StochasticDepth(Op):
    """Stochastic depth (torchvision.ops.StochasticDepth): a residual branch dropped at random in training, the
    identity at inference, so free."""

    kind = "stochastic_depth"
    exported = False
    MAIN = "rate"
    category = "reshape"
    rate: float | None = option(opt.rate, None)
