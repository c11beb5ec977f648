"""Text measured in terminal cells: padding, word wrapping, paths elided in the middle, formulas broken at an operator.

A cell is one column of a terminal: `×`, `…` and `★` take one, a CJK character two (Rich's measure).
"""

from __future__ import annotations

import re

ELLIPSIS = "…"
OPERATORS = "+·−≈"  # where a formula may break, after `=`


ONE_CELL = "×…·−≈★█▏▎▍▌▋▊▉→—–µ"
"""Characters costcalc writes that take one cell each, as Rich measures them (tests/test_width.py checks)."""
_WIDER = f"[^\\x00-\\x7f{ONE_CELL}]"  # a pattern, compiled by `re` on first use (`str.translate` took 3 µs a row)


def one_cell_each(text: str) -> bool:
    """Whether each character of `text` takes one cell (ASCII, or a shape's `×`): then `len` is its width, and
    `str.ljust` pads it. No need to load Rich's tables."""
    return text.isascii() or re.search(_WIDER, text) is None


def width(text: str) -> int:
    """Cells that `text` takes on a terminal (its widest line)."""
    if "\n" in text:
        return max(map(width, text.split("\n")))
    if one_cell_each(text):
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(part: int, whole: int, cells: int) -> str:
    """A bar of `cells` cells for part/whole, in eighths of a cell; anything above zero shows."""
    if not whole or part <= 0:
        return ""
    eighths = max(1, round(8 * cells * part / whole))
    full, rest = divmod(eighths, 8)
    return "█" * full + (EIGHTHS[rest] if rest else "")


def pad(text: str, cells: int, right: bool = False) -> str:
    """`text` padded with spaces to `cells` cells, on the left when `right`."""
    if text.isascii():  # one cell per character: what most cells are, at the cost of a method call
        return text.rjust(cells) if right else text.ljust(cells)
    fill = " " * (cells - width(text))
    return fill + text if right else text + fill


def _take(text: str, cells: int, from_end: bool = False) -> str:
    """The longest start (or end) of `text` within `cells` cells."""
    chars = reversed(text) if from_end else iter(text)
    taken, used = [], 0
    for char in chars:
        used += width(char)
        if used > cells:
            break
        taken.append(char)
    return "".join(reversed(taken) if from_end else taken)


def elide_path(word: str, cells: int) -> str:
    """`word` within `cells` terminal cells, its middle replaced by `…`: whole path segments if it can (`3a/…/conv2`),
    else characters (safe.elide_chars counts characters, not cells, and knows no paths)."""
    if width(word) <= cells:
        return word
    parts = word.split("/")
    for head, first in ((parts[0] + "/", 2), ("", 1)):
        for start in range(first, len(parts)):
            candidate = f"{head}{ELLIPSIS}/" + "/".join(parts[start:])
            if width(candidate) <= cells:
                return candidate
    tail = (cells - 1) // 2
    return _take(word, cells - 1 - tail) + ELLIPSIS + _take(word, tail, from_end=True)


def indent_of(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def wrap(text: str, cells: int, hang: int = 0) -> list[str]:
    """`text` in lines of at most `cells` cells, broken at spaces; continuation lines keep its indent, plus `hang`.

    A word wider than a line is elided in the middle (see `elide_path`).
    """
    indent = indent_of(text)
    if width(text) <= cells or not text.strip():
        return [text]
    lines, line, lead = [], "", " " * indent
    for word in text.split():
        if line and width(lead + line) + 1 + width(word) <= cells:
            line += " " + word
            continue
        if line:
            lines.append(lead + line)
            lead = " " * (indent + hang)
        line = elide_path(word, max(cells - width(lead), 1))
    return [*lines, lead + line]


def _depth_zero(text: str, position: int) -> bool:
    before = text[:position]
    return before.count("(") == before.count(")")


def _split(text: str, operators: str, outside: bool = True) -> list[str]:
    """`text` cut before each of `operators` (with a space either side), outside parentheses when `outside`."""
    tokens, start = [], 0
    for match in re.finditer(rf" +(?=[{operators}] )", text):
        if not outside or _depth_zero(text, match.start()):
            tokens.append(text[start:match.start()])
            start = match.end()
    return [*tokens, text[start:]]


def _pieces(segment: str, room: int) -> list[str]:
    """A `= a + b` segment whole if it fits `room`, else cut before its operators (inside parentheses if need be)."""
    if width(segment) <= room:
        return [segment]
    tokens = _split(segment, OPERATORS)
    return tokens if all(width(token) <= room for token in tokens) else _split(segment, OPERATORS, outside=False)


def wrap_formula(line: str, cells: int) -> list[str]:
    """A `label = a + b = value` line in lines of at most `cells` cells, continued under its first `=`:
    broken before an `=` where it can, else before another operator."""
    if width(line) <= cells or " = " not in line:
        return wrap(line, cells, hang=2)
    first = line.index(" = ")
    label = line[:first]
    blank = " " * width(label)  # a continuation line, before the space that precedes its operator
    lines, current, cut = [], label, False
    for segment in _split(line[first + 1:], "="):
        pieces = _pieces(segment, cells - width(blank) - 1)
        if current != label and (cut or len(pieces) > 1 or width(current) + 1 + width(segment) > cells):
            lines.append(current)
            current = blank
        for piece in pieces:
            if current not in (label, blank) and width(current) + 1 + width(piece) > cells:
                lines.append(current)
                current = blank
            current += " " + piece
        cut = len(pieces) > 1
    return [part for line in [*lines, current] for part in wrap(line, cells, hang=2)]
