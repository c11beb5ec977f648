"""`$arg` and `${expression}` in option values: whole values, interpolation, lists."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..errors import LimitError, SpecError, Where
from ..limits import MAX_STRING_CHARS, MAX_SUBSTITUTED_ITEMS
from ..suggest import did_you_mean
from ..varying import integral_array, one
from .expr import SHAPE_NAMES, ExpressionError, evaluate
from .yamlload import YList

_WHOLE_ARG = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")
_WHOLE_EXPR = re.compile(r"^\$\{([^{}]*)\}$")
_INNER_EXPR = re.compile(r"\$\{([^{}]*)\}")


class Scope(Mapping):
    """Arguments by name, plus in_height, in_width and in_channels: the shape of the input of the
    layer being read, asked of `shape` only when an expression reads one of them.

    Iterating lists the arguments only, so messages name what the spec declared. It reads `args`, not a copy:
    one is made for every layer.
    """

    __slots__ = ("args", "shape")

    def __init__(self, args: Mapping, shape):
        self.args = args
        self.shape = shape

    def dims(self) -> dict:
        shape = self.shape()
        return dict(zip(SHAPE_NAMES[-len(shape):], shape)) if len(shape) in (1, 3) else {}

    def __contains__(self, key) -> bool:
        return key in self.args or (key in SHAPE_NAMES and key in self.dims())

    def __getitem__(self, key):
        if key in self.args or key not in SHAPE_NAMES:
            return self.args[key]
        return self.dims()[key]

    def __iter__(self):
        return iter(self.args)

    def __len__(self) -> int:
        return len(self.args)


def integral(value):
    """64.0 -> 64: an expression's integral result stands where an integer is needed."""
    return int(value) if isinstance(value, float) and value.is_integer() else integral_array(value)


def substitute(value, scope: Mapping, where: Where):
    """`value` with every `$name` and `${...}` in it resolved against `scope`."""
    if isinstance(value, str) and "$" in value:
        return _substitute_text(value, scope, where)
    if isinstance(value, YList):
        if _literal(value):  # shared, not copied: an aliased list may be used thousands of times
            return value
        if len(value) > MAX_SUBSTITUTED_ITEMS:
            raise LimitError(f"a list of more than {MAX_SUBSTITUTED_ITEMS} items holds $ substitutions, the limit"
                             " for such a list", value.where)
        result = YList(value.where)
        result.item_where = value.item_where
        result.extend(substitute(item, scope, value.at(i)) for i, item in enumerate(value))
        return result
    return value


def _literal(items: YList) -> bool:
    """Whether nothing in `items` (nested lists too) holds a `$`; worked out once per list."""
    if "literal" not in items.__dict__:
        items.literal = all(_literal(item) if isinstance(item, YList) else not (isinstance(item, str) and "$" in item)
                            for item in items)
    return items.literal


def _substitute_text(text: str, scope: Mapping, where: Where):
    whole = _WHOLE_ARG.match(text)
    if whole:
        name = whole.group(1)
        if name not in scope:
            raise SpecError(f"unknown argument ${name}", where, _known(name, scope))
        return scope[name]
    whole = _WHOLE_EXPR.match(text)
    if whole:
        return integral(_evaluate(whole.group(1), scope, where))
    if "${" in text:
        text = _INNER_EXPR.sub(lambda m: _text(one(integral(_evaluate(m.group(1), scope, where)))), text)
        if len(text) > MAX_STRING_CHARS:
            raise LimitError(f"the string built is longer than {MAX_STRING_CHARS:,} characters, the limit for a"
                             " string in a spec", where)
    return text


def _text(value) -> str:
    """A value interpolated into a string: true / false as the spec writes them."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _evaluate(text: str, scope: Mapping, where: Where):
    try:
        return evaluate(text, scope)
    except ExpressionError as exc:
        raise SpecError(f"in ${{{text}}}: {exc}", where) from None


def _known(name: str, scope: Mapping) -> str:
    if not scope:
        return "$ names a block argument or a parameter (params:), and there are none here"
    return did_you_mean(name, scope) or f"the arguments and parameters here are {', '.join(scope)}"
