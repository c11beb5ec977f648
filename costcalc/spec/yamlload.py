"""Safe YAML loading that keeps positions, rejects duplicate keys and bounds expansion.

Documents are built from the parser's event stream without recursion, so deep nesting
and alias bombs are refused with a positioned error instead of crashing the process.
Mappings come back as `YMap` and sequences as `YList`; both remember where each of
their entries stands in the file.
"""

from __future__ import annotations

import yaml

from ..errors import LimitError, SpecError, Where
from ..limits import MAX_INTEGER_DIGITS, MAX_STRING_CHARS, MAX_YAML_DEPTH, MAX_YAML_NODES, within_digits
from ..safe import brief

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCALAR_BUILDERS = yaml.SafeLoader.yaml_constructors


class YMap(dict):
    """A mapping with the position of itself, of each key and of each value."""

    def __init__(self, where: Where):
        super().__init__()
        self.where = where
        self.key_where: dict = {}
        self.value_where: dict = {}

    def at(self, key) -> Where:
        """Where the value of `key` stands (or the mapping, for a missing key)."""
        return self.value_where.get(key, self.where)


class YList(list):
    """A sequence with the position of itself and of each item."""

    def __init__(self, where: Where):
        super().__init__()
        self.where = where
        self.item_where: list[Where] = []

    literal: bool
    """Whether nothing in the list holds a `$`: set by spec/substitute.py when first asked."""

    def at(self, index: int) -> Where:
        return self.item_where[index] if index < len(self.item_where) else self.where


