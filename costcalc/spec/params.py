"""`params:` in a spec (named numbers or booleans with defaults, seen by every expression) and `--set NAME=VALUE`."""

from __future__ import annotations

import math
import re

from ..errors import SpecError, Where
from ..safe import brief
from ..suggest import did_you_mean
from .substitute import substitute
from .yamlload import YMap

_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"  # patterns compiled by `re` on first use, not at import
_INT = r"^[+-]?[0-9][0-9_]*$"


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


BOOLEANS = {"true": True, "false": False}


def parse_params(node, where: Where, settings: dict | None = None) -> dict:
    """name → value. A default is a number, a boolean or an expression over the parameters declared before it;
    `settings` (name → text, as `--set` gives it, or a value) replaces a default, so later defaults see it."""
    settings = settings or {}
    if node is not None and not isinstance(node, YMap):
        raise SpecError("params maps each parameter's name to its default value", getattr(node, "where", where),
                        "params: {alpha: 1.0}")
    node = node if node is not None else {}
    unknown = [name for name in settings if name not in node]
    if unknown:
        name = unknown[0]
        hint = did_you_mean(name, node) or (f"its parameters are {', '.join(node)}" if node
                                            else "it declares none (params: {name: default})")
        raise SpecError(f"--set {name}: the spec has no parameter {brief(name)}", where, hint)
    params: dict = {}
    for name, value in node.items():
        if not isinstance(name, str) or not re.match(_NAME, name):
            raise SpecError(f"a parameter's name is a word of letters, digits and _, got {brief(name)}",
                            node.key_where[name])
        value = substitute(value, params, node.at(name))
        if not is_number(value) and not isinstance(value, bool):
            raise SpecError(f"parameter {brief(name)} must default to a number, true or false, got {brief(value)}",
                            node.at(name))
        params[name] = setting(name, settings[name], value, where) if name in settings else value
    return params


def parse_setting(text: str) -> tuple[str, str]:
    """`alpha=0.5` → ('alpha', '0.5'); raises ValueError for text without a name and a value."""
    name, equals, value = text.partition("=")
    if not equals or not name.strip() or not value.strip():
        raise ValueError(f"{brief(text)}: write NAME=VALUE, such as alpha=0.5")
    return name.strip(), value.strip()


def number(name: str, text: str, default):
    """The value `text` gives parameter `name`: true or false where its default is a boolean, an integer where it
    is an integer, else any finite number."""
    if isinstance(default, bool) or text in BOOLEANS:
        if isinstance(default, bool) and text in BOOLEANS:
            return BOOLEANS[text]
        what = ("true or false" if isinstance(default, bool) else "an integer" if isinstance(default, int)
                else "a number")
        raise ValueError(f"parameter {brief(name)} takes {what} (its default is {shown(default)}), got {brief(text)}")
    if re.match(_INT, text):
        return int(text)
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or isinstance(default, int):
        what = "an integer" if isinstance(default, int) else "a number"
        raise ValueError(f"parameter {brief(name)} takes {what} (its default is {shown(default)}), got {brief(text)}")
    return value


def shown(value) -> str:
    """A parameter's value as the spec writes it: true / false for a boolean."""
    return str(value).lower() if isinstance(value, bool) else brief(value)


def setting(name: str, given, default, where: Where):
    """The value `--set` gives a parameter: text is read as a number; a value is taken as it is."""
    if not isinstance(given, str):
        return given
    try:
        return number(name, given, default)
    except ValueError as exc:
        raise SpecError(f"--set {name}={given}: {exc}", where) from None
