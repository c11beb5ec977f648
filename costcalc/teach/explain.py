"""Where the numbers come from: per layer the formula, the numbers put in and the result.

Each row of a design gets its kind's board (boards.py) or, for a block or branch, the sum
of its parts, told bottom-up: the parts first, then their sum; a design closes with its total,
and several designs with the comparison in words. Text and Markdown renderings of the same boards.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..count.engine import Analysis, DesignResult, Row, child_indices
from ..device.settings import DeviceSettings
from ..errors import CostcalcError
from ..model.ops import Op, Shape, format_shape
from ..record import replace
from ..safe import brief, markdown_text, visible
from ..show.text import wrap_formula
from ..show.views import device_notes, share
from ..units import ratio, readable
from .attention_boards import EXPLAINERS as TOKEN_BOARDS
from .boards import explainer
from .formulas import Board, Line, f, formula

if TYPE_CHECKING:
    from ..device.profiles import Device

MAX_SUM_TERMS = 8


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
class Shares:
    """A branches module's MACs, branch by branch: (branch, MACs) parts of a total."""

    title: str
    parts: tuple[tuple[str, int], ...]
    total: int


@dataclass(frozen=True, slots=True)
class Explanation:
    """Every design explained, the comparison with the baseline in words, each branch's share, and where
    the device of the roofline times comes from (name → origin)."""

    designs: tuple[DesignBoard, ...]
    comparison: tuple[str, ...]
    shares: tuple[Shares, ...] = ()
    devices: dict[str, str] = field(default_factory=dict)


# ---- rows, designs, comparison ------------------------------------------------------------

def children(rows: tuple[Row, ...], index: int) -> list[Row]:
    """The rows directly under the group row at `index`."""
    return [rows[position] for position in child_indices(rows, index)]


def bottom_up(rows: tuple[Row, ...]) -> list[int]:
    """The rows' indices with each group after the rows under it: the parts first, then their sum."""
    order: list[int] = []
    pending: list[int] = []  # groups whose parts are still being listed, innermost last
    for index, row in enumerate(rows):
        while pending and rows[pending[-1]].depth >= row.depth:
            order.append(pending.pop())
        is_group = index + 1 < len(rows) and rows[index + 1].depth > row.depth
        (pending if is_group else order).append(index)
    return order + pending[::-1]


def _leaf(row: Row) -> str:
    return row.name  # the last part of its path


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


def branch_outputs(design: DesignResult, index: int) -> dict[str, Shape]:
    """What the merge row at `index` merges: the named tensors it reads, or its branches' outputs
    (found from the merge back, not by a scan of every row: 50,000 merges would be quadratic)."""
    rows, parent = design.rows, index - 1
    if rows[index].operands:
        return rows[index].operands
    while rows[parent].depth >= rows[index].depth:
        parent -= 1
    return {_leaf(r): r.output for r in children(rows, parent) if r.role == "branch"}


def board(design: DesignResult, index: int) -> Board:
    """The board of one row: its kind's explainer, or a subtotal of a group's parts."""
    row = design.rows[index]
    if row.role == "merge":
        return explainer(row.op)(row.op, branch_outputs(design, index), row.output)
    if row.role == "layer":
        if (len(row.input) in (2, 4) and isinstance(row.op, Op) and row.op.category in ("conv", "pool")
                and type(row.op) not in TOKEN_BOARDS):
            raise CostcalcError(f"explain's boards are written for images: {brief(row.path)} ({row.kind}) is on"
                                f" [{format_shape(row.input)}], a sequence or a clip;"
                                " report, compare and check count it")
        made = explainer(row.op)(row.op, row.input, row.output)
        return frozen(made) if row.frozen else made
    parts = children(design.rows, index)
    if not parts:
        return Board(f"{row.kind} on {format_shape(row.input)}, empty: the identity")
    names = ", ".join(_leaf(r) for r in parts) if len(parts) <= MAX_SUM_TERMS else f"{len(parts)} parts"
    return subtotal(parts, f"{row.kind} on {format_shape(row.input)}, the sum of {names}", row.cost.macs,
                    row.cost.params)


def frozen(board: Board) -> Board:
    """A frozen layer's board (`trainable: false`): what its kind learns is held fixed, non-trainable."""
    cost = tuple(replace(line, label="frozen") if line.label == "trainable" else line for line in board.cost)
    note = "frozen (trainable: false): all of its parameters non-trainable, those above too"
    return replace(board, cost=cost, notes=(*board.notes, note))


