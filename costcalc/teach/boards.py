"""One board per layer kind: the formulas a teacher writes for it, built from the op itself.

`EXPLAINERS` maps an op or merge class to the small function that writes its board;
subclasses (the pools, the activations) inherit theirs. This module holds the boards of model/ops.py's
kinds and of the merges; each other module of kinds has its own (norm_boards.py for model/norms.py,
resampling_boards.py for model/resampling.py, attention_boards.py for model/attention.py), merged
into `EXPLAINERS` here.
"""

from __future__ import annotations

import math

from ..model.merges import Add, Concat, Multiply
from ..model.ops import (
    Activation,
    AdaptivePool,
    BatchNorm,
    Conv,
    Dense,
    Depthwise,
    Dropout,
    Flatten,
    GlobalPool,
    Pool,
    PReLU,
    Separable,
    Shape,
    ZeroPad,
    adaptive_windows,
    format_shape,
)
from . import attention_boards, norm_boards, resampling_boards
from .formulas import DROPPED, NO_MACS, Board, Factor, activation_text, dims, f, formula, window_lines, window_text


def _kernel(op) -> tuple[Factor, Factor]:
    return f("kh", op.kernel[0]), f("kw", op.kernel[1])


def _spatial(out: Shape, channels: tuple[Factor, ...]) -> tuple[Factor, ...]:
    return f("Ho", out[0]), f("Wo", out[1]), *channels


