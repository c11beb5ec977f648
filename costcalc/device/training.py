"""Training: the MACs of a forward and backward pass, and the memory a training step holds.

A tensor needs a gradient when it depends on a trainable weight (the network input does not;
a layer's output does when its input does or when it has trainable weights), as autograd
decides. Over the unfused dataflow, for each layer with MACs:

    forward MACs         the layer's MACs
    input-gradient MACs  its MACs again, when its input needs a gradient (not the first
                         layer, nor one reached from the input by layers without weights);
                         a separable layer whose input needs none still computes its
                         pointwise part's input gradient, for its depthwise weights
    weight-gradient MACs its MACs again, when it has trainable weights

Training FLOPs = 2 × (forward + input-gradient + weight-gradient MACs), as
torch.utils.flop_counter counts convolutions and matrix products, plus the forward's other
FLOPs (bias, norms, activations, pooling, merges, under the convention) twice: once forward,
once backward.

Training memory = weights (all parameters) + gradients (trainable parameters) + optimizer
state (per trainable parameter: sgd none, momentum one, adam two), all at the weight dtype,
+ saved activations: every tensor of the forward pass (the input and every layer's output)
kept for the backward, at the activation dtype, times the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..count.engine import DesignResult
from ..model.ops import Separable
from .traffic import dataflow

OPTIMIZER_STATES = {"sgd": 0, "momentum": 1, "adam": 2}
MAC_KINDS = ("conv", "dense")


@dataclass(frozen=True, slots=True)
class Training:
    """A training step's MACs and FLOPs, and its memory in bytes, for a batch."""

    forward_macs: int
    input_grad_macs: int
    weight_grad_macs: int
    other_flops: int
    weights_bytes: int
    gradient_bytes: int
    optimizer_bytes: int
    saved_activation_bytes: int

    @property
    def macs(self) -> int:
        return self.forward_macs + self.input_grad_macs + self.weight_grad_macs

    @property
    def flops(self) -> int:
        return 2 * self.macs + 2 * self.other_flops

    @property
    def memory(self) -> int:
        return self.weights_bytes + self.gradient_bytes + self.optimizer_bytes + self.saved_activation_bytes


def training(design: DesignResult, batch: int = 1, optimizer: str = "adam", activation_bytes: int = 4,
             weight_bytes: int | None = None) -> Training:
    """What one training step of `design` costs on a batch of `batch`."""
    weight_bytes = activation_bytes if weight_bytes is None else weight_bytes
    flow = dataflow(design)
    needs_grad = [False] * len(flow.sizes)
    forward = input_grad = weight_grad = 0
    for step in flow.steps:
        row, inputs_need = step.row, any(needs_grad[t] for t in step.reads)
        trainable = row.cost.trainable_params > 0
        needs_grad[step.tensor] = inputs_need or trainable
        forward += row.cost.macs
        weight_grad += row.cost.macs if trainable else 0
        if inputs_need:
            input_grad += row.cost.macs
        elif isinstance(row.op, Separable) and trainable:
            input_grad += row.output[0] * row.output[1] * row.input[2] * row.op.multiplier * row.op.filters
    other = design.total.flops - sum(design.breakdown.get(kind, 0) for kind in MAC_KINDS)
    trainable_params = design.total.trainable_params
    return Training(batch * forward, batch * input_grad, batch * weight_grad, batch * other,
                    design.total.params * weight_bytes, trainable_params * weight_bytes,
                    OPTIMIZER_STATES[optimizer] * trainable_params * weight_bytes,
                    batch * sum(flow.sizes) * activation_bytes)
