"""JSON text as costcalc writes it: indented two spaces, with rows one compact line each.

`json.dumps(indent=2)` runs Python's pure-Python encoder and spreads every row over some 25
lines; at the layer limit (200,000 rows) that took seconds and a gigabyte. Here the envelope
is indented as `json.dumps(indent=2)` would, and each item of a `Lines` list is written on one
line by the C encoder, from a generator, so the rows are never all held as dicts at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..safe import json_visible


def _unserializable(value):
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


_C_ENCODER: Callable[[object, int], Iterable[str]] | None
"""What `json.JSONEncoder(ensure_ascii=False).encode` runs, made once, without the circular-reference check (a
report's data is a tree): `encode` made it again for every row, a third of a json report's writing. It is taken
as json.encoder takes it, since importing `json` itself compiles its reader's patterns."""
try:
    from _json import encode_basestring as string
    from _json import make_encoder

    _C_ENCODER = make_encoder(None, _unserializable, string, None, ": ", ", ", False, False, True)
except ImportError:  # a Python without json's C encoder
    from json.encoder import py_encode_basestring as string

    _C_ENCODER = None
"""`string(text)`: a string as JSON text (ensure_ascii off), before `json_visible`."""


def encode(value) -> str:
    """`value` as one line of JSON text, as `json.dumps(ensure_ascii=False)` writes it, made visible."""
    if _C_ENCODER is None:
        import json

        return json_visible(json.JSONEncoder(ensure_ascii=False).encode(value))
    return json_visible("".join(_C_ENCODER(value, 0)))


class Lines:
    """A json list written one item per line; `items` may be a generator, read once; with `encoded`, its
    items are their JSON text already (`encode`'s)."""

    def __init__(self, items: Iterable, encoded: bool = False):
        self.items = items
        self.encoded = encoded


def json_text(data) -> str:
    """`data` as indented JSON text with a final newline; `Lines` lists one item per line."""
    out: list[str] = []
    _write(data, "", out)
    out.append("\n")
    return "".join(out)


def _write(value, pad: str, out: list[str]) -> None:
    inner = pad + "  "
    if isinstance(value, dict) and value:
        out.append("{")
        for number, (key, item) in enumerate(value.items()):
            out.append(f"{',' if number else ''}\n{inner}{encode(str(key))}: ")
            _write(item, inner, out)
        out.append(f"\n{pad}}}")
    elif isinstance(value, (list, tuple)) and value:
        out.append("[")
        for number, item in enumerate(value):
            out.append(f"{',' if number else ''}\n{inner}")
            _write(item, inner, out)
        out.append(f"\n{pad}]")
    elif isinstance(value, Lines):
        start = len(out)
        texts = value.items if value.encoded else map(encode, value.items)
        out.extend(f"{',' if number else ''}\n{inner}{text}" for number, text in enumerate(texts))
        out.insert(start, "[")
        out.append(f"\n{pad}]" if len(out) > start + 1 else "]")
    else:
        out.append(encode(value))
