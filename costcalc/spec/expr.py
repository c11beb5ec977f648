"""The small language of `${...}`: arithmetic, comparisons, and/or/not, `a if c else b`, a few functions.

Parsed with Python's `ast` and walked against a whitelist; nothing is ever passed to
`eval`. Arithmetic is Python's: `/` is true division, `//` and `%` floor. Values are
numbers, booleans (from comparisons) and strings (names bound to strings, quoted
literals), which only `==`, `!=` and the arms of a conditional accept.
"""

from __future__ import annotations

import ast
import functools
import math
import operator
from collections.abc import Callable, Mapping
from typing import Any

from ..limits import MAX_EXPRESSION_CHARS, MAX_INTEGER_DIGITS, within_digits
from ..safe import brief
from ..varying import binary, call, is_array, one

Number = int | float
Value = int | float | bool | str

SHAPE_NAMES = ("in_height", "in_width", "in_channels")
"""The names that read the shape of a layer's input; bound by the expander, not by arguments."""

_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_ORDER = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
_EQUALITY = (ast.Eq, ast.NotEq)
_FUNCTIONS = {
    "min": (min, 2, None), "max": (max, 2, None), "round": (round, 1, 2), "int": (int, 1, 1),
    "ceil": (math.ceil, 1, 1), "floor": (math.floor, 1, 1),
}
ALLOWED = ("(only + - * / // %, comparisons, and, or, not, a if c else b, parentheses,"
           " min, max, round, int, ceil, floor)")


class ExpressionError(ValueError):
    """An expression outside the whitelist, an unknown name, or a value that cannot be computed."""