def conv(op: Conv, inp: Shape, out: Shape) -> Board:
    groups = op.groups
    cin = f("Cin/g", inp[2] // groups, f"{inp[2]}/{groups}") if groups > 1 else f("Cin", inp[2])
    cout, k = f("Cout", out[2]), _kernel(op)
    extra = (f"groups {groups}",) if groups > 1 else ()
    params = [((*k, cin, cout),)] + ([((cout,),)] if op.bias else [])
    return Board(
        f"conv {format_shape(op.kernel)}, {inp[2]} → {out[2]} channels, on {inp[0]}×{inp[1]} "
        f"{window_text(op, extra=extra)}{activation_text(op)}",
        window_lines(inp, op.kernel, op.stride, op.dilation, op.padding),
        (formula("MACs", (_spatial(out, (cout,)), (cin,), k)), formula("params", *params)),
    )


def _middle(inp: Shape, multiplier: int) -> tuple[Factor, ...]:
    return (f("C", inp[2]),) + ((f("m", multiplier),) if multiplier > 1 else ())


def depthwise(op: Depthwise, inp: Shape, out: Shape) -> Board:
    middle, k = _middle(inp, op.multiplier), _kernel(op)
    params = [((*k, *middle),)] + ([(middle,)] if op.bias else [])
    channels = f"{inp[2]} channels" if op.multiplier == 1 else \
        f"{inp[2]} → {out[2]} channels (multiplier {op.multiplier})"
    return Board(
        f"depthwise {format_shape(op.kernel)}, {channels}, on {inp[0]}×{inp[1]} "
        f"{window_text(op)}{activation_text(op)}",
        window_lines(inp, op.kernel, op.stride, op.dilation, op.padding),
        (formula("MACs", (_spatial(out, middle), k)), formula("params", *params)),
        ("one kh×kw filter per channel: no sum over channels",),
    )


def separable(op: Separable, inp: Shape, out: Shape) -> Board:
    middle, k, cout = _middle(inp, op.multiplier), _kernel(op), f("Cout", out[2])
    params = [((*k, *middle),), ((*middle, cout),)] + ([((cout,),)] if op.bias else [])
    multiplier = f" (multiplier {op.multiplier})" if op.multiplier > 1 else ""
    return Board(
        f"separable {format_shape(op.kernel)}, {inp[2]} → {out[2]} channels{multiplier}, on {inp[0]}×{inp[1]} "
        f"{window_text(op)}{activation_text(op)}",
        window_lines(inp, op.kernel, op.stride, op.dilation, op.padding),
        (formula("MACs", (_spatial(out, middle), k), (_spatial(out, (cout,)), middle)), formula("params", *params)),
        ("depthwise part + 1×1 pointwise part; the bias is on the pointwise part (as Keras)",),
    )


def dense(op: Dense, inp: Shape, out: Shape) -> Board:
    cin, cout = f("Cin", inp[-1]), f("Cout", out[-1])
    positions = dims(inp)[:-1]
    macs = formula("MACs", (positions, (cin,), (cout,))) if positions else formula("MACs", ((cin, cout),))
    params = [((cin, cout),)] + ([((cout,),)] if op.bias else [])
    on = f" on {format_shape(inp)}" if positions else ""
    notes = ((f"applied to the last axis at each of the {math.prod(inp[:-1]):,} positions (as Keras)",)
             if positions else ())
    return Board(f"dense, {inp[-1]:,} → {out[-1]:,} units{on}{activation_text(op)}", (),
                 (macs, formula("params", *params)),
                 notes)


NO_WEIGHTS = "no weights: 0 MACs, 0 params; the work is counted in FLOPs"


def pool(op: Pool, inp: Shape, out: Shape) -> Board:
    stride = op.stride or op.size
    k = (f("kh", op.size[0]), f("kw", op.size[1]))
    extra = ("ceil_mode",) if op.ceil_mode else ()
    shape = window_lines(inp, op.size, stride, (1, 1), op.padding, op.ceil_mode)
    dropped = ("ceil_mode: a last window that would start in the padding is dropped (the − 1), as PyTorch does",)
    return Board(
        f"{op.kind} {format_shape(op.size)} on {format_shape(inp)} {window_text(op, stride, extra)}",
        shape,
        (formula("work", (_spatial(out, (f("C", out[2]),)), k)),),
        (f"{NO_WEIGHTS}: one read of each window element",)
        + (dropped if any(line.numbers.endswith(DROPPED) for line in shape) else ()),
    )


def global_pool(op: GlobalPool, inp: Shape, out: Shape) -> Board:
    kept = " (keepdims)" if op.keepdims else ""
    return Board(f"{op.kind} on {format_shape(inp)} → {format_shape(out)}{kept}", (),
                 (formula("work", (dims(inp),)),), (f"{NO_WEIGHTS}: one read of each input element",))


def adaptive_pool(op: AdaptivePool, inp: Shape, out: Shape) -> Board:
    rows, cols = adaptive_windows(inp[0], out[0]), adaptive_windows(inp[1], out[1])
    return Board(
        f"{op.kind} to {format_shape(op.output)} on {format_shape(inp)}", (),
        (formula("work", ((f("Σkh", rows), f("Σkw", cols), f("C", inp[2])),)),),
        (f"{NO_WEIGHTS}; Σkh, Σkw: the window heights and widths summed, windows as PyTorch's "
         "(from floor(i·H/Ho) to ceil((i+1)·H/Ho))",),
    )


def batchnorm(op: BatchNorm, inp: Shape, out: Shape) -> Board:
    channels, learned = f("C", inp[-1]), op.center + op.scale
    which = {2: "γ (scale) and β (shift)", 1: "γ (scale)" if op.scale else "β (shift)", 0: "nothing"}[learned]
    return Board(
        f"batchnorm on {format_shape(inp)}",
        (),
        (formula("trainable", ((f(str(learned), learned), channels),)),
         formula("non-trainable", ((f("2", 2), channels),)),
         formula("work", (dims(out),))),
        (f"no MACs; per channel {which} trainable, the moving mean and variance not",),
    )


def activation(op: Activation, inp: Shape, out: Shape) -> Board:
    return Board(f"{op.kind} on {format_shape(inp)}", (), (formula("work", (dims(out),)),),
                 ("no MACs, no params: one operation per element (FLOPs)",))


def prelu(op: PReLU, inp: Shape, out: Shape) -> Board:
    slopes = {"channel": (f("C", inp[-1]),), "shared": (f("1", 1),), "element": dims(inp)}[op.slopes]
    which = "one learned slope, shared" if op.slopes == "shared" else f"a learned slope per {op.slopes}"
    return Board(f"prelu on {format_shape(inp)}, {which}",
                 (), (formula("trainable", (slopes,)), formula("work", (dims(out),))),
                 (f"{NO_MACS}: one operation per element (FLOPs)",))


def flatten(op: Flatten, inp: Shape, out: Shape) -> Board:
    if len(inp) == 1:
        return Board(f"flatten on {format_shape(inp)}", notes=("the identity on [C]; no cost",))
    return Board(f"flatten {format_shape(inp)}", (formula("length", (dims(inp),)),), (),
                 ("no cost: a reshape",))


def dropout(op: Dropout, inp: Shape, out: Shape) -> Board:
    rate = f" (rate {op.rate})" if op.rate is not None else ""
    return Board(f"dropout{rate} on {format_shape(inp)}", notes=("no cost at inference",))


def zeropad(op: ZeroPad, inp: Shape, out: Shape) -> Board:
    top, bottom, left, right = op.padding
    return Board(
        f"zeropad [{top}, {bottom}, {left}, {right}] on {format_shape(inp)}",
        (formula("Ho", ((f("H", inp[0]),),), ((f("top", top),),), ((f("bottom", bottom),),)),
         formula("Wo", ((f("W", inp[1]),),), ((f("left", left),),), ((f("right", right),),))),
        (), ("no cost: zeros around the border",),
    )


def concat(merge: Concat, shapes: dict[str, Shape], out: Shape) -> Board:
    terms = [((f(f"C({name})", shape[-1]),),) for name, shape in shapes.items()]
    return Board(f"concat of {', '.join(shapes)}", (formula("Co", *terms),), (),
                 ("no cost: the branches side by side along the channels",))


def elementwise(merge: Add | Multiply, shapes: dict[str, Shape], out: Shape) -> Board:
    n = len(shapes)
    operation = "an addition" if merge.kind == "add" else "a multiplication"
    return Board(
        f"{merge.kind} of {', '.join(shapes)}", (),
        (formula("work", ((f("n−1", n - 1, f"{n}−1"), *dims(out)),)),),
        (f"no MACs, no params: {operation} per element for each branch after the first",),
    )


EXPLAINERS = {
    Conv: conv, Depthwise: depthwise, Separable: separable, Dense: dense, Pool: pool, GlobalPool: global_pool,
    AdaptivePool: adaptive_pool, BatchNorm: batchnorm, Activation: activation, Flatten: flatten,
    PReLU: prelu, Dropout: dropout, ZeroPad: zeropad, Concat: concat, Add: elementwise, Multiply: elementwise,
    **norm_boards.EXPLAINERS, **resampling_boards.EXPLAINERS, **attention_boards.EXPLAINERS,
}


def explainer(op):
    """The explainer of an op or merge, found along its class's bases."""
    return next(EXPLAINERS[cls] for cls in type(op).__mro__ if cls in EXPLAINERS)
