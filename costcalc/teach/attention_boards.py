"""The boards of the attention kinds (model/attention.py); boards.py maps each class to its board."""

from __future__ import annotations

import math

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
    pooled,
)
from ..model.ops import Op, Shape, format_shape
from .formulas import NO_MACS, Board, Factor, Line, dims, f, formula

PARTS_NOTE = ("MACs by part: the q, k and v projections (3·P·C·C), QK^T and AV (P·span·C each: every head's "
              "d = C/heads, summed over the heads) and the output projection (P·C·C)")


def _macs(op: Attention, inp: Shape, positions: tuple[Factor, ...], span: tuple[Factor, ...]) -> Line:
    c = f("C", inp[-1])
    terms = [(f("3", 3), *positions, c, c), (*positions, *span, c), (*positions, *span, c), (*positions, c, c)]
    if isinstance(op, WindowAttention) and op.position_bias == "continuous":
        terms.append((f("R", op.offsets(inp)), f("2 + heads", 2 + op.heads), f("512", CPB_HIDDEN)))
    return formula("MACs", *((term,) for term in terms))


def _work(op: Op, inp: Shape, out: Shape) -> Line:
    return formula("work", *(((f(kind, n),),) for kind, n in sorted(op.work(inp, out).items())))


def self_attention(op: SelfAttention, inp: Shape, out: Shape) -> Board:
    c = f("C", inp[-1])
    params = [((f("4", 4), c, c),)] + ([((f("4", 4), c),)] if op.bias else [])
    length = f("L", inp[0])
    return Board(f"self_attention, {op.heads} heads of {inp[-1] // op.heads} channels, on {format_shape(inp)} tokens",
                 (), (_macs(op, inp, (length,), (length,)), formula("params", *params), _work(op, inp, out)),
                 (f"{PARTS_NOTE}; P = span = L: every token attends to every token",
                  "work: the projections' biases (4·L·C), q scaled by 1/sqrt(d) (L·C) and the softmax of every logit "
                  "(heads·L·L, one operation per element as every activation)"))


