"""FLOP conventions: named sets of counting rules, costcalc's own and those of other tools.

A convention turns one layer (or merge) into counts by operation kind: conv, dense, bias,
batchnorm, norm, activation, pooling, resize, merge. Its rules are looked up along the op's
class hierarchy, so one rule serves every pool and every activation; a kind with no rule
counts nothing. The rules of fvcore, ptflops and thop were learnt by counting single layers
with each tool; docs/conventions.md gives them with that evidence. Where a tool has no rule
for a layer kind at all (it counts 0 without knowing the op), the convention's `no_rule`
says so, and `costcalc conventions` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

from ..model.merges import Merge
from ..model.norms import GroupNorm, LayerNorm
from ..model.ops import (
    Activation,
    AdaptiveAvgPool,
    AdaptivePool,
    AvgPool,
    BatchNorm,
    Dense,
    GlobalAvgPool,
    GlobalPool,
    Op,
    Pool,
    PReLU,
    Shape,
    Sliding,
    numel,
)
from ..model.options import ACTIVATIONS
from ..model.resampling import ConvTranspose, Resize
from ..varying import anywhere

KINDS = ("conv", "dense", "bias", "batchnorm", "norm", "activation", "pooling", "resize", "merge")
EVERY_FORM = ("module", "functional", "operator")  # the values of the option `torch`


@dataclass(frozen=True, slots=True)
class Facts:
    """What a rule may read about one layer or merge."""

    op: Op | Merge
    inp: Shape
    out: Shape
    macs: int
    work: dict[str, int]

    @property
    def inputs(self) -> int:
        return numel(self.inp)

    @property
    def outputs(self) -> int:
        return numel(self.out)


Rule = Callable[[Facts], dict[str, int]]


@dataclass(frozen=True, slots=True)
class Convention:
    """A named set of counting rules; `flops_per_mac` is what one MAC counts for.

    `summary` states the rule for each operation kind in words (absent: counts nothing).
    """

    name: str
    description: str
    flops_per_mac: int
    rules: dict[type, Rule] = field(default_factory=dict)
    summary: dict[str, str] = field(default_factory=dict)
    no_rule: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def count(self, facts: Facts) -> dict[str, int]:
        """Counts by operation kind (zeros left out) for one layer or merge."""
        for cls in type(facts.op).__mro__:
            if cls in self.rules:
                return {kind: n for kind, n in self.rules[cls](facts).items() if anywhere(n)}
        return {}

    def unknown(self, op) -> bool:
        """Whether the tool has no rule for this layer kind, as PyTorch code calls it (`torch`)."""
        forms = self.no_rule.get(op.kind, ())
        return getattr(op, "torch", "module") in forms or forms == EVERY_FORM

    def no_rule_lines(self) -> tuple[str, ...]:
        """The layer kinds the tool does not know, grouped by how PyTorch code calls them."""
        if not self.no_rule:
            return ()
        groups: dict[tuple[str, ...], list[str]] = {}
        for kind, forms in self.no_rule.items():
            groups.setdefault(forms, []).append(kind)
        return (f"{self.name} has no rule for these layer kinds, and counts them 0 without knowing them:",
                *(f"  {', '.join(kinds)} "
                  + ("(however called)" if forms == EVERY_FORM else f"(torch: {' or '.join(forms)})")
                  for forms, kinds in groups.items()))


def unknown(*kinds: str, forms: tuple[str, ...] = EVERY_FORM) -> dict[str, tuple[str, ...]]:
    """`no_rule` entries: these kinds, called in these forms."""
    return dict.fromkeys(kinds, forms)


def macs(per_mac: int) -> Rule:
    """The MACs of conv-like and dense layers, counted `per_mac` times, under their kind."""
    return lambda facts: {facts.op.category: per_mac * facts.macs}


def batchnorm(per_element: int) -> Rule:
    """`per_element` per input element of an affine batchnorm, half that without affine."""
    return lambda f: {"batchnorm": (per_element if f.op.center or f.op.scale else per_element // 2) * f.inputs}


# ---- costcalc: 2 per MAC, and every elementwise operation once (batchnorm twice) ----------

COSTCALC_WEIGHTS = {"bias": 1, "batchnorm": 2, "norm": 1, "activation": 1, "pooling": 1, "resize": 1, "merge": 1}


def costcalc_rule(facts: Facts) -> dict[str, int]:
    counts = {kind: COSTCALC_WEIGHTS[kind] * n for kind, n in facts.work.items()}
    if anywhere(facts.macs):
        counts[facts.op.category] = 2 * facts.macs
    return counts


# ---- fvcore: MACs, batchnorm 2·I (I without affine), adaptive average pooling I -------------

def fvcore_average_pool(facts: Facts) -> dict[str, int]:
    """adaptive_avg_pool2d, as a module or a functional; not x.mean."""
    return {"pooling": facts.inputs if facts.op.torch != "operator" else 0}


def fvcore_norm(facts: Facts) -> dict[str, int]:
    """aten::layer_norm and aten::group_norm: 5 per input element with a weight (γ), else 4."""
    return {"norm": (5 if facts.op.scale else 4) * facts.inputs}


def fvcore_resize(facts: Facts) -> dict[str, int]:
    """upsample_nearest2d: 1 per output element; upsample_bilinear2d: 4."""
    return {"resize": (4 if facts.op.mode == "bilinear" else 1) * facts.outputs}


# ---- ptflops (pytorch backend): hooks on modules plus patched torch.nn.functional ----------
# A module whose forward calls a patched functional is counted twice (nn.ReLU, nn.MaxPool2d);
# operators (x + y, torch.relu, x.mean) are never seen.

PTFLOPS_ACTIVATIONS = {  # function: (as a module, as a functional), per input element
    "relu": (2, 1), "relu6": (1, 1), "swish": (1, 1), "softmax": (1, 1),
    "sigmoid": (0, 0), "tanh": (0, 0), "hswish": (0, 0), "hsigmoid": (0, 0),
    "gelu": (2, 1), "silu": (1, 1), "leaky_relu": (1, 0), "elu": (2, 1), "mish": (0, 0), "prelu": (2, 1),
}


def ptflops_activation(function: str, torch: str, elements: int) -> int:
    module, functional = PTFLOPS_ACTIVATIONS[function]
    return {"module": module, "functional": functional}.get(torch, 0) * elements


def ptflops_weighted(facts: Facts) -> dict[str, int]:
    op = facts.op
    counts = {op.category: facts.macs, "bias": facts.work.get("bias", 0)}
    if op.activation:
        counts["activation"] = ptflops_activation(op.activation, "module", facts.outputs)
    return counts


def ptflops_pool(facts: Facts) -> dict[str, int]:
    return {"pooling": {"module": 2, "functional": 1}.get(facts.op.torch, 0) * facts.inputs}


def ptflops_norm(facts: Facts) -> dict[str, int]:
    """Modules only, through its batchnorm hook: 2 per element where the module has `affine` (GroupNorm),
    else 1 (LayerNorm, whose flag is named elementwise_affine)."""
    if facts.op.torch != "module":
        return {}
    affine = facts.op.kind == "groupnorm" and (facts.op.center or facts.op.scale)
    return {"norm": (2 if affine else 1) * facts.inputs}


def ptflops_resize(facts: Facts) -> dict[str, int]:
    """nn.Upsample: its hook, then the F.interpolate it calls; each 1 per output element."""
    return {"resize": {"module": 2, "functional": 1}.get(facts.op.torch, 0) * facts.outputs}


def ptflops_merge(facts: Facts) -> dict[str, int]:
    return {"merge": facts.work.get("merge", 0) if facts.op.torch == "functional" else 0}


# ---- thop: hooks on modules only; batchnorm 4·I, average pools by output, softmax 3n−1 ------

def thop_softmax(elements: int, axis: int) -> int:
    return elements // axis * (3 * axis - 1)


def thop_weighted(facts: Facts) -> dict[str, int]:
    counts = {facts.op.category: facts.macs}
    if facts.op.activation == "softmax":
        counts["activation"] = thop_softmax(facts.outputs, facts.out[-1])
    return counts


def thop_activation(facts: Facts) -> dict[str, int]:
    module_softmax = facts.op.kind == "softmax" and facts.op.torch == "module"
    return {"activation": thop_softmax(facts.inputs, facts.inp[-1]) if module_softmax else 0}


def thop_adaptive_average(facts: Facts) -> dict[str, int]:
    """int((Hin/Hout · Win/Wout + 1) · O), in floating point as thop computes it; modules only."""
    if facts.op.torch != "module":
        return {}
    inp, out = facts.inp, facts.out
    try:
        window = (inp[0] / out[0]) * (inp[1] / out[1]) if len(out) == 3 else inp[0] * inp[1]
        return {"pooling": int((window + 1) * facts.outputs)}
    except OverflowError:  # beyond a float's range, where thop itself fails: the same formula, exactly
        window = Fraction(inp[0], out[0]) * Fraction(inp[1], out[1]) if len(out) == 3 else inp[0] * inp[1]
    return {"pooling": int((window + 1) * facts.outputs)}


def thop_average_pool(facts: Facts) -> dict[str, int]:
    return {"pooling": facts.outputs if facts.op.torch == "module" else 0}


def thop_conv_transpose(facts: Facts) -> dict[str, int]:
    """thop prices nn.ConvTranspose2d as a convolution: per output element, Cin/groups · kh·kw."""
    op = facts.op
    return {**thop_weighted(facts), "conv": facts.outputs * (facts.inp[2] // op.groups) * op.kernel[0] * op.kernel[1]}


def thop_prelu(facts: Facts) -> dict[str, int]:
    return {"activation": facts.inputs if facts.op.torch == "module" else 0}


def thop_layernorm(facts: Facts) -> dict[str, int]:
    """nn.LayerNorm: 2 per element, twice that with elementwise_affine; F.layer_norm unseen."""
    affine = facts.op.center or facts.op.scale
    return {"norm": (4 if affine else 2) * facts.inputs if facts.op.torch == "module" else 0}


def thop_resize(facts: Facts) -> dict[str, int]:
    """nn.Upsample: 1 per output element for nearest, 11 for bilinear; F.interpolate unseen."""
    return {"resize": (11 if facts.op.mode == "bilinear" else 1) * facts.outputs if facts.op.torch == "module" else 0}


# ---- the layer kinds each tool has no rule for (single-layer evidence, column no_rule) ------

ALONE = ("layer_scale", "normalization", "rescaling", "channel_shuffle")  # no tool knows these
CALLED = ("functional", "operator")
FVCORE_UNKNOWN = {
    **unknown(*(a for a in ACTIVATIONS if a != "relu"), "prelu", "maxpool", "avgpool", "adaptive_maxpool",
              "global_maxpool", "zeropad", "add", "multiply", *ALONE),
    **unknown("global_avgpool", forms=("operator",)),
}
PTFLOPS_UNKNOWN = {
    **unknown("sigmoid", "tanh", "hswish", "hsigmoid", "mish", "flatten", "dropout", "zeropad", "concat", "crop", *ALONE),
    **unknown("relu", "relu6", "swish", "softmax", "gelu", "silu", "elu", "prelu", "maxpool", "avgpool",
              "global_avgpool", "global_maxpool", "adaptive_avgpool", "adaptive_maxpool", "add", "multiply", "resize",
              forms=("operator",)),
    **unknown("leaky_relu", "layernorm", "groupnorm", forms=CALLED),
}
THOP_UNKNOWN = {
    **unknown("sigmoid", "tanh", "swish", "silu", "hswish", "hsigmoid", "gelu", "elu", "mish", "groupnorm",
              "flatten", "concat", "add", "multiply", "crop", *ALONE),
    **unknown("relu", "relu6", "leaky_relu", "softmax", "prelu", "maxpool", "avgpool", "global_avgpool",
              "global_maxpool", "adaptive_avgpool", "adaptive_maxpool", "layernorm", "resize", forms=CALLED),
}


PER_MAC = {"conv": "1 per MAC", "dense": "1 per MAC"}

CONVENTIONS: dict[str, Convention] = {c.name: c for c in (
    Convention(
        "costcalc", "costcalc's own: every multiply and add, and every elementwise operation", 2,
        {Op: costcalc_rule, Merge: costcalc_rule},
        {"conv": "2 per MAC", "dense": "2 per MAC", "bias": "1 per output element",
         "batchnorm": "2 per element (a scale and a shift)",
         "norm": "layernorm, groupnorm: 5 per element, + 1 with scale, + 1 with center; "
                 "normalization, rescaling: 2; layer_scale: 1",
         "activation": "1 per element",
         "pooling": "1 per element of each window (global: per input element)",
         "resize": "bilinear: 7 per output element; nearest 0",
         "merge": "add, multiply: (branches − 1) per output element; concat 0"},
    ),
    Convention(
        "flops2x", "2 per MAC and nothing else: the \"FLOPs\" most papers quote", 2,
        {Sliding: macs(2), Dense: macs(2)}, {"conv": "2 per MAC", "dense": "2 per MAC"},
    ),
    Convention(
        "fvcore", "fvcore's FlopCountAnalysis (total): a MAC counts one", 1,
        {Sliding: macs(1), Dense: macs(1), BatchNorm: batchnorm(2), LayerNorm: fvcore_norm, GroupNorm: fvcore_norm,
         GlobalAvgPool: fvcore_average_pool, AdaptiveAvgPool: fvcore_average_pool, Resize: fvcore_resize},
        {**PER_MAC, "batchnorm": "2 per element (1 without affine)",
         "norm": "layernorm, groupnorm: 5 per element (4 without scale)",
         "pooling": "adaptive and global average: 1 per input element (x.mean: none)",
         "resize": "nearest: 1 per output element; bilinear: 4"},
        FVCORE_UNKNOWN,
    ),
    Convention(
        "ptflops", "ptflops' get_model_complexity_info (pytorch backend): a MAC counts one", 1,
        {Sliding: ptflops_weighted, Dense: ptflops_weighted, Merge: ptflops_merge, BatchNorm: batchnorm(2),
         Activation: lambda f: {"activation": ptflops_activation(f.op.kind, f.op.torch, f.inputs)},
         Pool: ptflops_pool, GlobalPool: ptflops_pool, AdaptivePool: ptflops_pool,
         LayerNorm: ptflops_norm, GroupNorm: ptflops_norm, Resize: ptflops_resize},
        {**PER_MAC, "bias": "1 per output element", "batchnorm": "2 per element (1 without affine)",
         "norm": "modules only: layernorm 1 per element; groupnorm 2 (1 without affine)",
         "activation": "relu, gelu, elu, prelu: module 2, functional 1 per element; relu6, swish, silu, softmax: 1; "
                       "leaky_relu: module 1; others none",
         "pooling": "every pool: module 2, functional 1 per input element",
         "resize": "module 2, functional 1 per output element",
         "merge": "torch: functional (torch.add, torch.mul): (branches − 1) per output element"},
        PTFLOPS_UNKNOWN,
    ),
    Convention(
        "thop", "thop's profile: a MAC counts one; module hooks only", 1,
        {Sliding: thop_weighted, Dense: thop_weighted, Activation: thop_activation, BatchNorm: batchnorm(4),
         AvgPool: thop_average_pool, GlobalAvgPool: thop_adaptive_average, AdaptiveAvgPool: thop_adaptive_average,
         ConvTranspose: thop_conv_transpose, PReLU: thop_prelu, LayerNorm: thop_layernorm, Resize: thop_resize},
        {"conv": "1 per MAC; conv_transpose: Ho·Wo·Cout · (Cin/groups) · kh·kw, by output, not input",
         "dense": "1 per MAC", "batchnorm": "4 per element (2 without affine)",
         "norm": "layernorm module: 4 per element (2 without affine)",
         "activation": "softmax module: 3n − 1 per n elements; prelu module: 1 per element; others none",
         "pooling": "avgpool module: 1 per output element; adaptive and global average module: "
                    "int((window + 1) · output); max none",
         "resize": "module: nearest 1, bilinear 11 per output element"},
        THOP_UNKNOWN,
    ),
)}
