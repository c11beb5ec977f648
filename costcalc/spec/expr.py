"""The small arithmetic language of `${...}`: + - * / // %, parentheses, min, max, round, int.

Parsed with Python's `ast` and walked against a whitelist; nothing is ever passed to
`eval`. Arithmetic is Python's: `/` is true division, `//` and `%` floor.
"""

from __future__ import annotations

import ast
import math
import operator

from ..limits import MAX_EXPRESSION_CHARS

Number = int | float

_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_FUNCTIONS = {"min": (min, 2, None), "max": (max, 2, None), "round": (round, 1, 2), "int": (int, 1, 1)}


class ExpressionError(ValueError):
    """An expression that is not arithmetic, names an unknown value, or cannot be computed."""


def evaluate(text: str, names: dict) -> Number:
    """The value of `text` with `names` bound; raises ExpressionError."""
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(f"expression longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ExpressionError(f"not an arithmetic expression: {text!r}") from None
    try:
        return _number(_walk(tree.body, names))
    except ExpressionError:
        raise
    except ZeroDivisionError:  # Python's own wording differs between versions
        raise ExpressionError(f"cannot compute {text!r}: division by zero") from None
    except (OverflowError, ValueError) as exc:  # ValueError: int() or round() of nan
        raise ExpressionError(f"cannot compute {text!r}: {exc}") from None
    except RecursionError:
        raise ExpressionError(f"expression nested too deeply: {text!r}") from None


def _walk(node: ast.AST, names: dict) -> Number:
    if isinstance(node, ast.Constant):
        return _number(node.value)
    if isinstance(node, ast.Name):
        if node.id not in names:
            known = ", ".join(sorted(names)) or "none here"
            raise ExpressionError(f"unknown name {node.id!r} in expression (known: {known})")
        return _number(names[node.id], node.id)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_walk(node.left, names), _walk(node.right, names))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_walk(node.operand, names))
    if isinstance(node, ast.Call):
        return _call(node, names)
    raise ExpressionError(f"{type(node).__name__.lower()} is not allowed in an expression (only + - * / // %, parentheses, min, max, round, int)")


def _call(node: ast.Call, names: dict) -> Number:
    name = node.func.id if isinstance(node.func, ast.Name) else None
    if name not in _FUNCTIONS or node.keywords:
        raise ExpressionError("only min, max, round and int may be called in an expression")
    function, least, most = _FUNCTIONS[name]
    if len(node.args) < least or (most is not None and len(node.args) > most):
        wanted = f"{least} or more" if most is None else (f"{least}" if least == most else f"{least} or {most}")
        raise ExpressionError(f"{name}() takes {wanted} arguments, got {len(node.args)}")
    args = [_walk(arg, names) for arg in node.args]
    if name == "round" and len(args) == 2 and not isinstance(args[1], int):
        raise ExpressionError("round()'s second argument must be an integer")
    return function(*args)


def _number(value, name: str | None = None) -> Number:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        what = f"{name!r} is {value!r}" if name else f"{value!r} is"
        raise ExpressionError(f"{what} not a number; expressions compute with numbers only")
    if isinstance(value, float) and not math.isfinite(value):
        raise ExpressionError(f"{value} is not a finite number")
    return value