def evaluate(text: str, names: Mapping) -> Value:
    """The value of `text` with `names` bound; raises ExpressionError."""
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(f"expression longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        return _scalar(_walk(_parse(text), names))
    except ExpressionError:
        raise
    except ZeroDivisionError:  # Python's own wording differs between versions
        raise ExpressionError(f"cannot compute {brief(text)}: division by zero") from None
    except (OverflowError, ValueError) as exc:  # ValueError: int() or round() of nan
        raise ExpressionError(f"cannot compute {brief(text)}: {exc}") from None
    except RecursionError:
        raise ExpressionError(f"expression nested too deeply: {brief(text)}") from None


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> ast.AST:
    """The expression's tree, parsed once: blocks repeat the same expressions many times."""
    try:
        return ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ExpressionError(f"not an arithmetic expression: {brief(text)}") from None


def _walk(node: ast.AST, names: Mapping) -> Value:
    if isinstance(node, ast.Constant):
        return _scalar(node.value)
    if isinstance(node, ast.Name):
        return _name(node.id, names)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _operand(_walk(node.left, names)), _operand(_walk(node.right, names))
        return _bounded(binary(_BINARY[type(node.op)], left, right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_operand(_walk(node.operand, names)))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not _boolean(_walk(node.operand, names), "not")
    if isinstance(node, ast.BoolOp):
        return _logic(node, names)
    if isinstance(node, ast.Compare):
        return _compare(node, names)
    if isinstance(node, ast.IfExp):
        chosen = node.body if _boolean(_walk(node.test, names), "the condition of `a if c else b`") else node.orelse
        return _walk(chosen, names)
    if isinstance(node, ast.Call):
        return _bounded(_call(node, names))
    raise ExpressionError(f"{type(node).__name__.lower()} is not allowed in an expression {ALLOWED}")


_LITERALS = {"true": True, "false": False, "True": True, "False": False}
"""YAML's booleans, and Python's, as an expression writes them."""


def _name(name: str, names: Mapping) -> Value:
    if name not in names and name in _LITERALS:
        return _LITERALS[name]
    if name in names:
        value = names[name]
        if isinstance(value, (int, float, str)) or is_array(value):
            return _scalar(value)
        raise ExpressionError(f"{brief(name)} is {brief(value)} not a number; expressions compute with numbers only")
    known = ", ".join(sorted(n for n in names if n not in SHAPE_NAMES)) or "none here"
    if name.startswith("in_"):
        shape = ", ".join(n for n in SHAPE_NAMES if n in names) or "none here"
        raise ExpressionError(f"unknown name {brief(name)} in expression (the input's shape: {shape})")
    raise ExpressionError(f"unknown name {brief(name)} in expression (known: {known})")


def _logic(node: ast.BoolOp, names: Mapping) -> bool:
    """`and` / `or` on booleans, short-circuiting as Python does."""
    word = "and" if isinstance(node.op, ast.And) else "or"
    for operand in node.values:
        value = _boolean(_walk(operand, names), word)
        if value is (word == "or"):
            return value
    return word == "and"


def _compare(node: ast.Compare, names: Mapping) -> bool:
    """A comparison, chained as Python's (`0 < a <= 8`): order on numbers, equality on any value."""
    left = _walk(node.left, names)
    for op, right_node in zip(node.ops, node.comparators):
        if type(op) not in _ORDER and type(op) not in _EQUALITY:
            raise ExpressionError(f"{type(op).__name__.lower()} is not allowed in an expression {ALLOWED}")
        right = _walk(right_node, names)
        if type(op) in _ORDER:
            holds = one(_ORDER[type(op)](_operand(left), _operand(right)))
        else:
            same = _sort(left) == _sort(right) and one(left == right)
            holds = same if isinstance(op, ast.Eq) else not same
        if not holds:
            return False
        left = right
    return True


def _call(node: ast.Call, names: Mapping) -> Number:
    name = node.func.id if isinstance(node.func, ast.Name) else None
    if name not in _FUNCTIONS or node.keywords:
        raise ExpressionError("only min, max, round, int, ceil and floor may be called in an expression")
    function, least, most = _FUNCTIONS[name]
    if len(node.args) < least or (most is not None and len(node.args) > most):
        wanted = f"{least} or more" if most is None else (f"{least}" if least == most else f"{least} or {most}")
        raise ExpressionError(f"{name}() takes {wanted} arguments, got {len(node.args)}")
    args = [_operand(_walk(arg, names)) for arg in node.args]
    if name == "round" and len(args) == 2 and not isinstance(args[1], int):
        raise ExpressionError("round()'s second argument must be an integer")
    if name == "round" and len(args) == 2 and abs(args[1]) > MAX_INTEGER_DIGITS:
        raise OverflowError(f"round() to more than {MAX_INTEGER_DIGITS:,} digits")
    return call(name, function, args)


def _bounded(value: Number) -> Number:
    """A computed integer, refused past MAX_INTEGER_DIGITS: a value that grows through defaults
    or repeated products stops here, not in a hang or at Python's limit on printing it."""
    if isinstance(value, int) and not within_digits(value):
        raise OverflowError(f"the result has more than {MAX_INTEGER_DIGITS:,} digits, the limit for a number")
    return value


def _sort(value: Value) -> type:
    """Numbers, booleans and strings never equal one another (`1 == true` is false)."""
    if isinstance(value, bool) or (is_array(value) and value.dtype.kind == "b"):
        return bool
    return str if isinstance(value, str) else float


def _scalar(value) -> Value:
    if isinstance(value, (bool, str)) or (is_array(value) and value.dtype.kind == "b"):
        return value
    return _number(value)


def _operand(value) -> Number:
    """A value arithmetic accepts: a number, not a boolean or a string (intermediate infinities pass);
    in a sweep, a numeric array of one per variant."""
    if is_array(value):
        if value.dtype.kind not in "iuf":
            raise ExpressionError("a value that is not a number in every variant; expressions compute with numbers")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExpressionError(f"{brief(value)} is not a number; expressions compute with numbers only")
    return value


def _number(value) -> Number:
    """A finite number, as literals, names and results must be."""
    _operand(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ExpressionError(f"{value} is not a finite number")
    if is_array(value) and value.dtype.kind == "f" and not (abs(value) < math.inf).all():
        raise ExpressionError("a value that is not a finite number in every variant")
    return value


def _boolean(value: Value, where: str) -> bool:
    """A condition: true or false (in a sweep, one for every variant of its group: they split where it differs)."""
    if is_array(value) and value.dtype.kind == "b":
        value = bool(one(value))
    if not isinstance(value, bool):
        raise ExpressionError(f"{where} takes true or false, got {brief(value)}; compare to make one (`x > 0`)")
    return value
