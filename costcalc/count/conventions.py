"""FLOP conventions: named sets of counting rules, costcalc's own and those of other tools.

A convention turns one layer (or merge) into counts by operation kind: conv, dense, bias,
batchnorm, norm, activation, pooling, resize, merge. Its rules are looked up along the op's
class hierarchy, so one rule serves every pool and every activation. A rule says which calls
of the op (`torch`: module, functional, operator) the tool sees; `FREE` is a rule that knows
the kind and counts it 0. Where no rule applies, the tool does not know the op and counts 0
without knowing it: `no_rule` is computed from the rules, over every registered kind, and
`costcalc conventions` prints it, so a kind added later is listed, never a silent 0. The
rules of fvcore, ptflops and thop were learnt by counting single layers with each tool;
docs/conventions.md gives them with that evidence.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..model.attention import (
    CPB_HIDDEN,
    Attention,
    ClassToken,
    FirstToken,
    PartitionAttention,
    PatchMerge,
    PoolingAttention,
    PositionEmbedding,
    SelfAttention,
    StochasticDepth,
    TokenMaxPool,
    Tokens,
    WindowAttention,
)
from ..model.merges import MERGES, Add, Concat, Merge, Multiply
from ..model.norms import GroupNorm, LayerNorm, Norm
from ..model.ops import (
    OPS,
    AdaptiveAvgPool,
    AdaptiveMaxPool,
    AdaptivePool,
    AvgPool,
    BatchNorm,
    Dense,
    Dropout,
    Flatten,
    GlobalAvgPool,
    GlobalMaxPool,
    GlobalPool,
    MaxPool,
    Op,
    Pool,
    PReLU,
    Shape,
    Sliding,
    ZeroPad,
    numel,
)
from ..model.resampling import ConvTranspose, Crop, Resize, Slice
from ..record import field, record
from ..varying import anywhere

if TYPE_CHECKING:
    from fractions import Fraction

KINDS = ("conv", "dense", "bias", "batchnorm", "norm", "activation", "pooling", "resize", "merge")
EVERY_FORM = ("module", "functional", "operator")  # the values of the option `torch`


OpT = TypeVar("OpT", bound="Op | Merge", covariant=True)


@record
class Facts(Generic[OpT]):
    """What a rule may read about one layer or merge; `OpT`, its class, is what the rule is looked up by."""

    op: OpT
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


Counter = Callable[[Facts[Any]], dict[str, int]]  # a rule's function reads the facts of the classes it is for


@record
class Rule:
    """How a tool counts a layer kind, and the calls of it (`torch`) that the tool sees; `sees`, where only some
    layers of the kind reach the tool (the others it has no rule for), and `unseen`, those others in words."""

    count: Counter
    forms: tuple[str, ...] = EVERY_FORM
    sees: Callable[[Any], bool] | None = None
    unseen: str = ""

    def knows(self, op: Op | Merge) -> bool:
        """Whether the tool sees this layer, as PyTorch code calls it."""
        return call_form(op) in self.forms and (self.sees is None or self.sees(op))


def seen(count: Counter, *forms: str) -> Rule:
    """A rule for the calls `forms` only; the tool does not see the others."""
    return Rule(count, forms)


def nothing(facts: Facts[Op | Merge]) -> dict[str, int]:
    return {}


FREE = Rule(nothing)
"""The tool knows the kind and counts it 0 (a flatten, a dropout)."""


def call_form(op: Op | Merge) -> str:
    """How PyTorch code calls the op; kinds without a `torch` option are modules."""
    return getattr(op, "torch", "module")


@record
class Convention:
    """A named set of counting rules; `flops_per_mac` is what one MAC counts for.

    `rules` maps an op class to a `Rule` (a bare function is a rule for every call); `summary`
    states the rule for each operation kind in words (absent: counts nothing).
    """

    name: str
    description: str
    flops_per_mac: int
    rules: dict[type, Rule | Counter] = field(default_factory=dict)
    summary: dict[str, str] = field(default_factory=dict)

    def rule(self, cls: type) -> Rule | None:
        """The rule for an op class, the nearest along its hierarchy, or None."""
        for base in cls.__mro__:
            if base in self.rules:
                found = self.rules[base]
                return found if isinstance(found, Rule) else Rule(found)
        return None

    def count(self, facts: Facts[Op | Merge]) -> dict[str, int]:
        """Counts by operation kind (zeros left out) for one layer or merge."""
        rule = self.rule(type(facts.op))
        if rule is None or not rule.knows(facts.op):
            return {}
        return {kind: n for kind, n in rule.count(facts).items() if anywhere(n)}

    def unknown(self, op: Op | Merge) -> bool:
        """Whether the tool has no rule for this op, as PyTorch code calls it (`torch`)."""
        rule = self.rule(type(op))
        return rule is None or not rule.knows(op)

    @property
    def no_rule(self) -> dict[str, tuple[str, ...]]:
        """Each registered layer kind and merge the tool has no rule for, with the calls it does not see."""
        missing = {}
        for kind, cls in {**OPS, **MERGES}.items():
            rule = self.rule(cls)
            forms = EVERY_FORM if rule is None else tuple(form for form in EVERY_FORM if form not in rule.forms)
            if forms:
                missing[kind] = forms
        return missing

    @property
    def partly(self) -> dict[str, str]:
        """Each layer kind the tool sees only some layers of, with the others in words."""
        return {kind: rule.unseen for kind, cls in {**OPS, **MERGES}.items()
                if (rule := self.rule(cls)) is not None and rule.sees is not None}

    def no_rule_lines(self) -> tuple[str, ...]:
        """The layer kinds the tool does not know, grouped by how PyTorch code calls them."""
        groups: dict[tuple[str, ...], list[str]] = {}
        for kind, forms in self.no_rule.items():
            groups.setdefault(forms, []).append(kind)
        partly = [f"  {kind} with {unseen}" for kind, unseen in self.partly.items()]
        if not groups and not partly:
            return ()
        return (f"{self.name} has no rule for these layer kinds, and counts them 0 without knowing them:",
                *(f"  {', '.join(kinds)} "
                  + ("(however called)" if forms == EVERY_FORM else f"(torch: {' or '.join(forms)})")
                  for forms, kinds in sorted(groups.items(), key=lambda group: -len(group[0]))),
                *partly)


def macs(per_mac: int) -> Counter:
    """The MACs of conv-like and dense layers, counted `per_mac` times, under their kind."""
    return lambda facts: {facts.op.category: per_mac * facts.macs}


def batchnorm(per_element: int) -> Counter:
    """`per_element` per input element of an affine batchnorm, half that without affine."""
    return lambda f: {"batchnorm": (per_element if f.op.center or f.op.scale else per_element // 2) * f.inputs}


# ---- costcalc: 2 per MAC, and every elementwise operation once (batchnorm twice) ----------

COSTCALC_WEIGHTS = {"bias": 1, "batchnorm": 2, "norm": 1, "activation": 1, "pooling": 1, "resize": 1, "merge": 1}


def costcalc_rule(facts: Facts[Op | Merge]) -> dict[str, int]:
    counts = {kind: COSTCALC_WEIGHTS[kind] * n for kind, n in facts.work.items()}
    if anywhere(facts.macs) and isinstance(facts.op, Op):  # a merge has no MACs
        counts[facts.op.category] = 2 * facts.macs
    return counts


# ---- fvcore: MACs, batchnorm 2·I (I without affine), adaptive average pooling I -------------

def fvcore_average_pool(facts: Facts[GlobalPool | AdaptivePool]) -> dict[str, int]:
    """adaptive_avg_pool2d, as a module or a functional; not x.mean, nor adaptive_avg_pool1d or 3d (unsupported)."""
    return {"pooling": facts.inputs} if len(facts.inp) == 3 else {}


def fvcore_norm(facts: Facts[Norm]) -> dict[str, int]:
    """aten::layer_norm and aten::group_norm: 5 per input element with a weight (γ), else 4."""
    return {"norm": (5 if facts.op.scale else 4) * facts.inputs}


def fvcore_resize(facts: Facts[Resize]) -> dict[str, int]:
    """upsample_nearest2d: 1 per output element; upsample_bilinear2d: 4."""
    return {"resize": (4 if facts.op.mode == "bilinear" else 1) * facts.outputs}


# ---- ptflops (pytorch backend): hooks on modules plus patched torch.nn.functional ----------
# A module whose forward calls a patched functional is counted twice (nn.ReLU, nn.MaxPool2d);
# operators (x + y, torch.relu, x.mean) are never seen.

PTFLOPS_ACTIVATIONS = {  # function: (as a module, as a functional), per input element; others unseen
    "relu": (2, 1), "relu6": (1, 1), "swish": (1, 1), "softmax": (1, 1),
    "gelu": (2, 1), "silu": (1, 1), "leaky_relu": (1, 0), "elu": (2, 1), "prelu": (2, 1),
}
BY_CALL = ("module", "functional")


def ptflops_activation(per_call: tuple[int, int]) -> Rule:
    """An activation counted per input element, as often as each call is hooked."""
    counts = dict(zip(BY_CALL, per_call))
    return seen(lambda facts: {"activation": counts[facts.op.torch] * facts.inputs},
                *(form for form, n in counts.items() if n))


def ptflops_weighted(facts: Facts[Sliding | Dense]) -> dict[str, int]:
    """A conv-like or dense module: its MACs, its bias and its activation module, if ptflops sees one."""
    op = facts.op
    counts = {op.category: facts.macs, "bias": facts.work.get("bias", 0)}
    if op.activation:
        counts["activation"] = PTFLOPS_ACTIVATIONS.get(op.activation, (0, 0))[0] * facts.outputs
    return counts


def ptflops_pool(facts: Facts[Pool | GlobalPool | AdaptivePool]) -> dict[str, int]:
    return {"pooling": {"module": 2, "functional": 1}[facts.op.torch] * facts.inputs}


def ptflops_norm(facts: Facts[Norm]) -> dict[str, int]:
    """Modules only, through its batchnorm hook: 2 per element where the module has `affine` (GroupNorm),
    else 1 (LayerNorm, whose flag is named elementwise_affine)."""
    affine = facts.op.kind == "groupnorm" and (facts.op.center or facts.op.scale)
    return {"norm": (2 if affine else 1) * facts.inputs}


def ptflops_resize(facts: Facts[Resize]) -> dict[str, int]:
    """nn.Upsample: its hook, then the F.interpolate it calls; each 1 per output element."""
    return {"resize": {"module": 2, "functional": 1}[facts.op.torch] * facts.outputs}


def ptflops_merge(facts: Facts[Merge]) -> dict[str, int]:
    """torch.add and torch.mul: (branches − 1) per output element."""
    return {"merge": facts.work.get("merge", 0)}


# ---- thop: hooks on modules only; batchnorm 4·I, average pools by output, softmax 3n−1 ------

def thop_softmax(elements: int, axis: int) -> int:
    return elements // axis * (3 * axis - 1)


def thop_weighted(facts: Facts[Sliding | Dense]) -> dict[str, int]:
    counts = {facts.op.category: facts.macs}
    if facts.op.activation == "softmax":
        counts["activation"] = thop_softmax(facts.outputs, facts.out[-1])
    return counts


def thop_softmax_module(facts: Facts[Op]) -> dict[str, int]:
    return {"activation": thop_softmax(facts.inputs, facts.inp[-1])}


def thop_adaptive_average(facts: Facts[GlobalPool | AdaptivePool]) -> dict[str, int]:
    """int((Hin/Hout · Win/Wout + 1) · O) (a ratio per spatial axis), in floating point as thop computes it."""
    inp, out = facts.inp[:-1], facts.out[:-1]
    try:
        return {"pooling": int((_window(inp, out, lambda a, b: a / b) + 1) * facts.outputs)}
    except OverflowError:  # beyond a float's range, where thop itself fails: the same formula, exactly
        from fractions import Fraction

        return {"pooling": int((_window(inp, out, Fraction) + 1) * facts.outputs)}


def _window(inp: Shape, out: Shape, ratio: Callable) -> float | Fraction | int:
    """The product of the ratios of input to output sizes, axis by axis; a global pool (no spatial output): the
    input's positions."""
    if not out:
        return numel(inp)
    window = ratio(inp[0], out[0])
    for size, to in zip(inp[1:], out[1:]):
        window = window * ratio(size, to)
    return window


