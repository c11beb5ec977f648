"""Values that vary across the variants of a sweep: one number, or a numpy array of one per variant.

costcalc has one engine. A spec whose parameters are numpy arrays (one element per variant)
flows through the same expressions, option checks, shapes and counts as one with plain
numbers, wherever the arithmetic is the same for both. Where a single value is needed (a
kernel size, a repeat count, a branch condition), `one` asks for it: equal elements give it,
different ones raise `Varies`, and the sweep splits its variants by that value and goes on
with each group. numpy is imported only inside the functions given an array, which only a
sweep makes: the import finds numpy loaded already, and a report never loads it.
"""

from __future__ import annotations

import math
import operator
from typing import Any, TypeGuard

INT64_SAFE = 2**62
"""Integers below this in magnitude are exact in int64 with room to spare; beyond it, Python ints."""


class Varies(Exception):
    """A value that must be single differs between variants: split them by `values` (one per variant)."""

    def __init__(self, values):
        super().__init__("a value differs between the variants of a sweep")
        self.values = values


def is_array(value) -> TypeGuard[Any]:
    """Whether `value` is a numpy array (typed Any: numpy is not imported here)."""
    return getattr(value, "ndim", 0) > 0


def one(value):
    """`value` as one Python value: an array's element when all are equal, else Varies; a list item by item."""
    if isinstance(value, list) and any(map(is_array, value)):
        return [one(item) for item in value]
    if not is_array(value):
        return value
    first = value.flat[0]
    if (value != first).any():
        raise Varies(value)
    return first.item()


def anywhere(condition) -> bool:
    """True when `condition` holds for one variant at least (a bool, or an array of them)."""
    if condition.__class__ is bool:  # the common case, without asking for `ndim`
        return condition
    return bool(condition.any()) if is_array(condition) else bool(condition)


def integral_array(value):
    """An int64 array from a float array of whole numbers (64.0 → 64); anything else unchanged."""
    if not is_array(value) or value.dtype.kind != "f":
        return value
    if (value != value.round()).any() or (abs(value) >= INT64_SAFE).any():
        return value
    return value.astype("int64")


def gcd(a, b):
    """math.gcd, elementwise where either is an array."""
    if is_array(a) or is_array(b):
        import numpy

        return numpy.gcd(a, b)
    return math.gcd(a, b)


_DIVISIONS = (operator.truediv, operator.floordiv, operator.mod)


def binary(function, left, right):
    """`function(left, right)` for + - * / // %: Python's arithmetic, elementwise on arrays.

    On arrays a zero divisor raises ZeroDivisionError as Python does, and an integer result
    that may not fit int64 raises OverflowError (the sweep then computes those variants with
    Python ints).
    """
    if not (is_array(left) or is_array(right)):
        return function(left, right)
    import numpy

    if function in _DIVISIONS and anywhere(numpy.equal(right, 0)):
        raise ZeroDivisionError("division by zero")
    with numpy.errstate(all="ignore"):
        result = function(left, right)
        if result.dtype.kind in "iu":
            estimate = function(numpy.asarray(left, "float64"), numpy.asarray(right, "float64"))
            if (abs(estimate) >= INT64_SAFE).any():
                raise OverflowError("beyond int64")
    return result


def call(name: str, function, args: list):
    """min, max, round, int, ceil and floor as Python has them, elementwise where an argument is an array."""
    if not any(is_array(arg) for arg in args):
        return function(*args)
    import functools

    import numpy

    if name in ("min", "max"):
        return functools.reduce(numpy.minimum if name == "min" else numpy.maximum, args)
    if name == "round" and len(args) == 2:
        return function(one(args[0]), one(args[1]))  # round(x, n): numpy scales by 10**n, Python does not
    value = args[0]
    if value.dtype.kind in "iu":
        return value
    # rint rounds half to even, as round() does; int() truncates
    whole = {"round": numpy.rint, "int": numpy.trunc, "ceil": numpy.ceil, "floor": numpy.floor}[name](value)
    if (abs(whole) >= INT64_SAFE).any():
        raise OverflowError("beyond int64")
    return whole.astype("int64")
