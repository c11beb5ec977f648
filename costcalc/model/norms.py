"""Normalisation and scaling kinds beside batchnorm: layer and group normalisation, ConvNeXt's layer
scale, and Keras's preprocessing layers Normalization and Rescaling.

Their elementwise work is counted under the operation kind `norm`, already in operations
(costcalc's convention weighs it 1): unlike batchnorm at inference, layer and group
normalisation compute their statistics from every input.
"""

from __future__ import annotations

from ..record import record
from . import options as opt
from .ops import Op, Shape, channel_groups, numel, register
from .options import option

STATISTICS = 5  # per element: a sum (mean); a subtraction, a square and a sum (variance); a multiplication by 1/σ


@record
class Norm(Op):
    """Normalisation over groups of channels, computed at inference, with optional learned γ and β."""

    category = "norm"
    center: bool = option(opt.boolean, True)
    scale: bool = option(opt.boolean, True)
    torch: str = option(opt.torch_call, "module")

    def params(self, inp: Shape, out: Shape) -> tuple[int, int]:
        return (self.center + self.scale) * inp[-1], 0

    def per_element(self) -> int:
        """costcalc's operations per element: the statistics, then γ·x and + β where learned."""
        return STATISTICS + self.scale + self.center

    def work(self, inp: Shape, out: Shape) -> dict[str, int]:
        return {"norm": self.per_element() * numel(out)}


@register
@record
class LayerNorm(Norm):
    """Layer normalisation over the channels at each position (Keras LayerNormalization(axis=-1),
    torch nn.LayerNorm(C) on channels-last tensors, torchvision's LayerNorm2d)."""

    kind = "layernorm"


@register
@record(kw_only=True)
class GroupNorm(Norm):
    """Group normalisation: statistics over each group of channels and all positions
    (Keras GroupNormalization, torch nn.GroupNorm)."""

    kind = "groupnorm"
    mixes_positions = True
    groups: int = option(opt.positive_int)

    def infer(self, shape: Shape) -> Shape:
        return channel_groups(self.groups, shape)


@register
@record
class LayerScale(Op):
    """A learned multiplier per channel (ConvNeXt's layer scale, `gamma * x`)."""

    kind = "layer_scale"
    category = "norm"

    def params(self, inp: Shape, out: Shape) -> tuple[int, int]:
        return inp[-1], 0

    def work(self, inp: Shape, out: Shape) -> dict[str, int]:
        return {"norm": numel(out)}


@register
@record
class Normalization(Op):
    """Keras's Normalization layer: (x − mean) / σ with a mean and a variance per channel and a
    sample count, all non-trainable."""

    kind = "normalization"
    category = "norm"

    def params(self, inp: Shape, out: Shape) -> tuple[int, int]:
        return 0, 2 * inp[-1] + 1

    def work(self, inp: Shape, out: Shape) -> dict[str, int]:
        return {"norm": 2 * numel(out)}


@register
@record
class Rescaling(Op):
    """Keras's Rescaling layer: x · scale + offset, constants with no weights."""

    kind = "rescaling"
    category = "norm"
    scale: float = option(opt.number)
    offset: float = option(opt.number, 0)

    def work(self, inp: Shape, out: Shape) -> dict[str, int]:
        return {"norm": 2 * numel(out)}