def total_board(design: DesignResult, convention: str) -> Board:
    """The design's MACs and params as sums of its top-level rows; its FLOPs as a sum by operation kind."""
    top = [row for row in design.rows if row.depth == 0]
    total = design.total
    terms = [((f(kind, n),),) for kind, n in design.breakdown.items() if n]
    flops = formula("FLOPs", *terms) if terms else Line("FLOPs", "", "", 0)
    board = subtotal(top, f"total: {format_shape(design.input)} → {design.outputs_text()}", total.macs,
                     total.params)
    return Board(board.title, (), (*board.cost, flops),
                 (f"FLOPs by operation kind, {convention} convention (costcalc conventions; docs/conventions.md)",))


def _matches(path: str, layer: str | None) -> bool:
    return layer is None or path == layer or path.startswith(layer + "/")


def with_field(board: Board, row: Row, fields) -> Board:
    """A layer's board with its receptive field's recurrence added (explain --receptive-field)."""
    from .receptive import field_lines

    lines, notes = field_lines(row, *fields[row.path])
    return replace(board, cost=board.cost + lines, notes=board.notes + notes)


def with_roofline(steps: tuple[Step, ...], design: DesignResult, device: Device,
                  settings: DeviceSettings) -> tuple[Step, ...]:
    """Each layer's board with its bytes and roofline time on `device` at `settings`."""
    from ..device.figures import on_device
    from ..device.kernels import kernel
    from .latency_board import roofline_board

    run = on_device(design, settings, device)
    found, estimates, dtype, batch = run.memory, run.estimates, settings.dtype, settings.batch
    rows = {row.path: row for row in design.rows}
    stepped = set(found.steps)  # found.steps is a tuple: a membership test in it is a search
    return tuple(replace(s, board=roofline_board(s.board, (batch * rows[s.path].cost.flops,
                                                            device.work(rows[s.path], batch)), found.traffic[s.path],
                                                 estimates[s.path], device.for_design(design.total.macs), dtype,
                                                 kernel(rows[s.path], block=device.channel_block)[0]))
                 if s.path in stepped else s
                 for s in steps)