def thop_average_pool(facts: Facts[Pool]) -> dict[str, int]:
    return {"pooling": facts.outputs}


def thop_conv_transpose(facts: Facts[ConvTranspose]) -> dict[str, int]:
    """thop prices nn.ConvTranspose2d as a convolution: per output element, Cin/groups · kh·kw."""
    op = facts.op
    return {**thop_weighted(facts), "conv": facts.outputs * (facts.inp[2] // op.groups) * op.kernel[0] * op.kernel[1]}


def thop_prelu(facts: Facts[PReLU]) -> dict[str, int]:
    return {"activation": facts.inputs}


def thop_layernorm(facts: Facts[LayerNorm]) -> dict[str, int]:
    """nn.LayerNorm: 2 per element, twice that with elementwise_affine."""
    return {"norm": (4 if facts.op.center or facts.op.scale else 2) * facts.inputs}


def thop_resize(facts: Facts[Resize]) -> dict[str, int]:
    """nn.Upsample: 1 per output element for nearest, 11 for bilinear."""
    return {"resize": (11 if facts.op.mode == "bilinear" else 1) * facts.outputs}


# ---- attention: the parts each tool sees (tests/data/reference/attention_layers.tsv) ------------

def ptflops_self_attention(facts: Facts) -> dict[str, int]:
    """Its nn.MultiheadAttention hook: q scaled (L·C), projections with biases (3·L·C·(C + 1) and L·C·(C + 1),
    the output bias counted even without one), QK^T, AV and the softmax (heads·L²)."""
    length, channels = facts.inp
    return {"dense": 4 * length * channels * (channels + 1) + 2 * length * length * channels + length * channels,
            "activation": facts.op.logits(facts.inp)}


def ptflops_window_attention(facts: Facts) -> dict[str, int]:
    """F.linear is not patched: the projections unseen. q.matmul(k) and attn.matmul(v) are (V2's `@` for QK^T is
    not), F.softmax is, and V2's bias MLP modules (Linear with bias, ReLU hooked twice, Linear)."""
    op, parts = facts.op, facts.op.parts(facts.inp)
    counts = {"dense": parts["av"] + (0 if op.cosine else parts["qk"]), "activation": op.logits(facts.inp)}
    if op.position_bias == "continuous":
        counts["dense"] += parts["bias_mlp"]
        counts["bias"] = op.offsets(facts.inp) * CPB_HIDDEN
        counts["activation"] += 2 * op.offsets(facts.inp) * CPB_HIDDEN
    return counts


def fvcore_einsum(macs: int) -> int:
    """fvcore's count of a torch.einsum it has no formula for: numpy's einsum_path cost (2 per MAC) as numpy prints
    it, to 4 significant figures ("%.3e"), halved and floored."""
    return math.floor(float(f"{2 * macs:.3e}") / 2)


def fvcore_partition_attention(facts: Facts) -> dict[str, int]:
    """MaxViT's: the projections (nn.Linear) exactly, QK^T and AV (torch.einsum) each rounded as fvcore_einsum."""
    parts = facts.op.parts(facts.inp)
    return {"dense": parts["qkv"] + parts["out"] + fvcore_einsum(parts["qk"]) + fvcore_einsum(parts["av"])}


def fvcore_pooling_attention(facts: Facts) -> dict[str, int]:
    """MViT's: the projections and matmuls exactly, the pools' Conv3d and LayerNorms (5 per element), V2's relative
    terms along height and width (torch.einsum) each rounded as fvcore_einsum, along time (matmul) exactly."""
    op, parts = facts.op, facts.op.parts(facts.inp)
    dense = parts["qkv"] + parts["out"] + parts["qk"] + parts["av"]
    if op.relative:
        dense += fvcore_einsum(parts["rel_h"]) + fvcore_einsum(parts["rel_w"]) + parts["rel_t"]
    return {"dense": dense, "conv": parts["pool"], "norm": 5 * op.pool_norms(facts.inp)}


def ptflops_pooling_attention(facts: Facts) -> dict[str, int]:
    """MViT's as ptflops sees it: the nn.Linear modules (MACs, a bias per output element), the pools' Conv3d and
    LayerNorm modules (1 per element), torch.matmul (QK^T, AV, V2's time term); not torch.einsum, nor the softmax
    (a Tensor method)."""
    op, parts = facts.op, facts.op.parts(facts.inp)
    dense = parts["qkv"] + parts["out"] + parts["qk"] + parts["av"] + (parts["rel_t"] if op.relative else 0)
    channels = op.channels(facts.inp)
    bias = (3 * facts.inp[0] + facts.out[0]) * channels if op.bias else 0
    return {"dense": dense, "conv": parts["pool"], "bias": bias, "norm": op.pool_norms(facts.inp)}


def thop_pooling_attention(facts: Facts) -> dict[str, int]:
    """MViT's as thop's module hooks see it: the nn.Linear modules' MACs, the pools' Conv3d, LayerNorm 4 per
    element."""
    op, parts = facts.op, facts.op.parts(facts.inp)
    return {"dense": parts["qkv"] + parts["out"], "conv": parts["pool"], "norm": 4 * op.pool_norms(facts.inp)}


def ptflops_token_maxpool(facts: Facts) -> dict[str, int]:
    """nn.MaxPool3d's hook and the F.max_pool3d it calls: 2 per input element (the class token's not pooled)."""
    return {"pooling": 2 * (facts.inp[0] - 1) * facts.inp[-1]}


def thop_window_attention(facts: Facts[WindowAttention]) -> dict[str, int]:
    """thop hooks only modules called as modules: of Swin V2's attention, the continuous position bias MLP's
    nn.Linear (their MACs); the projections (F.linear), QK^T and AV it does not see."""
    return {"dense": facts.op.bias_mlp_macs(facts.inp)}


def module_projections(with_bias: bool) -> Counter:
    """MaxViT's attention as hooks on its nn.Linear modules see it (to_qkv and merge): their MACs, with ptflops
    the biases (1 per output element) and F.softmax (1 per logit); torch.einsum unseen."""
    def count(facts: Facts) -> dict[str, int]:
        parts = facts.op.parts(facts.inp)
        counts = {"dense": parts["qkv"] + parts["out"]}
        if with_bias:
            counts |= {"bias": 4 * facts.op.queries(facts.inp) * facts.inp[-1] if facts.op.bias else 0,
                       "activation": facts.op.logits(facts.inp)}
        return counts
    return count


FREE_TOKENS: dict[type, Rule | Counter] = {Tokens: FREE, ClassToken: FREE, FirstToken: FREE, PositionEmbedding: FREE,
                                           PatchMerge: FREE, StochasticDepth: FREE}
"""Reshapes, concatenations, indexing and an addition: fvcore ignores them by name."""


MODULE_FREE = seen(nothing, "module")
"""thop's zero_ops: modules it knows and counts 0 (nn.ReLU, nn.MaxPool2d)."""


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
        {Sliding: macs(2), Dense: macs(2), Attention: macs(2), Op: FREE, Merge: FREE},
        {"conv": "2 per MAC", "dense": "2 per MAC (attention's too)"},
    ),
    Convention(
        "flopcounter", "PyTorch's FlopCounterMode on a CPU: 2 per MAC of the products it sees", 2,
        {Sliding: macs(2), Dense: macs(2), Attention: macs(2), SelfAttention: seen(nothing), Op: FREE, Merge: FREE},
        {"conv": "2 per MAC", "dense": "2 per MAC (window, partition and pooling attention's too: their matmuls and "
                                      "einsums); self_attention: none (the fused multi-head attention, 0 on a CPU)"},
    ),
    Convention(
        "fvcore", "fvcore's FlopCountAnalysis (total): a MAC counts one", 1,
        {Sliding: macs(1), Dense: macs(1), BatchNorm: batchnorm(2), LayerNorm: fvcore_norm, GroupNorm: fvcore_norm,
         GlobalAvgPool: seen(fvcore_average_pool, *BY_CALL), AdaptiveAvgPool: seen(fvcore_average_pool, *BY_CALL),
         Resize: fvcore_resize, OPS["relu"]: FREE, Flatten: FREE, Dropout: FREE, Crop: FREE, Slice: FREE, Concat: FREE,
         WindowAttention: macs(1), PartitionAttention: fvcore_partition_attention,
         PoolingAttention: fvcore_pooling_attention, **FREE_TOKENS},
        {**PER_MAC, "dense": "1 per MAC; window_attention: every part (projections on the padded map, QK^T, AV, V2's "
                             "bias MLP); partition_attention: the projections, and QK^T and AV (einsum) each to 4 "
                             "significant figures; self_attention: none (aten::_native_multi_head_attention, "
                             "unsupported)",
         "batchnorm": "2 per element (1 without affine)",
         "norm": "layernorm, groupnorm: 5 per element (4 without scale)",
         "pooling": "adaptive and global average: 1 per input element (x.mean: none)",
         "resize": "nearest: 1 per output element; bilinear: 4"},
    ),
    Convention(
        "ptflops", "ptflops' get_model_complexity_info (pytorch backend): a MAC counts one", 1,
        {Sliding: ptflops_weighted, Dense: ptflops_weighted, BatchNorm: batchnorm(2),
         Add: seen(ptflops_merge, "functional"), Multiply: seen(ptflops_merge, "functional"),
         **{OPS[kind]: ptflops_activation(per_call) for kind, per_call in PTFLOPS_ACTIVATIONS.items()},
         Pool: seen(ptflops_pool, *BY_CALL), GlobalPool: seen(ptflops_pool, *BY_CALL),
         AdaptivePool: seen(ptflops_pool, *BY_CALL), LayerNorm: seen(ptflops_norm, "module"),
         GroupNorm: seen(ptflops_norm, "module"), Resize: seen(ptflops_resize, *BY_CALL),
         SelfAttention: ptflops_self_attention, WindowAttention: ptflops_window_attention,
         PartitionAttention: module_projections(True), PoolingAttention: ptflops_pooling_attention,
         TokenMaxPool: ptflops_token_maxpool},
        {**PER_MAC, "dense": "1 per MAC; self_attention: its hook, 4·L·C·(C + 1) + 2·L·L·C + L·C; window_attention: "
                             "QK^T (V1 only) and AV, not the projections (F.linear), V2's bias MLP modules; "
                             "partition_attention: the projections (modules), not QK^T and AV (einsum)",
         "bias": "1 per output element; V2's bias MLP: 512 per relative position",
         "batchnorm": "2 per element (1 without affine)",
         "norm": "modules only: layernorm 1 per element; groupnorm 2 (1 without affine)",
         "activation": "relu, gelu, elu, prelu: module 2, functional 1 per element; relu6, swish, silu, softmax: 1; "
                       "leaky_relu: module 1; attention's softmax: 1 per logit; V2's bias MLP ReLU: 2 per element; "
                       "others none",
         "pooling": "every pool: module 2, functional 1 per input element",
         "resize": "module 2, functional 1 per output element",
         "merge": "torch: functional (torch.add, torch.mul): (branches − 1) per output element"},
    ),
    Convention(
        "thop", "thop's profile: a MAC counts one; module hooks only", 1,
        {Sliding: thop_weighted, Dense: thop_weighted, BatchNorm: batchnorm(4), ConvTranspose: thop_conv_transpose,
         OPS["softmax"]: seen(thop_softmax_module, "module"), PReLU: seen(thop_prelu, "module"),
         OPS["relu"]: MODULE_FREE, OPS["relu6"]: MODULE_FREE, OPS["leaky_relu"]: MODULE_FREE,
         MaxPool: MODULE_FREE, GlobalMaxPool: MODULE_FREE, AdaptiveMaxPool: MODULE_FREE,
         AvgPool: seen(thop_average_pool, "module"), GlobalAvgPool: seen(thop_adaptive_average, "module"),
         AdaptiveAvgPool: seen(thop_adaptive_average, "module"), LayerNorm: seen(thop_layernorm, "module"),
         Resize: seen(thop_resize, "module"), Dropout: FREE, ZeroPad: FREE,
         PartitionAttention: module_projections(False), PoolingAttention: thop_pooling_attention,
         WindowAttention: Rule(thop_window_attention, sees=lambda op: op.position_bias == "continuous",
                               unseen="position_bias: table (Swin V1's attention: no module thop hooks)"),
         TokenMaxPool: MODULE_FREE},
        {"conv": "1 per MAC; conv_transpose: Ho·Wo·Cout · (Cin/groups) · kh·kw, by output, not input",
         "dense": "1 per MAC; partition_attention: the projections (modules) only; window_attention: V2's bias MLP"
                  " modules only",
         "batchnorm": "4 per element (2 without affine)",
         "norm": "layernorm module: 4 per element (2 without affine)",
         "activation": "softmax module: 3n − 1 per n elements; prelu module: 1 per element; others none",
         "pooling": "avgpool module: 1 per output element; adaptive and global average module: "
                    "int((window + 1) · output); max none",
         "resize": "module: nearest 1, bilinear 11 per output element"},
    ),
)}
