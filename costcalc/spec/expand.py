"""Layer lists → node trees: kinds, options, defaults, blocks with arguments, branches, repeat."""

from __future__ import annotations

import functools
from dataclasses import MISSING, dataclass, replace

from ..errors import LimitError, SpecError, Where
from ..limits import MAX_BLOCK_DEPTH, MAX_LAYERS
from ..model.merges import MERGES
from ..model.ops import OPS
from ..model.options import OptionError, is_int, torch_call
from ..model.tree import Branches, Group, Layer, Node
from ..suggest import check_keys, did_you_mean
from .substitute import substitute
from .yamlload import YList, YMap

LAYER_KEYS = ("name", "repeat")
BRANCHES_KEYS = ("branches", "merge", "name", "repeat", "torch")


@dataclass(frozen=True, slots=True)
class Block:
    """A named template: ordered arguments (default None = required) and a layer list."""

    name: str
    args: YMap
    layers: YList | None
    where: Where


def split_item(item, where: Where) -> tuple[str, YMap | None]:
    """A list item → (kind, options): `relu`, `{conv: {...}}` or `{branches: ..., merge: ...}`."""
    if isinstance(item, str):
        return item, None
    if isinstance(item, YMap) and "branches" in item:
        return "branches", item
    if isinstance(item, YMap) and len(item) == 1:
        kind, options = next(iter(item.items()))
        if options is not None and not isinstance(options, YMap):
            raise SpecError(f"the options of {kind} must be a mapping, got {options!r}", item.at(kind),
                            f"write {kind}: {{option: value}}")
        return str(kind), options
    if isinstance(item, YMap) and item:
        keys = ", ".join(map(str, item))
        raise SpecError(f"a layer has one kind key, this one has {keys}", where,
                        "indent options under the kind: `- conv: {filters: 32, kernel: 3}`")
    raise SpecError(f"a layer is a kind name or a mapping {{kind: {{options}}}}, got {item!r}", where)


def generated_name(kind: str, position: int) -> str:
    """An unnamed layer's name: `conv2`; `relu6_3` where the kind ends in a digit, so kind and position stay apart."""
    return f"{kind}_{position}" if kind[-1:].isdigit() else f"{kind}{position}"


