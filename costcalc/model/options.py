"""Checkers for layer options: each takes a value as written and returns it normalised.

A checker raises OptionError with a message saying what was expected; the spec layer
adds the position. Booleans and floats are never accepted where an integer belongs.
"""

from __future__ import annotations

from ..record import MISSING, field
from ..safe import brief
from ..suggest import did_you_mean
from ..varying import is_array
from .spatial import Every, Padding, PerAxis

ACTIVATIONS = ("relu", "relu6", "sigmoid", "tanh", "swish", "hswish", "hsigmoid", "softmax",
               "gelu", "silu", "leaky_relu", "elu", "mish")
LEARNED_ACTIVATIONS = ("prelu",)  # layers only: their weights need options of their own


class OptionError(ValueError):
    """A value of the wrong type or range for its option."""


def option(check, default=MISSING, doc: str = ""):
    """A dataclass field that is a user option: `check` validates what the spec gives."""
    return field(default=default, metadata={"check": check, "doc": doc})


def _describe(value) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()} (YAML reads yes/no/on/off as booleans)"
    if isinstance(value, float):
        return f"the float {brief(value)}"
    if isinstance(value, str):
        return f"the string {brief(value)}"
    return repr(value)


def _nearest(value, values) -> str:
    """`; did you mean 'relu'?` after a message about a string near one of `values`, else nothing."""
    hint = did_you_mean(value, values) if isinstance(value, str) else None
    return f"; {hint}" if hint else ""


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def positive_int(value) -> int:
    """A positive integer; in a sweep, an int64 array of them (sizes: filters, units, channels)."""
    if is_array(value):
        if value.dtype.kind not in "iu" or (value <= 0).any() or (value >= 2**31).any():
            raise OptionError("expected a positive integer in every variant, and one below 2**31")
        return value
    if not is_int(value) or value <= 0:
        raise OptionError(f"expected a positive integer, got {_describe(value)}")
    return value


def non_negative_int(value) -> int:
    """An integer ≥ 0 (an index: a slice's first channel)."""
    if not is_int(value) or value < 0:
        raise OptionError(f"expected a non-negative integer, got {_describe(value)}")
    return value


def pair(value) -> tuple[int, int]:
    """An int n (meaning [n, n]) or a list [a, b] of positive integers."""
    if is_int(value):
        return positive_int(value), value
    if isinstance(value, list) and len(value) == 2 and all(is_int(v) and v > 0 for v in value):
        return value[0], value[1]
    raise OptionError(f"expected a positive integer or a list [height, width] of them, got {_describe(value)}")


def spatial(value) -> tuple[int, ...]:
    """A positive int n (n on every spatial axis) or a list of them, one per axis: [length], [height, width] or
    [time, height, width]."""
    if is_int(value) and value > 0:
        return Every((value, value))
    if isinstance(value, list) and 1 <= len(value) <= 3 and all(is_int(v) and v > 0 for v in value):
        return tuple(value)
    raise OptionError(f"expected a positive integer or a list of them, one per spatial axis ([height, width];"
                      f" [length]; [time, height, width]), got {_describe(value)}")


def boolean(value) -> bool:
    if not isinstance(value, bool):
        raise OptionError(f"expected true or false, got {_describe(value)}")
    return value


def _side(value) -> bool:
    """A non-negative integer; in a sweep, an int64 array of them."""
    if is_array(value):
        return value.dtype.kind in "iu" and not (value < 0).any() and not (value >= 2**31).any()
    return is_int(value) and value >= 0


def four_sides(value) -> tuple[int, int, int, int]:
    """Explicit padding: p, [ph, pw] or [top, bottom, left, right] -> (top, bottom, left, right)."""
    if is_int(value) and value >= 0:
        return value, value, value, value
    if isinstance(value, list) and all(map(_side, value)):
        if len(value) == 2:
            return value[0], value[0], value[1], value[1]
        if len(value) == 4:
            return tuple(value)
    raise OptionError("expected a padding p, [ph, pw] or [top, bottom, left, right] of non-negative integers, got "
                      f"{_describe(value)}")


def padding(value) -> Padding:
    """same, valid, or explicit sides on one to three spatial axes; `valid` and p are p on every side, one number
    per axis ([ph, pw]) stands for both its sides, two per axis ([top, bottom, left, right]) are the sides."""
    if value == "same":
        return "same"
    if value == "valid" or is_int(value) and value >= 0:
        return Every((0 if value == "valid" else value,) * 4)
    if isinstance(value, list) and all(is_int(v) and v >= 0 for v in value):
        if len(value) in (1, 2, 3):
            return PerAxis(side for v in value for side in (v, v))
        if len(value) in (4, 6):
            return tuple(value)
    raise OptionError(f"expected same, valid, an integer, [ph, pw] or [top, bottom, left, right] (on a sequence"
                      f" [p] or [before, after]; on a clip [pt, ph, pw] or six sides), got {_describe(value)}")


VECTORISED = {positive_int, four_sides}
"""The checkers that take a sweep's arrays; every other option needs one value (`varying.one`)."""


