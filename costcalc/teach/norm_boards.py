"""The boards of the normalisation and scaling kinds (model/norms.py): layernorm, groupnorm, layer_scale,
normalization, rescaling; boards.py maps each class to its board."""

from __future__ import annotations

from ..model.norms import (
    STATISTICS,
    GroupNorm,
    LayerNorm,
    LayerScale,
    Normalization,
    Rescaling,
)
from ..model.ops import Shape, format_shape
from .formulas import NO_MACS, Board, Line, dims, f, formula


def _learned(op) -> tuple[str, int]:
    """Which of γ and β a normalisation learns, in words, and how many per channel."""
    learned = op.center + op.scale
    return {2: "γ (scale) and β (shift)", 1: "γ (scale)" if op.scale else "β (shift)", 0: "nothing"}[learned], learned


def _norm_lines(op, inp: Shape, out: Shape) -> tuple[Line, Line]:
    _, learned = _learned(op)
    ops = [str(STATISTICS)] + ["1"] * learned
    symbols = [str(STATISTICS)] + (["γ"] if op.scale else []) + (["β"] if op.center else [])
    per_element = f(" + ".join(symbols), op.per_element(), " + ".join(ops)) if learned else f("5", STATISTICS)
    return (formula("trainable", ((f(str(learned), learned), f("C", inp[-1])),)),
            formula("work", ((per_element, *dims(out)),)))


STATISTICS_NOTE = ("statistics at inference: 5 operations per element (a sum for the mean; a subtraction, a square "
                   "and a sum for the variance; a multiplication by 1/σ), then γ·x and + β where learned; the few "
                   "operations per group (the divisions, the square root) are not counted")


def layernorm(op: LayerNorm, inp: Shape, out: Shape) -> Board:
    positions = format_shape(inp[:-1]) if len(inp) > 1 else "1"
    which, _ = _learned(op)
    return Board(f"layernorm over the {inp[-1]:,} channels at each of {positions} positions", (),
                 _norm_lines(op, inp, out), (f"{NO_MACS}; per channel {which} trainable; {STATISTICS_NOTE}",))


def groupnorm(op: GroupNorm, inp: Shape, out: Shape) -> Board:
    which, _ = _learned(op)
    return Board(f"groupnorm, {op.groups} groups of {inp[-1] // op.groups} channels, on {format_shape(inp)}", (),
                 _norm_lines(op, inp, out),
                 (f"{NO_MACS}; each group's statistics over its channels at every position; per channel {which} "
                  f"trainable; {STATISTICS_NOTE}",))


def layer_scale(op: LayerScale, inp: Shape, out: Shape) -> Board:
    return Board(f"layer_scale on {format_shape(inp)}", (),
                 (formula("trainable", ((f("C", inp[-1]),),)), formula("work", (dims(out),))),
                 (f"{NO_MACS}: γ·x, one learned multiplier per channel",))


def normalization(op: Normalization, inp: Shape, out: Shape) -> Board:
    return Board(f"normalization on {format_shape(inp)}", (),
                 (formula("non-trainable", ((f("2", 2), f("C", inp[-1])),), ((f("count", 1),),)),
                  formula("work", ((f("2", 2), *dims(out)),))),
                 (f"{NO_MACS}: (x − mean) / σ with a mean and a variance per channel and the number of samples "
                  "they were adapted on, none trainable (Keras Normalization); a subtraction and a division per "
                  "element",))


def rescaling(op: Rescaling, inp: Shape, out: Shape) -> Board:
    offset = f" + {op.offset}" if op.offset >= 0 else f" − {-op.offset}"
    return Board(f"rescaling x·{op.scale}{offset} on {format_shape(inp)}", (),
                 (formula("work", ((f("2", 2), *dims(out)),)),),
                 (f"{NO_MACS}, no params: x·scale + offset with constants, a multiplication and an addition "
                  "per element",))


EXPLAINERS = {
    LayerNorm: layernorm, GroupNorm: groupnorm, LayerScale: layer_scale, Normalization: normalization,
    Rescaling: rescaling,
}
