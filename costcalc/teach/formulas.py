"""Formulas as data: named factors, sums of products, and the output-size derivations.

A formula's symbols, its numbers and its result all come from the same factors, so the
arithmetic it prints always equals the result it states.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from ..model.ops import Shape, format_shape

DROPPED = " − 1"  # ceil_mode's last window, starting in the right padding, dropped as PyTorch does
NO_MACS = "no MACs"

@dataclass(frozen=True, slots=True)
class Factor:
    """A named number in a formula; `shown` is how it is written when not as its value (192/4)."""

    symbol: str
    value: int
    shown: str = ""

    @property
    def number(self) -> str:
        return self.shown or f"{self.value:,}"


Term = tuple[tuple[Factor, ...], ...]  # a product of groups of factors; a group of several is parenthesised


@dataclass(frozen=True, slots=True)
class Line:
    """One line on the board: label = symbols = numbers = value (symbols and numbers may be empty)."""

    label: str
    symbols: str
    numbers: str
    value: int


@dataclass(frozen=True, slots=True)
class Board:
    """What is written for one row: a title, the shape derivation, the costs, and remarks."""

    title: str
    shape: tuple[Line, ...] = ()
    cost: tuple[Line, ...] = ()
    notes: tuple[str, ...] = ()


def _atom(text: str) -> str:
    return f"({text})" if any(c in text for c in " /+−") else text


def _group(group: tuple[Factor, ...], attr: str, alone: bool) -> str:
    inner = "·".join(_atom(getattr(factor, attr)) for factor in group)
    return inner if alone or len(group) == 1 else f"({inner})"


def _term(term: Term, attr: str) -> str:
    return " · ".join(_group(g, attr, len(term) == 1) for g in term)


@functools.lru_cache(maxsize=4096)  # layers alike share their formulas: explain stays fast at the layer limit
def formula(label: str, *terms: Term) -> Line:
    """A sum of products: symbols, numbers and value all from the same factors."""
    symbols = " + ".join(_term(t, "symbol") for t in terms)
    numbers = " + ".join(_term(t, "number") for t in terms)
    value = sum(math.prod(factor.value for group in t for factor in group) for t in terms)
    return Line(label, symbols, numbers, value)


@functools.lru_cache(maxsize=4096)
def f(symbol: str, value: int, shown: str = "") -> Factor:
    """A factor, briefly: the formulas below read best with a short name."""
    return Factor(symbol, value, shown)


def dims(shape: Shape) -> tuple[Factor, ...]:
    """The axes of a shape as factors: H, W, C; C; or d1 … C."""
    names = {3: ("H", "W", "C"), 1: ("C",)}.get(len(shape)) or (*(f"d{i + 1}" for i in range(len(shape) - 1)), "C")
    return tuple(f(name, size) for name, size in zip(names, shape))


# ---- output sizes -------------------------------------------------------------------------

def _pick(pair, names: tuple[str, str], axis: int) -> str:
    return names[0][:-1] if pair[0] == pair[1] else names[axis]


def _axis_size(axis: int, size: int, sides, kernel, stride, dilation, ceil_mode: bool) -> tuple[str, str, int]:
    """(symbols, numbers, value) of Ho or Wo for explicit padding, as the frameworks compute it."""
    before, after = sides[axis]
    H, k = ("H", "W")[axis], ("kh", "kw")[axis]
    s, d = _pick(stride, ("sh", "sw"), axis), _pick(dilation, ("dh", "dw"), axis)
    sym, num = [H], [str(size)]
    if before == after and before:
        p = "p" if sides[0] == sides[1] else ("ph", "pw")[axis]
        sym, num = sym + [f"2·{p}"], num + [f"2·{before}"]
    elif before or after:
        names = (("pt", "pb"), ("pl", "pr"))[axis]
        sym, num = sym + list(names), num + [str(before), str(after)]
    extent = dilation[axis] * (kernel[axis] - 1) + 1
    if dilation[axis] == 1:
        sym, num = sym + [k], num + [str(kernel[axis])]
    else:
        sym, num = sym + [f"{d}·({k} − 1) − 1"], num + [f"{dilation[axis]}·({kernel[axis]} − 1) − 1"]
    room = size + before + after - extent
    rounding = "ceil" if ceil_mode else "floor"
    value = (-(-room // stride[axis]) if ceil_mode else room // stride[axis]) + 1
    symbols = f"{rounding}(({' + '.join(sym[:-1])} − {sym[-1]}) / {s}) + 1"
    numbers = f"{rounding}(({' + '.join(num[:-1])} − {num[-1]}) / {stride[axis]}) + 1"
    if ceil_mode and (value - 1) * stride[axis] >= size + before:
        symbols, numbers, value = symbols + DROPPED, numbers + DROPPED, value - 1
    return symbols, numbers, value


def window_lines(inp: Shape, kernel, stride, dilation, padding, ceil_mode: bool = False) -> tuple[Line, ...]:
    """Ho and Wo of a sliding window: ceil(H / s) with `same`, else the padded-window formula."""
    parts = []
    for axis in (0, 1):
        if padding == "same":
            s = _pick(stride, ("sh", "sw"), axis)
            parts.append((f"ceil({('H', 'W')[axis]} / {s})", f"ceil({inp[axis]} / {stride[axis]})",
                          -(-inp[axis] // stride[axis])))
        else:
            sides = (padding[:2], padding[2:])
            parts.append(_axis_size(axis, inp[axis], sides, kernel, stride, dilation, ceil_mode))
    (hs, hn, hv), (ws, wn, wv) = parts
    if hn == wn:
        return (Line("Ho = Wo", hs, hn, hv),)
    return Line("Ho", hs, hn, hv), Line("Wo", ws, wn, wv)


def _pair(pair) -> str:
    return str(pair[0]) if pair[0] == pair[1] else format_shape(pair)


def _padding(padding) -> str:
    if padding in ("same", "valid"):
        return padding
    if not any(padding):
        return "valid"
    return f"padding {padding[0]}" if len(set(padding)) == 1 else f"padding [{', '.join(map(str, padding))}]"


def window_text(op, stride=None, extra: tuple[str, ...] = ()) -> str:
    stride = stride or op.stride
    dilation = getattr(op, "dilation", (1, 1))
    parts = [f"stride {_pair(stride)}", _padding(op.padding), *extra]
    if dilation != (1, 1):
        parts.append(f"dilation {_pair(dilation)}")
    return f"({', '.join(parts)})"


def activation_text(op) -> str:
    return f" + {op.activation}" if op.activation else ""
