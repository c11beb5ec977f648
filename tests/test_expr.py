"""The `${...}` evaluator: Python's arithmetic, and nothing beyond it."""

import pytest

from costcalc.spec.expr import ExpressionError, evaluate


@pytest.mark.parametrize("text, names, value", [
    ("2 * 32", {}, 64),
    ("filters // 3", {"filters": 64}, 21),
    ("-7 // 2", {}, -4),
    ("-7 % 3", {}, 2),
    ("7 / 2", {}, 3.5),
    ("int(-3.7)", {}, -3),
    ("round(2.5)", {}, 2),
    ("round(3.5)", {}, 4),
    ("round(2.675, 2)", {}, 2.67),
    ("max(a, b, 3)", {"a": 1, "b": 2}, 3),
    ("min(8, 2 * (a + 1))", {"a": 2}, 6),
    ("+a", {"a": 5}, 5),
    ("0x10 + 1_000", {}, 1016),
])
def test_values(text, names, value):
    assert evaluate(text, names) == value


@pytest.mark.parametrize("text, message", [
    ("__import__('os')", "only min, max, round and int may be called in an expression"),
    ("a.real", "attribute is not allowed in an expression (only + - * / // %, parentheses, min, max, round, int)"),
    ("(lambda: 1)()", "only min, max, round and int may be called in an expression"),
    ("lambda: 1", "lambda is not allowed in an expression (only + - * / // %, parentheses, min, max, round, int)"),
    ("[x for x in a]", "listcomp is not allowed in an expression (only + - * / // %, parentheses, min, max, round, int)"),
    ("2 ** 3", "binop is not allowed in an expression (only + - * / // %, parentheses, min, max, round, int)"),
    ("1 < 2", "compare is not allowed in an expression (only + - * / // %, parentheses, min, max, round, int)"),
    ("1 / 0", "cannot compute '1 / 0': division by zero"),
    ("5 % 0", "cannot compute '5 % 0': division by zero"),
    ("width * 2", "unknown name 'width' in expression (known: pad)"),
    ("max(1)", "max() takes 2 or more arguments, got 1"),
    ("int(1, 2)", "int() takes 1 arguments, got 2"),
    ("round(x=1)", "only min, max, round and int may be called in an expression"),
    ("'a' * 3", "'a' is not a number; expressions compute with numbers only"),
    ("True + 1", "True is not a number; expressions compute with numbers only"),
    ("1e400", "inf is not a finite number"),
    ("(", "not an arithmetic expression: '('"),
    ("pad * 2", "'pad' is [1, 2] not a number; expressions compute with numbers only"),
    ("9" * 501, "expression longer than 500 characters"),
    ("(" * 240 + "1" + ")" * 240, f"not an arithmetic expression: {'(' * 240 + '1' + ')' * 240!r}"),
])
def test_refusals(text, message):
    with pytest.raises(ExpressionError) as caught:
        evaluate(text, {"pad": [1, 2]})
    assert str(caught.value) == message


def test_nesting_that_python_parses_is_fine():
    assert evaluate("(" * 200 + "1" + ")" * 200, {}) == 1


def test_overflowing_float_is_refused():
    with pytest.raises(ExpressionError, match="cannot compute"):
        evaluate("1e308 * 10 + int(1e308 * 10)", {})