class _Builder:
    """Turns parser events into YMap / YList / scalars, iteratively."""

    def __init__(self, filename: str):
        self.filename = filename
        self.stack: list[list] = []  # [collection, pending_key, key_where, size]
        self.anchors: dict[str, tuple[object, int]] = {}
        self.resolver = yaml.resolver.Resolver()
        self.constructor = yaml.constructor.SafeConstructor()
        self.root = None
        self.scalars: dict[tuple, object] = {}  # (tag, text, implicit) → value, for repeated scalars

    def mark(self, event) -> Where:
        return Where(self.filename, event.start_mark.line + 1, event.start_mark.column + 1)

    def scalar(self, event):
        if len(event.value) > MAX_STRING_CHARS:
            raise LimitError(f"a value longer than {MAX_STRING_CHARS:,} characters, the limit for a string in a spec",
                             self.mark(event))
        key = (event.tag, event.value, event.implicit)
        if key in self.scalars:
            return self.scalars[key]
        value = self.build_scalar(event)
        if value is None or type(value) in _IMMUTABLE:
            self.scalars[key] = value
        return value

    def build_scalar(self, event):
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == "tag:yaml.org,2002:merge":
            return "<<"
        build = _SCALAR_BUILDERS.get(tag)
        if build is None or tag.endswith((":map", ":seq", ":set", ":omap", ":pairs")):
            raise SpecError(f"unsupported YAML tag {tag}", self.mark(event))
        if tag.endswith(":int") and len(event.value.replace("_", "")) > MAX_INTEGER_DIGITS + 1:
            raise too_many_digits(self.mark(event))
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark)
        try:
            value = build(self.constructor, node)
        except (yaml.YAMLError, ValueError, LookupError, AttributeError, TypeError) as exc:
            # PyYAML's own builders fail in their own ways on a tagged scalar (`!!bool maybe`: KeyError)
            why = str(exc).splitlines()[0] if isinstance(exc, (yaml.YAMLError, ValueError)) else ""
            raise SpecError(f"bad {tag.rsplit(':', 1)[-1]} value {brief(event.value)}" + (f": {why}" if why else ""),
                            self.mark(event)) from None
        if type(value) is int and not within_digits(value):
            raise too_many_digits(self.mark(event))
        return value

    def start(self, collection, event) -> None:
        if event.tag not in (None, "!", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"):
            raise SpecError(f"unsupported YAML tag {event.tag}", self.mark(event))
        if len(self.stack) >= MAX_YAML_DEPTH:
            raise LimitError(f"YAML nesting deeper than {MAX_YAML_DEPTH} levels", self.mark(event))
        self.stack.append([collection, _NO_KEY, None, 1, event.anchor])

    def end(self) -> None:
        collection, _, _, size, anchor = self.stack.pop()
        if isinstance(collection, YMap) and "<<" in collection:
            _apply_merge_key(collection)
        if anchor is not None:
            self.anchors[anchor] = (collection, size)
        self.add(collection, collection.where, size)

    def alias(self, event) -> None:
        if event.anchor not in self.anchors:
            raise SpecError(f"alias *{event.anchor} refers to no finished anchor", self.mark(event))
        value, size = self.anchors[event.anchor]
        self.add(value, self.mark(event), size)

    def add(self, value, where: Where, size: int = 1) -> None:
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        top[3] += size
        if top[3] > MAX_YAML_NODES:
            raise LimitError(f"the spec expands to more than {MAX_YAML_NODES:,} YAML nodes (aliases included)", where)
        collection = top[0]
        if isinstance(collection, YList):
            collection.append(value)
            collection.item_where.append(where)
        elif top[1] is _NO_KEY:
            self.set_key(top, value, where)
        else:
            collection[top[1]] = value
            collection.key_where[top[1]] = top[2]
            collection.value_where[top[1]] = where
            top[1] = _NO_KEY

    def set_key(self, top, key, where: Where) -> None:
        collection = top[0]
        if not isinstance(key, str):
            raise SpecError(f"a mapping key must be a string, got {brief(key)}", where,
                            "quote it" if type(key) in _IMMUTABLE or key is None else None)
        if key in collection:
            first = collection.key_where[key]
            raise SpecError(f"duplicate key {brief(key)}, first given at {first.line}:{first.col}", where,
                            "YAML forbids repeated keys in one mapping; keep one")
        top[1], top[2] = key, where


def too_many_digits(where: Where) -> LimitError:
    return LimitError(f"an integer of more than {MAX_INTEGER_DIGITS:,} digits, the limit for a number in a spec", where)


_NO_KEY = object()
_IMMUTABLE = (str, int, float, bool)


def _apply_merge_key(mapping: YMap) -> None:
    """YAML merge keys (`<<: *base`): keys written in the mapping win over merged ones."""
    sources = mapping.pop("<<")
    mapping.key_where.pop("<<", None)
    where = mapping.value_where.pop("<<", mapping.where)
    for source in sources if isinstance(sources, list) else [sources]:
        if not isinstance(source, YMap):
            raise SpecError("a merge key (<<) takes a mapping or a list of mappings", where)
        for key, value in source.items():
            if key not in mapping:
                mapping[key] = value
                mapping.key_where[key] = source.key_where[key]
                mapping.value_where[key] = source.value_where[key]


def load_yaml(text: str, filename: str):
    """Parse one YAML document; returns None for an empty document.

    libyaml (PyYAML's C parser) caps nesting itself in some releases, reading ahead of the
    events it has handed out; where it stops first, the pure-Python parser reads the file
    again, so costcalc's own limit, at its own position, is what the user sees on any release.
    """
    try:
        return _load_with(_Loader, text, filename)
    except SpecError as exc:
        if _Loader is yaml.SafeLoader or LIBYAML_NESTING not in exc.message:
            raise
    return _load_with(yaml.SafeLoader, text, filename)


LIBYAML_NESTING = "exceeded maximum nesting depth"


def indentation_hint(exc: yaml.MarkedYAMLError) -> str | None:
    """Where a block ends at an item that is neither in it nor after it (libyaml's `did not find expected key`,
    PyYAML's `expected <block end>`): the item's indentation, and where its block starts."""
    problem, context, start = exc.problem or "", exc.context or "", exc.context_mark
    if not (context.startswith("while parsing a block") and start
            and (problem == "did not find expected key" or problem.startswith("expected <block end>"))):
        return None
    return f"check the indentation of this item (its block starts at line {start.line + 1}, column {start.column + 1})"


def _load_with(loader_class, text: str, filename: str):
    builder = _Builder(filename)
    loader = loader_class(text)
    try:
        while loader.check_event():
            _feed(builder, loader.get_event())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Where(filename, mark.line + 1, mark.column + 1) if mark else Where(filename, 1, 1)
        raise SpecError(f"invalid YAML: {exc.problem or exc.context}", where, indentation_hint(exc)) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - text.rfind("\n", 0, exc.position)
        raise SpecError(f"invalid YAML: character {chr(exc.character)!r} (U+{exc.character:04X}) is not allowed;"
                        f" {exc.reason}", Where(filename, line, col)) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"invalid YAML: {exc}", Where(filename, 1, 1)) from None
    finally:
        loader.dispose()
    return builder.root


def _feed(builder: _Builder, event) -> None:
    if isinstance(event, yaml.ScalarEvent):
        value = builder.scalar(event)
        if event.anchor is not None:
            builder.anchors[event.anchor] = (value, 1)
        builder.add(value, builder.mark(event))
    elif isinstance(event, yaml.MappingStartEvent):
        builder.start(YMap(builder.mark(event)), event)
    elif isinstance(event, yaml.SequenceStartEvent):
        builder.start(YList(builder.mark(event)), event)
    elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
        builder.end()
    elif isinstance(event, yaml.AliasEvent):
        builder.alias(event)
    elif isinstance(event, yaml.DocumentStartEvent) and builder.root is not None:
        raise SpecError("a spec file holds one YAML document, this is a second", builder.mark(event))
