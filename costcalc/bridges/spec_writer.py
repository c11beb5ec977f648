"""A spec built layer by layer by an importer, and written as YAML text for the spec reader.

Each layer reads tensors by id (`INPUT` is the design's input) and gives one; the writer adds
`from:` where a layer does not read the layer before it and `as:` on every tensor read so.
Shapes are worked out as layers are added, by the model's own kinds, so an importer can
decide what comes next from them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from ..errors import ShapeError
from ..limits import MAX_NAME_CHARS
from ..model.merges import MERGES
from ..model.ops import OPS, Shape
from ..model.options import OptionError
from ..safe import elide_chars

INPUT = -1
"""The id of the design's input."""

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


class ImportRefusal(Exception):
    """A part of a model that the spec format cannot express, or that the file does not hold."""


@dataclass(frozen=True, slots=True)
class Imported:
    """A spec made from a model file, with the figures the file holds."""

    text: str
    params: int
    layers: int

    @property
    def summary(self) -> str:
        return f"{self.layers:,} layer{'s' if self.layers != 1 else ''}, {self.params:,} parameters"


@dataclass(slots=True)
class Item:
    """One layer (or merge, when `kind` is a merge) of the spec being built."""

    kind: str
    options: dict
    name: str | None
    sources: tuple[int, ...]
    shape: Shape


@dataclass(slots=True)
class SpecBuilder:
    input: Shape
    items: list[Item] = field(default_factory=list)
    outputs: dict[int, str] = field(default_factory=dict)
    """For a model of several outputs, each one's tensor → the name the model gives it (`outputs:`)."""

    def shape(self, tensor: int) -> Shape:
        return self.input if tensor == INPUT else self.items[tensor].shape

    def layer(self, kind: str, options: dict, name: str | None, source: int) -> int:
        """Add a layer of a built-in kind reading `source`; its id."""
        cls = OPS[kind]
        fields = cls.option_fields()
        try:
            op = cls(**{key: fields[key].metadata["check"](value) for key, value in options.items()})
            shape = op.infer(self.shape(source))
        except (OptionError, ShapeError) as exc:
            raise ImportRefusal(f"as a {kind} {options}: {getattr(exc, 'message', exc)}") from None
        self.items.append(Item(kind, options, name, (source,), shape))
        return len(self.items) - 1

    def merge(self, kind: str, sources: tuple[int, ...], name: str | None) -> int:
        """Add a merge (concat, add, multiply) of the tensors `sources`; its id."""
        shapes = {str(index): self.shape(source) for index, source in enumerate(sources)}
        try:
            shape = MERGES[kind]().infer(shapes)
        except ShapeError as exc:
            raise ImportRefusal(f"as a {kind} merge: {exc.message}") from None
        self.items.append(Item(kind, {}, name, sources, shape))
        return len(self.items) - 1

    def text(self, header: list[str], title: str) -> str:
        """The spec as YAML: `header` as comment lines, then name, input and the layers."""
        names = self.tensor_names()
        lines = [f"# {line}" for line in header]
        lines += [f"name: {scalar(title)}", f"input: {scalar(list(self.input))}"]
        if self.outputs:
            lines.append(f"outputs: {scalar([names[tensor] for tensor in self.outputs])}")
        lines.append("layers:")
        for index, item in enumerate(self.items):
            lines.append(f"  - {self.item_text(index, item, names)}")
        return "\n".join(lines) + "\n"

    def tensor_names(self) -> dict[int, str]:
        """A name for every tensor read other than by the next layer (`input` for the input), and for each output
        of several (the model's name for it, where it has one)."""
        wanted: set[int] = set()
        for index, item in enumerate(self.items):
            if item.kind in MERGES or item.sources[0] != index - 1:
                wanted.update(item.sources)
        names, taken = {INPUT: "input"}, {"input"}
        for tensor in sorted((wanted | set(self.outputs)) - {INPUT}):
            given = self.outputs.get(tensor) or self.items[tensor].name or ""
            base = re.sub(r"[^A-Za-z0-9_]+", "_", given).strip("_") or f"t{tensor + 1}"
            base = base[:MAX_NAME_CHARS - 8]
            name, n = base, 1
            while name in taken:
                n += 1
                name = f"{base}_{n}"
            taken.add(name)
            names[tensor] = name
        return names

    def item_text(self, index: int, item: Item, names: dict[int, str]) -> str:
        keys = dict(item.options)
        if item.name:
            keys["name"] = item.name
        if item.kind in MERGES:
            keys = {"merge": item.kind, "from": [names[s] for s in item.sources], **keys}
        elif item.sources[0] != index - 1:
            keys["from"] = names[item.sources[0]]
        if index in names:
            keys["as"] = names[index]
        if item.kind in MERGES:
            return scalar(keys)
        return f"{item.kind}: {scalar(keys)}" if keys else item.kind


def scalar(value) -> str:
    """`value` in YAML flow style: plain words where YAML reads them back as the same string, else quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):  # YAML 1.1 reads 1e-05 as a string: its floats need a point
        mantissa, e, exponent = repr(value).partition("e")
        return f"{mantissa}{'' if '.' in mantissa else '.0'}{e}{exponent}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {scalar(v)}" for k, v in value.items()) + "}"
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text)


def registrar(table: dict):
    """A decorator `@register(*names)` that puts a function in `table` under each name (an operator, a layer class)."""
    def register(*names):
        def put(function):
            for name in names:
                table[name] = function
            return function
        return put
    return register


def safe_name(text: str) -> str | None:
    """A model's name for a layer as a spec name: `/` (costcalc's path separator) as `.`, other characters
    but letters, digits, `_`, `-` and `.` as `_`, at most MAX_NAME_CHARS; None for an empty one."""
    text = re.sub(r"[^A-Za-z0-9_.\-]+", "_", text.strip("/").replace("/", "."))
    return elide_chars(text, MAX_NAME_CHARS) or None