def design_board(analysis: Analysis, design: DesignResult, layer: str | None, receptive: bool = False,
                 device: Device | None = None, settings: DeviceSettings = DeviceSettings()) -> DesignBoard:
    title = f"{analysis.name} — {design.name}" if analysis.name else design.name
    rows = design.rows
    known: dict[tuple, Board] = {}  # a layer's board is its op's on its input: a repeated layer's is made once

    def made(i: int) -> Board:
        row = rows[i]
        if row.role != "layer":
            return board(design, i)
        key = (id(row.op), row.input)  # the analysis holds the ops: their ids stay theirs
        if key not in known:
            known[key] = board(design, i)
        return known[key]

    steps = tuple(Step(rows[i].path, rows[i].output, made(i)) for i in bottom_up(rows) if _matches(rows[i].path, layer))
    if receptive:
        from ..analyses.receptive import receptive_steps

        fields, by_path = receptive_steps(design), {row.path: row for row in design.rows}
        steps = tuple(replace(s, board=with_field(s.board, by_path[s.path], fields))
                      if by_path[s.path].role == "layer" else s for s in steps)
    if device:
        steps = with_roofline(steps, design, device, settings)
    total = None if layer else total_board(design, analysis.convention)
    return DesignBoard(design.name, f"{title}: {format_shape(design.input)} → {design.outputs_text()}",
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


def explain(analysis: Analysis, layer: str | None = None, receptive: bool = False, device: Device | None = None,
            settings: DeviceSettings = DeviceSettings(), devices: dict[str, str] | None = None) -> Explanation:
    """Boards for every row (or the rows at and under `layer`) of every design of `analysis`;
    with `receptive`, each layer's receptive field too; with a `device`, each layer's bytes and roofline
    time there, at `settings`, and `devices` says where the device comes from."""
    designs = tuple(design_board(analysis, d, layer, receptive, device, settings) for d in analysis.designs)
    designs = tuple(d for d in designs if d.steps) if layer else designs
    if not designs:
        from ..suggest import did_you_mean

        paths = list(dict.fromkeys(row.path for d in analysis.designs for row in d.rows))
        raise CostcalcError(f"--layer {brief(layer)} is not a path in {analysis.file}",
                            hint=did_you_mean(layer, paths) or "costcalc report lists the paths")
    compared = comparison(analysis) if len(analysis.designs) > 1 and not layer else ()
    return Explanation(designs, compared, branch_shares(analysis, layer), devices or {})


def branch_shares(analysis: Analysis, layer: str | None) -> tuple[Shares, ...]:
    """Each branches module (at or under `layer`) of each design: its branches' MACs."""
    found = []
    for design in analysis.designs:
        for index, row in enumerate(design.rows):
            if row.role == "branches" and _matches(row.path, layer):
                parts = tuple((_leaf(r), r.cost.macs) for r in children(design.rows, index) if r.role == "branch")
                title = f"{design.name}: {row.path}" if len(analysis.designs) > 1 else row.path
                found.append(Shares(title, parts, row.cost.macs))
    return tuple(found)


SHARE_BAR = 20


def share_lines(shares: Shares) -> list[str]:
    """`  3x3   ███████████████▊     79.0%`: each branch's share of the module's MACs as a bar."""
    from ..show.text import bar

    name_width = max(len(name) for name, _ in shares.parts)
    lines = [f"MACs by branch, {shares.title} ({shares.total:,} MACs):"]
    for name, macs in shares.parts:
        lines.append(f"  {name.ljust(name_width)}  {bar(macs, shares.total, SHARE_BAR).ljust(SHARE_BAR)}"
                     f"  {share(macs, shares.total).rjust(6)}")
    return lines


# ---- text and markdown --------------------------------------------------------------------

def result(value: int) -> str:
    """`120,422,400 ≈ 120.4M`; no rounded form under a million."""
    return f"{value:,} ≈ {readable(value)}" if abs(value) >= 10**6 else f"{value:,}"


@functools.lru_cache(maxsize=4096)  # layers alike have boards alike: written once at the layer limit
def board_lines(lines: tuple[Line, ...]) -> tuple[str, ...]:
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
    return tuple(text)


def step_lines(heading: str, board: Board, output: Shape | None) -> list[str]:
    return [heading, *_body_lines(board, output)]


@functools.lru_cache(maxsize=1024)  # boards and shapes are frozen: a repeated layer's lines are made once
def _body_lines(board: Board, output: Shape | None) -> tuple[str, ...]:
    lines = [*board_lines(board.shape), *([f"output {format_shape(output)}"] if output is not None else []),
             *board_lines(board.cost)]
    return tuple(visible("  " + line).rstrip() for line in lines + list(board.notes))


def _steps(design: DesignBoard):
    for step in design.steps:
        yield step.path, step.board, step.output
    if design.total:
        yield "", design.total, None


def text_chunks(explanation: Explanation, width: int | None = None):
    """The boards as plain text, a block at a time, a blank line between blocks; each line within `width`
    cells when given, a formula broken before an operator and continued under its `=`. A generator, so
    that a design of 200,000 layers is written out without its whole text in memory."""
    def blocks():
        for design in explanation.designs:
            yield visible(design.title)
            for path, board, output in _steps(design):
                heading = visible(f"{path}: {board.title}" if path else board.title)
                yield "\n".join(step_lines(heading, board, output))
        if explanation.comparison:
            yield "\n".join(map(visible, explanation.comparison))
        for shares in explanation.shares:
            yield "\n".join(map(visible, share_lines(shares)))
        if explanation.devices:
            yield "\n".join(map(visible, device_notes(explanation.devices)))

    for index, block in enumerate(blocks()):
        if width is not None:
            block = "\n".join(part for line in block.split("\n") for part in wrap_formula(line, width))
        yield ("\n\n" if index else "") + block
    yield "\n"


def text(explanation: Explanation, width: int | None = None) -> str:
    """The boards as plain text (text_chunks, joined)."""
    return "".join(text_chunks(explanation, width))


def markdown_chunks(explanation: Explanation):
    """Headings per design, bold titles per layer, the arithmetic in indented code blocks; a block at a time."""
    def blocks():
        for design in explanation.designs:
            yield f"### {markdown_text(design.title)}"
            for path, board, output in _steps(design):
                title = markdown_text(board.title)
                heading = f"**{markdown_text(path)}**: {title}" if path else f"**{title}**"
                lines = step_lines("", board, output)[1:]
                yield heading + "\n\n" + "\n".join("  " + line for line in lines)
        if explanation.comparison:
            yield "### Compared\n\n" + "\n".join(f"- {markdown_text(line)}" for line in explanation.comparison)
        for shares in explanation.shares:
            head, *lines = share_lines(shares)
            yield f"**{markdown_text(head)}**\n\n" + "\n".join("  " + visible(line) for line in lines)
        if explanation.devices:
            yield "\n".join(f"{markdown_text(line)}  " for line in device_notes(explanation.devices)).rstrip()

    for index, block in enumerate(blocks()):
        yield ("\n\n" if index else "") + block
    yield "\n"


def markdown(explanation: Explanation) -> str:
    """The boards as Markdown (markdown_chunks, joined)."""
    return "".join(markdown_chunks(explanation))