def window_attention(op: WindowAttention, inp: Shape, out: Shape) -> Board:
    names = ("T", "H", "W")[3 - (len(inp) - 1):]
    windows, c = op.windows(inp), f("C", inp[-1])
    positions = tuple(f(f"{name}p", side) for name, side in zip(names, op.padded(inp)))
    window = tuple(f(f"w{name.lower()}", size) for name, size in zip(names, windows))
    bias = ((f("R", op.offsets(inp)), f("heads", op.heads)),) if op.position_bias == "table" else \
        ((f("2·512 + 512", 3 * CPB_HIDDEN),), (f("512", CPB_HIDDEN), f("heads", op.heads)))
    params = [((f("4", 4), c, c),)] + ([((f("4", 4), c),)] if op.bias else []) + [(group,) for group in bias] \
        + ([((f("heads", op.heads),),)] if op.cosine else [])
    shift = f", shifted {format_shape(op.shifts(inp))}" if op.shifted(inp) else ""
    padding = tuple(formula(f"{name}p", ((f(f"ceil({name}/{size.symbol})", -(-side // size.value)), size),))
                    for name, side, size in zip(names, inp, window))
    return Board(f"window_attention {format_shape(windows)}{shift}, {op.heads} heads, on {format_shape(inp)}",
                 (), (*padding, _macs(op, inp, positions, window), formula("params", *params), _work(op, inp, out)),
                 (f"{PARTS_NOTE}; P = {'·'.join(p.symbol for p in positions)}, the input padded to whole windows, "
                  f"span = {'·'.join(w.symbol for w in window)}; R = (2wh − 1)(2ww − 1) relative positions "
                  "(on a clip · (2wt − 1))"
                  + (" (the whole window's: shrink cuts a window to the input, not its table)" if op.shrink else ""),
                  "position bias: a table of R·heads (V1), or V2's MLP 2 → 512 → heads run on the R coordinates "
                  "(its MACs R·(2 + heads)·512); cosine: a learned logit scale per head",
                  "work: the biases, the position bias (and the mask, where shifted) added to every logit, q's "
                  "scaling or cosine's norms, the softmax"))


def partition_attention(op: PartitionAttention, inp: Shape, out: Shape) -> Board:
    c, size = f("C", inp[-1]), f("s", op.size)
    params = [((f("4", 4), c, c),)] + ([((f("4", 4), c),)] if op.bias else []) + \
        [((f("(2s − 1)²", op.offsets()), f("heads", op.heads)),)]
    return Board(f"partition_attention ({op.partition}) of {op.size}×{op.size}, {op.heads} heads, "
                 f"on {format_shape(inp)}",
                 (), (_macs(op, inp, (f("H", inp[0]), f("W", inp[1])), (size, size)), formula("params", *params),
                      _work(op, inp, out)),
                 (f"{PARTS_NOTE}; P = H·W, span = s·s: each position attends to the s·s of its group, neighbours "
                  "(window) or H/s and W/s apart (grid)",
                  "work: the biases, k scaled by 1/sqrt(C), the position bias added to every logit, the softmax"))


def pooling_attention(op: PoolingAttention, inp: Shape, out: Shape) -> Board:
    c, cin = f("C", op.channels(inp)), f("Cin", inp[-1])
    lq, lk, length = f("Lq", op.queries(inp)), f("Lk", op.span(inp)), f("L", inp[0])
    terms = [(f("3", 3), length, cin, c), (lq, lk, c), (lq, lk, c), (lq, c, c)]
    lines = [formula("Lq", ((f("1", 1),),), (_grid(op.grid_of("q"), "q"),)),
             formula("Lk", ((f("1", 1),),), (_grid(op.grid_of("kv"), "k"),))]
    parts = op.parts(inp)
    pools = [((f("pools", parts["pool"]),),)] if parts["pool"] else []
    relative = [((f(name, parts[name]),),) for name in ("rel_h", "rel_w", "rel_t")] if op.relative else []
    lines += [formula("MACs", *((term,) for term in terms), *pools, *relative),
              _pooling_params(op, inp, cin, c), _work(op, inp, out)]
    return Board(f"pooling_attention, {op.heads} heads, on {format_shape(inp)} tokens of a "
                 f"{format_shape(op.grid)} grid", (), tuple(lines),
                 (f"{PARTS_NOTE}; q attends from Lq = 1 + its pooled grid's positions to Lk = 1 + k's and v's",
                  "pools: a depthwise Conv3d per pooled position and channel (the kernel's taps), then a LayerNorm of "
                  "the head's channels; rel_h, rel_w, rel_t (relative: true): q times the tables along each axis",
                  "work: the biases, q scaled, the pools' norms, the relative terms summed into the logits, the "
                  "softmax, and residual pooling's addition of q"))


def _pooling_params(op: PoolingAttention, inp: Shape, cin: Factor, c: Factor) -> Line:
    """The projections, each pool's depthwise kernel and LayerNorm of the head's d channels, V2's tables."""
    d = f("d", op.channels(inp) // op.heads)
    terms = [((f("3", 3), cin, c),), ((c, c),)] + ([((f("4", 4), c),)] if op.bias else [])
    for name, count in (("q", 1), ("kv", 2)):
        pool = op.pool(name)
        if pool is not None:
            terms.append(((f(str(count), count), f(f"taps_{name}", math.prod(pool[0])), d),))
            terms.append(((f(str(2 * count), 2 * count), d),))
    if op.relative:
        terms.append(((f("tables", op.relative_params(inp) // d.value), d),))
    return formula("params", *terms)


def token_maxpool(op: TokenMaxPool, inp: Shape, out: Shape) -> Board:
    return Board(f"token_maxpool {format_shape(op.window()[0])} of a {format_shape(op.grid)} grid",
                 (formula("length", ((f("1", 1),),), (_grid(pooled(op.grid, *op.window()), "o"),)),),
                 (_work(op, inp, out),),
                 (f"{NO_MACS}: a max over each window of the grid (padding size // 2), the class token kept",))


def _grid(grid: tuple[int, ...], mark: str) -> tuple[Factor, ...]:
    return tuple(f(f"{axis}{mark}", side) for axis, side in zip("THW", grid))


def tokens(op: Tokens, inp: Shape, out: Shape) -> Board:
    return Board(f"tokens of {format_shape(inp)}", (formula("length", (dims(inp)[:-1],)),), (),
                 ("no cost: each position of the map a token",))


def class_token(op: ClassToken, inp: Shape, out: Shape) -> Board:
    return Board(f"class_token before {format_shape(inp)} tokens", (formula("length", ((f("L", inp[0]),),),
                                                                            ((f("1", 1),),)),),
                 (formula("trainable", ((f("C", inp[-1]),),)),),
                 (f"{NO_MACS}: a learned token of C channels put first",))


def first_token(op: FirstToken, inp: Shape, out: Shape) -> Board:
    return Board(f"first_token of {format_shape(inp)}", notes=("no cost: the class token's channels, x[:, 0]",))


def position_embedding(op: PositionEmbedding, inp: Shape, out: Shape) -> Board:
    if op.grid is None:
        return Board(f"position_embedding on {format_shape(inp)} tokens", (),
                     (formula("trainable", (dims(inp),)), formula("work", (dims(out),))),
                     (f"{NO_MACS}: a learned vector per position and channel, added (as a bias)",))
    (t, h, w), c, length = _grid(op.grid, ""), f("C", inp[-1]), f("L", inp[0])
    return Board(f"position_embedding of a {format_shape(op.grid)} grid on {format_shape(inp)} tokens", (),
                 (formula("trainable", ((h, w, c),), ((t, c),), ((c,),)),
                  formula("work", ((length, c),), ((t, h, w, c),))),
                 (f"{NO_MACS}: spatial (H·W·C), temporal (T·C) and class token (C) embeddings summed for every "
                  "position and added (as biases)",))


def patch_merge(op: PatchMerge, inp: Shape, out: Shape) -> Board:
    return Board(f"patch_merge of {format_shape(inp)}",
                 (formula("Ho", ((f("ceil(H/2)", out[-3]),),)), formula("Wo", ((f("ceil(W/2)", out[-2]),),)),
                  formula("Co", ((f("4", 4), f("C", inp[-1])),))), (),
                 ("no cost: each 2×2 patch's channels side by side (an odd side padded with zeros)",))


def stochastic_depth(op: StochasticDepth, inp: Shape, out: Shape) -> Board:
    rate = f" (rate {op.rate})" if op.rate is not None else ""
    return Board(f"stochastic_depth{rate} on {format_shape(inp)}", notes=("no cost at inference: the identity",))


EXPLAINERS = {
    SelfAttention: self_attention, WindowAttention: window_attention, PartitionAttention: partition_attention,
    PoolingAttention: pooling_attention, TokenMaxPool: token_maxpool,
    Tokens: tokens, ClassToken: class_token, FirstToken: first_token, PositionEmbedding: position_embedding,
    PatchMerge: patch_merge, StochasticDepth: stochastic_depth,
}
