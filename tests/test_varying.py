"""One engine for numbers and arrays: an expression over a sweep's arrays is, element by element, Python's value."""

import numpy
import pytest

from costcalc.spec.expr import ExpressionError, evaluate
from costcalc.varying import Varies, one

VALUES = [0.25, 0.35, 0.5, 0.75, 1.0, 1.3, 1.4, 2.5, 3.5, -2.5, -0.5, 7.0]
EXPRESSIONS = [
    "int(x * 32)", "round(x * 3)", "round(x)", "ceil(x * 3)", "floor(x * 3)", "x * 32 // 8", "x * 32 % 8",
    "-x // 1", "x / 4", "max(8, int(x * 32 + 4) // 8 * 8)", "min(x, 1.0) * 2", "max(1, x, 3)",
    "8 * min(1, max(0, -((max(8, int(x * 100 + 4) // 8 * 8) - 0.9 * x * 100) // 1)))",
]


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_an_expression_over_an_array_is_python_s_value_in_each_element(text):
    array = evaluate(text, {"x": numpy.array(VALUES)})
    expected = [evaluate(text, {"x": value}) for value in VALUES]
    assert array.tolist() == expected
    if "min(" not in text and "max(" not in text:  # which of an int and a float min/max returns, arrays cannot keep:
        # their values are equal, and where an integer is needed an integral float is taken as one
        assert array.dtype.kind == ("i" if all(type(v) is int for v in expected) else "f")


def test_integers_stay_exact_int64():
    sizes = numpy.array([128, 160, 192, 224])
    assert evaluate("n * n * 1024 * 1024", {"n": sizes}).tolist() == [n * n * 1024 * 1024 for n in (128, 160, 192, 224)]


def test_what_int64_cannot_hold_and_division_by_zero_are_errors_as_in_python():
    with pytest.raises(ExpressionError, match="beyond int64"):
        evaluate("n * 4611686018427387904", {"n": numpy.array([1, 2])})
    with pytest.raises(ExpressionError, match="division by zero"):
        evaluate("8 // n", {"n": numpy.array([1, 0])})


def test_a_condition_that_differs_between_variants_asks_to_split_them():
    with pytest.raises(Varies) as split:
        evaluate("8 if x < 1 else 16", {"x": numpy.array([0.5, 1.5])})
    assert split.value.values.tolist() == [True, False]
    assert evaluate("8 if x < 1 else 16", {"x": numpy.array([0.5, 0.75])}) == 8  # the same in every variant


def test_one_value():
    assert one(numpy.array([[3, 3], [3, 3]])) == 3 and type(one(numpy.array([3, 3]))) is int
    assert one([numpy.array([0, 0]), 1]) == [0, 1]
    with pytest.raises(Varies):
        one(numpy.array([1, 2]))
