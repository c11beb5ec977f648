"""The boards of the attention kinds (model/attention.py); boards.py maps each class to its board."""

from __future__ import annotations

from ..model.attention import (
    CPB_HIDDEN,
    Attention,
    ClassToken,
    FirstToken,
    PatchMerge,
    PositionEmbedding,
    SelfAttention,
    StochasticDepth,
    Tokens,
    WindowAttention,
)
from ..model.ops import Shape, format_shape
from .formulas import NO_MACS, Board, Factor, Line, dims, f, formula

PARTS_NOTE = ("MACs by part: the q, k and v projections (3·P·C·C), QK^T and AV (P·span·C each: every head's "
              "d = C/heads, summed over the heads) and the output projection (P·C·C)")


def _macs(op: Attention, inp: Shape, positions: tuple[Factor, ...], span: tuple[Factor, ...]) -> Line:
    c = f("C", inp[-1])
    terms = [(f("3", 3), *positions, c, c), (*positions, *span, c), (*positions, *span, c), (*positions, c, c)]
    if isinstance(op, WindowAttention) and op.position_bias == "continuous":
        terms.append((f("T", op.offsets()), f("2 + heads", 2 + op.heads), f("512", CPB_HIDDEN)))
    return formula("MACs", *((term,) for term in terms))


def _work(op: Attention, inp: Shape, out: Shape) -> Line:
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
    (hp, wp), c = op.padded(inp), f("C", inp[-1])
    positions, window = (f("Hp", hp), f("Wp", wp)), (f("wh", op.window[0]), f("ww", op.window[1]))
    bias = ((f("T", op.offsets()), f("heads", op.heads)),) if op.position_bias == "table" else \
        ((f("2·512 + 512", 3 * CPB_HIDDEN),), (f("512", CPB_HIDDEN), f("heads", op.heads)))
    params = [((f("4", 4), c, c),)] + ([((f("4", 4), c),)] if op.bias else []) + [(group,) for group in bias] \
        + ([((f("heads", op.heads),),)] if op.cosine else [])
    shift = f", shifted {format_shape(op.shift)}" if op.shifted(inp) else ""
    return Board(f"window_attention {format_shape(op.window)}{shift}, {op.heads} heads, on {format_shape(inp)}",
                 (), (formula("Hp", ((f("ceil(H/wh)", -(-inp[0] // op.window[0])), window[0]),)),
                      formula("Wp", ((f("ceil(W/ww)", -(-inp[1] // op.window[1])), window[1]),)),
                      _macs(op, inp, positions, window), formula("params", *params), _work(op, inp, out)),
                 (f"{PARTS_NOTE}; P = Hp·Wp, the map padded to whole windows, span = wh·ww; T = (2wh − 1)(2ww − 1) "
                  "relative positions",
                  "position bias: a table of T·heads (V1), or V2's MLP 2 → 512 → heads run on the T coordinates "
                  "(its MACs T·(2 + heads)·512); cosine: a learned logit scale per head",
                  "work: the biases, the position bias (and the mask, where shifted) added to every logit, q's "
                  "scaling or cosine's norms, the softmax"))


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
    return Board(f"position_embedding on {format_shape(inp)} tokens", (),
                 (formula("trainable", (dims(inp),)), formula("work", (dims(out),))),
                 (f"{NO_MACS}: a learned vector per position and channel, added (as a bias)",))


def patch_merge(op: PatchMerge, inp: Shape, out: Shape) -> Board:
    return Board(f"patch_merge of {format_shape(inp)}",
                 (formula("Ho", ((f("ceil(H/2)", out[0]),),)), formula("Wo", ((f("ceil(W/2)", out[1]),),)),
                  formula("Co", ((f("4", 4), f("C", inp[-1])),))), (),
                 ("no cost: each 2×2 patch's channels side by side (an odd side padded with zeros)",))


def stochastic_depth(op: StochasticDepth, inp: Shape, out: Shape) -> Board:
    rate = f" (rate {op.rate})" if op.rate is not None else ""
    return Board(f"stochastic_depth{rate} on {format_shape(inp)}", notes=("no cost at inference: the identity",))


EXPLAINERS = {
    SelfAttention: self_attention, WindowAttention: window_attention, Tokens: tokens, ClassToken: class_token,
    FirstToken: first_token, PositionEmbedding: position_embedding, PatchMerge: patch_merge,
    StochasticDepth: stochastic_depth,
}
