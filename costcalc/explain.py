"""Where the numbers come from: per layer the formula, the numbers put in and the result.

Every formula is built as data, a sum of products of named factors; its symbols, its
numbers and its result are all derived from those factors, so the arithmetic printed
always equals the result it states. `EXPLAINERS` maps an op or merge class to the small
function that writes its board; subclasses (the pools, the activations) inherit theirs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .conventions import CONVENTIONS
from .engine import Analysis, DesignResult, Row
from .errors import CostcalcError
from .merges import Add, Concat, Multiply
from .ops import (Activation, AdaptivePool, BatchNorm, Conv, Dense, Depthwise, Dropout, Flatten, GlobalPool, Pool,
                  Separable, Shape, ZeroPad, adaptive_windows, format_shape)
from .units import ratio, readable
from .views import share

MAX_SUM_TERMS = 8
DROPPED = " − 1"  # ceil_mode's last window, starting in the right padding, dropped as PyTorch does


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


@dataclass(frozen=True, slots=True)
class Step:
    """The board of one row of a design."""

    path: str
    output: Shape
    board: Board


@dataclass(frozen=True, slots=True)
class DesignBoard:
    """A design's steps and, unless one layer was asked for, its total."""

    name: str
    title: str
    steps: tuple[Step, ...]
    total: Board | None


@dataclass(frozen=True, slots=True)
class Explanation:
    """Every design explained, and the comparison with the baseline in words."""

    designs: tuple[DesignBoard, ...]
    comparison: tuple[str, ...]


def _atom(text: str) -> str:
    return f"({text})" if any(c in text for c in " /+−") else text


def _group(group: tuple[Factor, ...], attr: str, alone: bool) -> str:
    inner = "·".join(_atom(getattr(factor, attr)) for factor in group)
    return inner if alone or len(group) == 1 else f"({inner})"


def _term(term: Term, attr: str) -> str:
    return " · ".join(_group(g, attr, len(term) == 1) for g in term)


def formula(label: str, *terms: Term) -> Line:
    """A sum of products: symbols, numbers and value all from the same factors."""
    symbols = " + ".join(_term(t, "symbol") for t in terms)
    numbers = " + ".join(_term(t, "number") for t in terms)
    value = sum(math.prod(factor.value for group in t for factor in group) for t in terms)
    return Line(label, symbols, numbers, value)


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
    H, k, s, d = ("H", "W")[axis], ("kh", "kw")[axis], _pick(stride, ("sh", "sw"), axis), _pick(dilation, ("dh", "dw"), axis)
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
    if padding == "same":
        return "same"
    if not any(padding):
        return "valid"
    return f"padding {padding[0]}" if len(set(padding)) == 1 else f"padding [{', '.join(map(str, padding))}]"


def _window_text(op, stride=None, extra: tuple[str, ...] = ()) -> str:
    stride = stride or op.stride
    dilation = getattr(op, "dilation", (1, 1))
    parts = [f"stride {_pair(stride)}", _padding(op.padding), *extra]
    if dilation != (1, 1):
        parts.append(f"dilation {_pair(dilation)}")
    return f"({', '.join(parts)})"


def _activation(op) -> str:
    return f" + {op.activation}" if op.activation else ""


# ---- layer kinds --------------------------------------------------------------------------

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
        f"{_window_text(op, extra=extra)}{_activation(op)}",
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
        f"{_window_text(op)}{_activation(op)}",
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
        f"{_window_text(op)}{_activation(op)}",
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
    notes = (f"applied to the last axis at each of the {math.prod(inp[:-1]):,} positions (as Keras)",) if positions else ()
    return Board(f"dense, {inp[-1]:,} → {out[-1]:,} units{on}{_activation(op)}", (), (macs, formula("params", *params)),
                 notes)


NO_WEIGHTS = "no weights: 0 MACs, 0 params; the work is counted in FLOPs"


def pool(op: Pool, inp: Shape, out: Shape) -> Board:
    stride = op.stride or op.size
    k = (f("kh", op.size[0]), f("kw", op.size[1]))
    extra = ("ceil_mode",) if op.ceil_mode else ()
    shape = window_lines(inp, op.size, stride, (1, 1), op.padding, op.ceil_mode)
    dropped = ("ceil_mode: a last window that would start in the padding is dropped (the − 1), as PyTorch does",)
    return Board(
        f"{op.kind} {format_shape(op.size)} on {format_shape(inp)} {_window_text(op, stride, extra)}",
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
    Dropout: dropout, ZeroPad: zeropad, Concat: concat, Add: elementwise, Multiply: elementwise,
}


