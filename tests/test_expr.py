"""The `${...}` evaluator: Python's arithmetic, comparisons and conditionals, and nothing beyond them."""

import pytest

from costcalc.spec.expr import ExpressionError, evaluate

ONLY = ("(only + - * / // %, comparisons, and, or, not, a if c else b, parentheses,"
        " min, max, round, int, ceil, floor)")


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
    ("__import__('os')", "only min, max, round, int, ceil and floor may be called in an expression"),
    ("a.real", "attribute is not allowed in an expression " + ONLY),
    ("(lambda: 1)()", "only min, max, round, int, ceil and floor may be called in an expression"),
    ("lambda: 1", "lambda is not allowed in an expression " + ONLY),
    ("[x for x in a]", "listcomp is not allowed in an expression " + ONLY),
    ("2 ** 3", "binop is not allowed in an expression " + ONLY),
    ("1 is 1", "is is not allowed in an expression " + ONLY),
    ("1 in [1]", "in is not allowed in an expression " + ONLY),
    ("1 / 0", "cannot compute '1 / 0': division by zero"),
    ("5 % 0", "cannot compute '5 % 0': division by zero"),
    ("width * 2", "unknown name 'width' in expression (known: pad)"),
    ("max(1)", "max() takes 2 or more arguments, got 1"),
    ("int(1, 2)", "int() takes 1 arguments, got 2"),
    ("round(x=1)", "only min, max, round, int, ceil and floor may be called in an expression"),
    ("'a' * 3", "'a' is not a number; expressions compute with numbers only"),
    ("True + 1", "True is not a number; expressions compute with numbers only"),
    ("1e400", "inf is not a finite number"),
    ("(", "not an arithmetic expression: '('"),
    ("pad * 2", "'pad' is [1, 2] not a number; expressions compute with numbers only"),
    ("9" * 501, "expression longer than 500 characters"),
    ("(" * 240 + "1" + ")" * 240, "not an arithmetic expression: '" + "(" * 29 + "…" + ")" * 30 + "'"),
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


# --- Comparisons, logic, conditionals, ceil and floor (format 1.1) ---------------------------

@pytest.mark.parametrize("text, names, value", [
    ("a < b", {"a": 1, "b": 2}, True),
    ("0 < a <= 8", {"a": 8}, True),
    ("0 < a <= 8", {"a": 9}, False),
    ("a >= 2.5", {"a": 2}, False),
    ("a == 2", {"a": 2.0}, True),
    ("act == 'hswish'", {"act": "hswish"}, True),
    ("act != 'relu'", {"act": "relu"}, False),
    ("'1' == 1", {}, False),
    ("(1 < 2) == 1", {}, False),
    ("s == 1 and c == f", {"s": 1, "c": 16, "f": 16}, True),
    ("s == 2 or c == f", {"s": 1, "c": 16, "f": 24}, False),
    ("not s == 1", {"s": 1}, False),
    ("False and 1 / 0", {}, False),
    ("True or 1 / 0", {}, True),
    ("8 if c < 16 else 16", {"c": 3}, 8),
    ("'relu' if small else 'hswish'", {"small": False}, "hswish"),
    ("1 if True else 1 / 0", {}, 1),
    ("ceil(2.1)", {}, 3),
    ("floor(-2.1)", {}, -3),
    ("ceil(7 / 7)", {}, 1),
])
def test_conditions(text, names, value):
    result = evaluate(text, names)
    assert result == value and type(result) is type(value)