def activation(value) -> str | None:
    if value is None or value in ("none", "linear"):
        return None
    if value in ACTIVATIONS:
        return value
    if value in LEARNED_ACTIVATIONS:
        raise OptionError(f"{value} has learned weights, so it cannot be an activation option;"
                          f" write it as a layer after this one: `- {value}: {{slopes: channel}}`")
    raise OptionError(f"expected one of none, {', '.join(ACTIVATIONS)}; got {_describe(value)}"
                      + _nearest(value, ("none", *ACTIVATIONS)))


SLOPES = ("channel", "shared", "element")
RESIZE_MODES = ("nearest", "bilinear")
POSITION_BIASES = ("table", "continuous")
PARTITIONS = ("window", "grid")


def _one_of(value, values: tuple[str, ...]) -> str:
    if value not in values:
        raise OptionError(f"expected {' or '.join(values) if len(values) < 3 else 'one of ' + ', '.join(values)},"
                          f" got {_describe(value)}" + _nearest(value, values))
    return value


def slopes(value) -> str:
    """prelu's slopes: one per channel, one shared, or one per element."""
    return _one_of(value, SLOPES)


def resize_mode(value) -> str:
    return _one_of(value, RESIZE_MODES)


def position_bias(value) -> str:
    """Window attention's relative position bias: Swin V1's table or V2's continuous MLP."""
    return _one_of(value, POSITION_BIASES)


def grid(value) -> tuple[int, int, int]:
    """The positions a clip's tokens stand for, [time, height, width], positive integers."""
    if isinstance(value, list) and len(value) == 3 and all(is_int(v) and v > 0 for v in value):
        return value[0], value[1], value[2]
    raise OptionError(f"expected a list [time, height, width] of positive integers, got {_describe(value)}")


def optional_grid(value) -> tuple[int, int, int] | None:
    """None, or a grid [time, height, width]."""
    return None if value is None else grid(value)


def partition(value) -> str:
    """MaxViT's partition attention: windows of neighbours (block attention) or a sparse grid."""
    return _one_of(value, PARTITIONS)


def number(value) -> float:
    """Any real number (an int or a float); for options that do not change a count."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise OptionError(f"expected a number, got {_describe(value)}")
    return value


def non_negative_pair(value) -> tuple[int, int]:
    """A non-negative int n (meaning [n, n]) or a list [a, b] of them."""
    if is_int(value) and value >= 0:
        return value, value
    if isinstance(value, list) and len(value) == 2 and all(is_int(v) and v >= 0 for v in value):
        return value[0], value[1]
    raise OptionError(f"expected a non-negative integer or a list [height, width] of them, got {_describe(value)}")


def _window_axes(value, fits, what: str) -> tuple[int, ...]:
    if is_int(value) and fits(value):
        return Every((value, value))
    if isinstance(value, list) and len(value) in (2, 3) and all(is_int(v) and fits(v) for v in value):
        return tuple(value)
    raise OptionError(f"expected {what} or a list of them, [height, width] or [time, height, width], got "
                      f"{_describe(value)}")


def window(value) -> tuple[int, ...]:
    """A window on a map or a clip: a positive int n (n on every axis), [height, width] or [time, height, width]."""
    return _window_axes(value, lambda v: v > 0, "a positive integer")


def shift(value) -> tuple[int, ...]:
    """A window's shift: a non-negative int n (n on every axis), [height, width] or [time, height, width]."""
    return _window_axes(value, lambda v: v >= 0, "a non-negative integer")


def cropping(value) -> tuple[int, int, int, int]:
    """As `four_sides`, with its own words."""
    try:
        return four_sides(value)
    except OptionError:
        raise OptionError(f"expected c, [ch, cw] or [top, bottom, left, right] of non-negative integers (Keras's "
                          f"((1, 2), (3, 4)) is [1, 2, 3, 4]), got {_describe(value)}") from None


def size(value) -> tuple[int, int]:
    """A target height and width: [h, w], or n for [n, n]."""
    if isinstance(value, list) and len(value) != 2 and all(is_int(v) for v in value):
        raise OptionError(f"expected [height, width], got {len(value)} axes {_describe(value)}; the channels stay")
    return pair(value)


def transpose_padding(value) -> Padding:
    """same, valid or [top, bottom, left, right] as `four_sides` reads it; `valid` stays a word: Keras sizes valid
    and explicit 0 apart when output_padding is unset."""
    if value in ("same", "valid"):
        return value
    try:
        return four_sides(value)
    except OptionError:
        raise OptionError(f"expected same, valid, an integer, [ph, pw] or [top, bottom, left, right],"
                          f" got {_describe(value)}") from None


TORCH_CALLS = ("module", "functional", "operator")


def torch_call(value) -> str:
    """How PyTorch code invokes an op: read only by the conventions of PyTorch's counters."""
    if value not in TORCH_CALLS:
        raise OptionError("expected module (nn.ReLU), functional (F.relu) or operator (torch.relu, x.mean, +), got "
                          f"{_describe(value)}")
    return value


def rate(value) -> float | None:
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1):
        return value
    raise OptionError(f"expected a rate from 0 up to (not including) 1, got {_describe(value)}")