class Expander:
    """Builds node trees, counting layers against MAX_LAYERS as it goes."""

    def __init__(self, blocks: dict[str, Block], defaults: dict[str, YMap]):
        self.blocks = blocks
        self.defaults = defaults
        self.count = 0

    def sequence(self, items, scope: dict, stack: tuple[str, ...] = ()) -> tuple[Node, ...]:
        if items is None:
            return ()
        if not isinstance(items, YList):
            raise SpecError(f"expected a list of layers, got {items!r}", getattr(items, "where", None))
        nodes: list[Node] = []
        taken: set[str] = set()
        for index, item in enumerate(items):
            where = items.at(index)
            kind, options = split_item(item, where)
            for node in self.item(kind, options, scope, stack, index + 1, where):
                name = node.name if node.name not in taken else f"{node.name}~{index + 1}"
                taken.add(name)
                nodes.append(node if name == node.name else replace(node, name=name))
        return tuple(nodes)

    def item(self, kind: str, options, scope, stack, position: int, where: Where) -> list[Node]:
        """One list item, repeated as a whole `repeat` times."""
        if kind not in OPS and kind not in self.blocks and kind != "branches":
            known = [*OPS, *self.blocks, "branches"]
            raise SpecError(f"unknown layer kind {kind!r}", where, did_you_mean(kind, known))
        options = options if options is not None else YMap(where)
        name = self.reserved(options, "name", scope, generated_name(kind, position))
        repeat = self.reserved(options, "repeat", scope, 1)
        if not isinstance(name, (str, int)) or isinstance(name, bool):
            raise SpecError(f"name must be a string, got {name!r}", options.at("name"))
        if not is_int(repeat) or repeat < 1:
            raise SpecError(f"repeat must be an integer ≥ 1, got {repeat!r}", options.at("repeat"))
        before = self.count
        first = self.build(kind, options, scope, stack, str(name), where)
        self.charge((self.count - before) * (repeat - 1), options.at("repeat"))
        return [first] + [replace(first, name=f"{name}.{r}") for r in range(2, repeat + 1)]

    def reserved(self, options: YMap, key: str, scope, default):
        return substitute(options[key], scope, options.at(key)) if key in options else default

    def charge(self, layers: int, where: Where) -> None:
        self.count += layers
        if self.count > MAX_LAYERS:
            raise too_many_layers(where)

    def build(self, kind: str, options: YMap, scope, stack, name: str, where: Where) -> Node:
        if kind == "branches":
            return self.branches(options, scope, stack, name, where)
        if kind in self.blocks:
            return self.call(self.blocks[kind], options, scope, stack, name, where)
        self.charge(1, where)
        return Layer(name, make_op(kind, options, scope, self.defaults.get(kind)), where)

    def branches(self, options: YMap, scope, stack, name: str, where: Where) -> Branches:
        check_keys(options, BRANCHES_KEYS, "key", " in branches")
        stack = self.deeper(stack, "branches", where)
        paths = options["branches"]
        if not isinstance(paths, YMap) or not paths:
            raise SpecError("branches takes a mapping of branch name to a list of layers", options.at("branches"))
        merge = substitute(options.get("merge", "concat"), scope, options.at("merge"))
        if not isinstance(merge, str) or merge not in MERGES:
            raise SpecError(f"unknown merge {merge!r}", options.at("merge"),
                            did_you_mean(merge, MERGES) or f"merge is one of {', '.join(MERGES)}")
        groups = tuple(
            Group(str(branch), "branch", self.sequence(layers, scope, stack), paths.at(branch))
            for branch, layers in paths.items()
        )
        torch = substitute(options.get("torch", "operator"), scope, options.at("torch"))
        try:
            torch_call(torch)
        except OptionError as exc:
            raise SpecError(f"branches option 'torch': {exc}", options.at("torch")) from None
        self.charge(1, where)
        return Branches(name, MERGES[merge](torch=torch), groups, where)

    def deeper(self, stack: tuple[str, ...], name: str, where: Where) -> tuple[str, ...]:
        """The enclosing blocks and branches, one more; deeper than MAX_BLOCK_DEPTH is refused."""
        if len(stack) >= MAX_BLOCK_DEPTH:
            raise LimitError(f"blocks and branches nest more than {MAX_BLOCK_DEPTH} deep", where)
        return (*stack, name)

    def call(self, block: Block, options: YMap, scope, stack, name: str, where: Where) -> Group:
        inner = self.deeper(stack, block.name, where)
        check_keys(options, [*block.args, *LAYER_KEYS], "argument", f" for block {block.name}")
        args: dict = {}
        for arg, default in block.args.items():
            if arg in options:
                args[arg] = substitute(options[arg], scope, options.at(arg))
            elif default is None:
                raise SpecError(f"block {block.name} needs argument {arg!r}", where,
                                f"give it: `{block.name}: {{{arg}: ...}}`")
            else:
                args[arg] = substitute(default, args, block.args.at(arg))
        return Group(name, block.name, self.sequence(block.layers, args, inner), where)

    def refuse_bombs(self, lists) -> None:
        """Refuse, before expanding anything, lists that surely expand beyond MAX_LAYERS.

        Each block's least size is counted once: literal repeats multiply, a repeat that
        is an expression counts once, and what is malformed or nested too deeply counts
        nothing (the expansion reports it). So the count never exceeds the expansion's,
        and exponential blocks are refused at once instead of after 200,000 layers of work.
        """
        sizes: dict[str, int] = {}

        def least(items, depth: int) -> int:
            total = 0
            for index, item in enumerate(items if isinstance(items, YList) and depth <= MAX_BLOCK_DEPTH else ()):
                try:
                    kind, options = split_item(item, items.at(index))
                except SpecError:
                    continue
                options = options if options is not None else YMap(items.at(index))
                repeat = options.get("repeat", 1)
                repeat = repeat if is_int(repeat) and repeat > 1 else 1
                if kind == "branches" and isinstance(options.get("branches"), YMap):
                    size = 1 + sum(least(layers, depth + 1) for layers in options["branches"].values())
                elif kind in self.blocks:
                    if kind not in sizes:
                        sizes[kind] = least(self.blocks[kind].layers, depth + 1)
                    size = sizes[kind]
                else:
                    size = kind in OPS
                total += size * repeat
                if total > MAX_LAYERS:
                    raise too_many_layers(options.at("repeat") if repeat > 1 else items.at(index))
            return total

        overall = 0
        for items in lists:
            overall += least(items, 0)
            if overall > MAX_LAYERS:
                raise too_many_layers(items.where)


def too_many_layers(where: Where) -> LimitError:
    return LimitError(f"the spec expands to more than {MAX_LAYERS:,} layers", where, "lower a repeat or split the design")


@functools.cache
def kind_options(cls) -> tuple[dict, tuple[str, ...]]:
    """A kind's option fields and the keys its layers accept (worked out once per kind)."""
    fields = cls.option_fields()
    return fields, (*fields, *LAYER_KEYS)


def make_op(kind: str, options: YMap, scope: dict, defaults: YMap | None):
    """The op of a built-in kind from its options, over `defaults`, over the kind's own defaults."""
    cls = OPS[kind]
    fields, accepted = kind_options(cls)
    check_keys(options, accepted, "option", f" for {kind}")
    given = {key: (substitute(options[key], scope, options.at(key)), options.at(key))
             for key in options if key not in LAYER_KEYS}
    for key, value in (defaults or {}).items():
        given.setdefault(key, (value, defaults.at(key)))
    missing = [key for key, f in fields.items() if f.default is MISSING and key not in given]
    if missing:
        raise SpecError(f"{kind} needs option {missing[0]!r}", options.where,
                        f"required options of {kind}: {', '.join(k for k, f in fields.items() if f.default is MISSING)}")
    values = {}
    for key, (value, where) in given.items():
        try:
            values[key] = fields[key].metadata["check"](value)
        except OptionError as exc:
            raise SpecError(f"{kind} option {key!r}: {exc}", where) from None
    return cls(**values)