def explainer(op):
    """The explainer of an op or merge, found along its class's bases."""
    return next(EXPLAINERS[cls] for cls in type(op).__mro__ if cls in EXPLAINERS)


# ---- rows, designs, comparison ------------------------------------------------------------

def children(rows: tuple[Row, ...], index: int) -> list[Row]:
    """The rows directly under the group row at `index`."""
    depth, found = rows[index].depth, []
    for row in rows[index + 1:]:
        if row.depth <= depth:
            break
        if row.depth == depth + 1:
            found.append(row)
    return found


def _leaf(row: Row) -> str:
    return row.path.rsplit("/", 1)[-1]


def _name(row: Row) -> str:
    """A part's name as a symbol: a name that reads as a number (a branch called 0) is bracketed."""
    name = _leaf(row)
    return f"[{name}]" if name.replace(".", "").replace(",", "").isdigit() else name


def sum_line(label: str, parts: list[Row], value: int) -> Line:
    """label = a + b + … = value over the parts that are not zero (just the value when too many)."""
    terms = [((f(_name(r), getattr(r.cost, label.lower())),),) for r in parts if getattr(r.cost, label.lower())]
    if len(terms) > MAX_SUM_TERMS or not terms:
        return Line(label, "", "", value)
    line = formula(label, *terms)
    return Line(label, line.symbols, "", line.value) if len(terms) == 1 else line


def subtotal(parts: list[Row], title: str, macs: int, params: int) -> Board:
    lines = (sum_line("MACs", parts, macs), sum_line("params", parts, params))
    return Board(title, (), lines)


def branch_outputs(design: DesignResult, merge: Row) -> dict[str, Shape]:
    parent = merge.path.rsplit("/", 1)[0]
    return {_leaf(r): r.output for r in design.rows
            if r.role == "branch" and r.depth == merge.depth and r.path.rsplit("/", 1)[0] == parent}


def board(design: DesignResult, index: int) -> Board:
    """The board of one row: its kind's explainer, or a subtotal of a group's parts."""
    row = design.rows[index]
    if row.role == "merge":
        return explainer(row.op)(row.op, branch_outputs(design, row), row.output)
    if row.role == "layer":
        return explainer(row.op)(row.op, row.input, row.output)
    parts = children(design.rows, index)
    if not parts:
        return Board(f"{row.kind} on {format_shape(row.input)}, empty: the identity")
    names = ", ".join(_leaf(r) for r in parts) if len(parts) <= MAX_SUM_TERMS else f"{len(parts)} parts"
    return subtotal(parts, f"{row.kind} on {format_shape(row.input)}, the sum of {names}", row.cost.macs,
                    row.cost.params)


def total_board(design: DesignResult, flops_per_mac: int) -> Board:
    top = [row for row in design.rows if row.depth == 0]
    total = design.total
    elementwise_work = total.flops - flops_per_mac * total.macs
    flops = formula("FLOPs", ((f(str(flops_per_mac), flops_per_mac), f("MACs", total.macs)),),
                    ((f("elementwise", elementwise_work),),))
    board = subtotal(top, f"total: {format_shape(design.input)} → {format_shape(design.output)}", total.macs,
                     total.params)
    return Board(board.title, (), (*board.cost, flops),
                 (f"FLOPs: {flops_per_mac} per MAC plus the elementwise work (bias, normalisation, activations, "
                  "pooling, merges); see docs/conventions.md",))


def _matches(path: str, layer: str | None) -> bool:
    return layer is None or path == layer or path.startswith(layer + "/")


def design_board(analysis: Analysis, design: DesignResult, layer: str | None) -> DesignBoard:
    title = f"{analysis.name} — {design.name}" if analysis.name else design.name
    steps = tuple(Step(row.path, row.output, board(design, i)) for i, row in enumerate(design.rows)
                  if _matches(row.path, layer))
    total = None if layer else total_board(design, CONVENTIONS[analysis.convention].flops_per_mac)
    return DesignBoard(design.name, f"{title}: {format_shape(design.input)} → {format_shape(design.output)}",
                       steps, total)