@pytest.mark.parametrize("text, message", [
    ("1 and True", "and takes true or false, got 1; compare to make one (`x > 0`)"),
    ("False or 'x'", "or takes true or false, got 'x'; compare to make one (`x > 0`)"),
    ("not 0", "not takes true or false, got 0; compare to make one (`x > 0`)"),
    ("1 if 2 else 3", "the condition of `a if c else b` takes true or false, got 2; compare to make one (`x > 0`)"),
    ("'a' < 'b'", "'a' is not a number; expressions compute with numbers only"),
    ("ceil(1, 2)", "ceil() takes 1 arguments, got 2"),
    ("floor(True)", "True is not a number; expressions compute with numbers only"),
    ("in_height * 2", "unknown name 'in_height' in expression (the input's shape: none here)"),
])
def test_condition_refusals(text, message):
    with pytest.raises(ExpressionError) as caught:
        evaluate(text, {})
    assert str(caught.value) == message


def test_shape_names_are_listed_apart_from_the_arguments():
    names = {"filters": 8, "in_channels": 3}
    with pytest.raises(ExpressionError) as caught:
        evaluate("in_hieght", names)
    assert str(caught.value) == "unknown name 'in_hieght' in expression (the input's shape: in_channels)"
    with pytest.raises(ExpressionError) as caught:
        evaluate("filter", names)
    assert str(caught.value) == "unknown name 'filter' in expression (known: filters)"


# --- Keras's helper functions, written as expressions (docs/spec-format.md) -------------------
# The references are Keras's own code (keras/src/applications/mobilenet_v2.py, efficientnet.py,
# imagenet_utils.correct_pad), copied as documented; the expressions are the docs' spellings.

def keras_make_divisible(v, divisor=8, min_value=None):
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def keras_correct_pad(size, kernel_size):
    adjust = 1 - size % 2
    correct = kernel_size // 2
    return [correct - adjust, correct]


def keras_round_filters(filters, width_coefficient, divisor=8):
    filters *= width_coefficient
    new_filters = max(divisor, int(filters + divisor / 2) // divisor * divisor)
    if new_filters < 0.9 * filters:
        new_filters += divisor
    return int(new_filters)


def keras_round_repeats(repeats, depth_coefficient):
    import math
    return int(math.ceil(depth_coefficient * repeats))


MAKE_DIVISIBLE = ("max(8, int(v + 8 / 2) // 8 * 8)"
                  " + (8 if max(8, int(v + 8 / 2) // 8 * 8) < 0.9 * v else 0)")
CORRECT_PAD = ["k // 2 - 1 + in_height % 2", "k // 2"]
ROUND_FILTERS = ("max(8, int(f * w + 8 / 2) // 8 * 8)"
                 " + (8 if max(8, int(f * w + 8 / 2) // 8 * 8) < 0.9 * (f * w) else 0)")
ROUND_REPEATS = "int(ceil(d * r))"


@pytest.mark.parametrize("v", [3, 8, 11.2, 16 * 0.35, 32 * 0.35, 32 * 1.4, 96 * 0.75, 1280 * 1.3, 35, 36, 37.6, 1001])
def test_make_divisible_is_kerass(v):
    assert evaluate(MAKE_DIVISIBLE, {"v": v}) == keras_make_divisible(v)


@pytest.mark.parametrize("size", [1, 2, 7, 112, 113, 197, 224])
@pytest.mark.parametrize("k", [1, 3, 5])
def test_correct_pad_is_kerass(size, k):
    assert [evaluate(text, {"k": k, "in_height": size}) for text in CORRECT_PAD] == keras_correct_pad(size, k)


@pytest.mark.parametrize("w", [1.0, 1.1, 1.2, 1.4, 1.6, 1.8, 2.0])
@pytest.mark.parametrize("f", [16, 24, 32, 40, 80, 112, 192, 320, 1280])
def test_round_filters_is_kerass(f, w):
    assert evaluate(ROUND_FILTERS, {"f": f, "w": w}) == keras_round_filters(f, w)


@pytest.mark.parametrize("d", [1.0, 1.1, 1.2, 1.4, 1.8, 2.2, 2.6, 3.1])
@pytest.mark.parametrize("r", [1, 2, 3, 4])
def test_round_repeats_is_kerass(r, d):
    assert evaluate(ROUND_REPEATS, {"r": r, "d": d}) == keras_round_repeats(r, d)
