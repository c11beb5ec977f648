"""Attention in vision models: tokens from a feature map, a class token, learned position embeddings,
multi-head self-attention (ViT), window and shifted-window attention (Swin V1 and V2), patch merging and
stochastic depth. They register their kinds as `ops` does; `export` does not write them yet (it refuses a design
holding one, naming the kind).

Tokens are [L, C] (no batch); Swin keeps its maps [H, W, C]. Every attention's MACs are its parts, each
a method the explain board prints: the q, k and v projections, QK^T, AV and the output projection.
"""

from __future__ import annotations

import math

from ..errors import ShapeError
from ..record import record
from . import options as opt
from .ops import MatMul, Op, Shape, format_shape, image, numel, register
from .options import option

CPB_HIDDEN = 512
"""Swin V2's continuous position bias: an MLP Linear(2, 512) + ReLU + Linear(512, heads, bias=False)."""


def tokens_of(kind: str, shape: Shape) -> Shape:
    """Check that `shape` is [L, C], tokens."""
    if len(shape) != 2:
        raise ShapeError(f"{kind} needs tokens [length, channels], got [{format_shape(shape)}]",
                         hint="make tokens of a map [H, W, C] with a `tokens` layer")
    return shape


def head_size(kind: str, heads: int, channels: int) -> int:
    if channels % heads:
        raise ShapeError(f"{kind}: heads {heads} must divide the channels ({channels})",
                         hint=f"use a divisor of {channels}")
    return channels // heads


@register
@record
class Tokens(Op):
    """A map [H, W, C] flattened to tokens [H·W, C] (ViT's `x.flatten(2).transpose(1, 2)`): no cost."""

    kind = "tokens"
    exported = False
    category = "reshape"

    def infer(self, shape: Shape) -> Shape:
        height, width, channels = image(self.kind, shape)
        return height * width, channels


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
    counted as a bias."""

    kind = "position_embedding"
    exported = False
    category = "norm"

    def infer(self, shape: Shape) -> Shape:
        return tokens_of(self.kind, shape)

    def params(self, inp: Shape, out: Shape) -> tuple[int, int]:
        return numel(inp), 0

    def work(self, inp: Shape, out: Shape) -> dict[str, int]:
        return {"bias": numel(inp)}


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


@register
@record(kw_only=True)
class WindowAttention(Attention):
    """Swin's (shifted) window attention on a map [H, W, C] (torchvision ShiftedWindowAttention and V2): the map
    padded at the bottom and right to whole windows, attention within each window, the padding cut off.

    `position_bias: table` is V1's relative position bias table, (2wh−1)(2ww−1)·heads parameters;
    `continuous` is V2's log-spaced continuous position bias, an MLP of 2·512 + 512 + 512·heads parameters run
    on the (2wh−1)(2ww−1) relative coordinates. `cosine: true` is V2's cosine attention: q and k normalised, the
    logits times a learned scale per head (heads parameters). A shift rolls the map and masks the logits of
    windows that wrap around; as torchvision does, no shift along an axis the window covers whole.
    """

    kind = "window_attention"
    MAIN = "heads"
    window: tuple[int, int] = option(opt.pair)
    shift: tuple[int, int] = option(opt.non_negative_pair, (0, 0))
    position_bias: str = option(opt.position_bias, "table")
    cosine: bool = option(opt.boolean, False)

    def infer(self, shape: Shape) -> Shape:
        return image(self.kind, shape)

    def padded(self, inp: Shape) -> tuple[int, int]:
        (height, width), (wh, ww) = inp[:2], self.window
        return -(-height // wh) * wh, -(-width // ww) * ww

    def queries(self, inp: Shape) -> int:
        return math.prod(self.padded(inp))

    def span(self, inp: Shape) -> int:
        return self.window[0] * self.window[1]

    def shifted(self, inp: Shape) -> bool:
        """Whether a shift is applied: torchvision drops it along an axis where the window covers the padded map."""
        return any(shift and window < side for shift, window, side in zip(self.shift, self.window, self.padded(inp)))

    def offsets(self) -> int:
        """The relative positions within a window: (2wh − 1)(2ww − 1)."""
        return (2 * self.window[0] - 1) * (2 * self.window[1] - 1)

    def bias_mlp_macs(self) -> int:
        """V2's continuous position bias MLP, run once per forward on every relative position."""
        return self.offsets() * (2 + self.heads) * CPB_HIDDEN if self.position_bias == "continuous" else 0

    def parts(self, inp: Shape) -> dict[str, int]:
        parts = Attention.parts(self, inp)
        return {**parts, "bias_mlp": self.bias_mlp_macs()} if self.position_bias == "continuous" else parts

    def params(self, inp: Shape, out: Shape) -> tuple[int, int]:
        if self.position_bias == "table":
            bias = self.offsets() * self.heads
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
            work["bias"] += self.offsets() * CPB_HIDDEN
            work["activation"] += self.offsets() * (CPB_HIDDEN + 2 * self.heads)
        return work


@register
@record
class PatchMerge(Op):
    """Swin's patch merging without its norm and linear: each 2×2 patch's channels concatenated, [H, W, C] to
    [ceil(H/2), ceil(W/2), 4C], an odd side padded with zeros first (torchvision's _patch_merging_pad): no cost."""

    kind = "patch_merge"
    exported = False
    category = "reshape"

    def infer(self, shape: Shape) -> Shape:
        height, width, channels = image(self.kind, shape)
        return -(-height // 2), -(-width // 2), 4 * channels


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