def sentence(name: str, verb: str, value: int, noun: str, base: str, base_value: int) -> str:
    """`bottleneck costs 12,443,648 MACs, 10.3% of standard, 9.68× fewer.`"""
    head = f"{name} {verb} {value:,} {noun}"
    if value == base_value:
        return f"{head}, the same as {base}."
    if not value or not base_value:
        return f"{head}; {base} has {base_value:,}."
    direction = "fewer" if value < base_value else "more"
    factor = max(value, base_value) / min(value, base_value)
    return f"{head}, {share(value, base_value)} of {base}, {ratio(factor)} {direction}."


def comparison(analysis: Analysis) -> tuple[str, ...]:
    """Each design against the baseline, in words, for MACs and params."""
    base = analysis.design(analysis.baseline)
    lines = [f"Against {base.name}: {base.total.macs:,} MACs, {base.total.params:,} params."]
    for design in analysis.designs:
        if design is not base:
            lines.append(sentence(design.name, "costs", design.total.macs, "MACs", base.name, base.total.macs))
            lines.append(sentence(design.name, "has", design.total.params, "params", base.name, base.total.params))
    return tuple(lines)


def explain(analysis: Analysis, layer: str | None = None) -> Explanation:
    """Boards for every row (or the rows at and under `layer`) of every design of `analysis`."""
    designs = tuple(design_board(analysis, d, layer) for d in analysis.designs)
    designs = tuple(d for d in designs if d.steps) if layer else designs
    if not designs:
        from .suggest import did_you_mean

        paths = list(dict.fromkeys(row.path for d in analysis.designs for row in d.rows))
        raise CostcalcError(f"--layer {layer!r} is not a path in {analysis.file}",
                            hint=did_you_mean(layer, paths) or "costcalc report lists the paths")
    compared = comparison(analysis) if len(analysis.designs) > 1 and not layer else ()
    return Explanation(designs, compared)


# ---- text and markdown --------------------------------------------------------------------

def result(value: int) -> str:
    """`120,422,400 ≈ 120.4M`; no rounded form under a million."""
    return f"{value:,} ≈ {readable(value)}" if abs(value) >= 10**6 else f"{value:,}"


def board_lines(lines: tuple[Line, ...]) -> list[str]:
    """Aligned `label = symbols = numbers = result` lines."""
    label_width = max((len(line.label) for line in lines), default=0)
    symbols_width = max((len(line.symbols) for line in lines), default=0)
    numbers_width = max((len(line.numbers) for line in lines), default=0)
    text = []
    for line in lines:
        parts = [line.label.ljust(label_width)]
        parts += [line.symbols.ljust(symbols_width)] if line.symbols else []
        parts += [line.numbers.ljust(numbers_width)] if line.numbers not in ("", f"{line.value:,}") else []
        text.append(" = ".join([*parts, result(line.value)]))
    return text


def step_lines(heading: str, board: Board, output: Shape | None) -> list[str]:
    lines = [heading]
    lines += board_lines(board.shape)
    lines += [f"output {format_shape(output)}"] if output is not None else []
    lines += board_lines(board.cost)
    return [lines[0], *(("  " + line).rstrip() for line in lines[1:] + list(board.notes))]


def _steps(design: DesignBoard):
    for step in design.steps:
        yield step.path, step.board, step.output
    if design.total:
        yield "", design.total, None


def text(explanation: Explanation) -> str:
    """The boards as plain text, a blank line between layers."""
    blocks = []
    for design in explanation.designs:
        blocks.append(design.title)
        for path, board, output in _steps(design):
            heading = f"{path}: {board.title}" if path else board.title
            blocks.append("\n".join(step_lines(heading, board, output)))
    if explanation.comparison:
        blocks.append("\n".join(explanation.comparison))
    return "\n\n".join(blocks) + "\n"


def markdown(explanation: Explanation) -> str:
    """Headings per design, bold titles per layer, the arithmetic in indented code blocks."""
    blocks = []
    for design in explanation.designs:
        blocks.append(f"### {design.title}")
        for path, board, output in _steps(design):
            heading = f"**{path}**: {board.title}" if path else f"**{board.title}**"
            lines = step_lines("", board, output)[1:]
            blocks.append(heading + "\n\n" + "\n".join("  " + line for line in lines))
    if explanation.comparison:
        blocks.append("### Compared\n\n" + "\n".join(f"- {line}" for line in explanation.comparison))
    return "\n\n".join(blocks) + "\n"
