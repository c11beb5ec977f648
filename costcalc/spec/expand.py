"""Layer lists → node trees: kinds, options, defaults, blocks with arguments, branches, repeat."""

from __future__ import annotations

import functools
from collections import ChainMap
from collections.abc import Mapping

from ..errors import LimitError, ShapeError, SpecError, Where
from ..limits import MAX_BLOCK_DEPTH, MAX_LAYERS, MAX_NAME_CHARS
from ..model.merges import MERGES, operands, same
from ..model.ops import OPS, Shape
from ..model.options import VECTORISED, OptionError, is_int, torch_call
from ..model.resampling import Slice
from ..model.tree import INPUT, Branches, Group, Join, Layer, Node
from ..record import MISSING, record, replace
from ..safe import brief
from ..suggest import check_keys, did_you_mean
from ..varying import one
from .outputs import Outputs, check_outputs
from .split import SPLIT, SPLIT_KEYS, WAYS, part_names, ranges
from .substitute import Scope, substitute
from .yamlload import YList, YMap

LAYER_KEYS = ("name", "repeat", "as", "from", "when", "trainable")
BRANCHES_KEYS = ("branches", "merge", *LAYER_KEYS, "torch")
JOIN_KEYS = ("merge", "from", "name", "as", "when", "torch")
FREEZABLE = "trainable"
"""The key a layer with weights, a block call, a `branches` and `defaults` take: `trainable: false` freezes."""
BRANCH_KEYS = ("when", "layers")
NAMING = ("from", "as")
"""The keys by which a layer reads or names a tensor."""


def branch_layers(value):
    """A branch's list of layers: the value itself, or its `layers:` when it is switched by `when:`."""
    return value.get("layers") if isinstance(value, YMap) else value


@record
class Block:
    """A named template: ordered arguments (default None = required) and a layer list."""

    name: str
    args: YMap
    layers: YList | None
    where: Where


def split_item(item, where: Where) -> tuple[str, YMap | None]:
    """A list item → (kind, options): `relu`, `{conv: {...}}`, `{branches: ..., merge: ...}` or
    `{merge: ..., from: ...}`."""
    if isinstance(item, str):
        return item, None
    if isinstance(item, YMap) and "branches" in item:
        return "branches", item
    if isinstance(item, YMap) and "merge" in item:
        return "merge", item
    if isinstance(item, YMap) and len(item) == 1:
        kind, options = next(iter(item.items()))
        if options is not None and not isinstance(options, YMap):
            raise SpecError(f"the options of {kind} must be a mapping, got {brief(options)}", item.at(kind),
                            f"write {kind}: {{{main_options(kind, options)}}}")
        return str(kind), options
    if isinstance(item, YMap) and item:
        keys = ", ".join(map(str, item))
        raise SpecError(f"a layer has one kind key, this one has {keys}", where,
                        "indent options under the kind: `- conv: {filters: 32, kernel: 3}`")
    raise SpecError(f"a layer is a kind name or a mapping {{kind: {{options}}}}, got {brief(item)}", where)


def main_options(kind, value) -> str:
    """`units: 10` for `dense: 10`: the value as the kind's main option, with its other required options;
    `option: value` where the kind has no main option or the value would not do for it."""
    main = OPS[kind].main_option() if kind in OPS else None
    try:
        OPS[kind].option_fields()[main].metadata["check"](value)
    except (KeyError, OptionError):
        return "option: value"
    others = (f"{key}: ..." for key in OPS[kind].required() if key != main)
    return ", ".join([f"{main}: {brief(value)}", *others])


def unchanged(after: Shape | None, before: Shape | None) -> bool:
    """Whether a node left the shape as it was (in every variant of a sweep; None: a shape that failed)."""
    return after is before or (after is not None and before is not None and same(after, before))


def generated_name(kind: str, position: int) -> str:
    """An unnamed layer's name: `conv2`; `relu6_3` where the kind ends in a digit, so kind and position stay apart."""
    return f"{kind}_{position}" if kind[-1:].isdigit() else f"{kind}{position}"


class Expander:
    """Builds node trees, counting layers against MAX_LAYERS as it goes.

    It follows the shapes as it builds (a `Flow` per list of layers), because expressions
    may read the shape of a layer's input and `from:` names earlier tensors; a shape that
    fails is reported by the engine, or here if an expression needs it. `reads_shape`
    tells whether any expression did, so that another input size needs a new expansion.

    `params` (the spec's parameters) are seen by every expression; inside a block, its
    arguments shadow a parameter of the same name.
    """

    def __init__(self, blocks: dict[str, Block], defaults: dict[str, YMap], params: dict | None = None):
        self.blocks = blocks
        self.defaults = defaults
        self.params = params or {}
        self.count = 0
        self.reads_shape = False
        self.frozen = False
        """Whether the item being built is inside a block call or `branches` written `trainable: false`."""
        self.ops: dict = {}
        """The ops made, by kind and option values (make_op)."""
        self.calls: dict[tuple, tuple] = {}
        """The block calls expanded, by what their layers depend on (call_key): their layers, the shape and failure
        they end in, the expansions they counted and whether they read a shape."""
        self.contained: dict[str, bool] = {}

    def design(self, items, shape: Shape, outputs: Outputs = ()) -> tuple[Node, ...]:
        """A design's list of layers over its input, ending in the named `outputs` if it has them."""
        flow = Flow.start(shape, *declared_names(items, self.blocks))
        nodes = self.sequence(items, self.params, (), flow)
        if outputs:
            check_outputs(nodes, outputs, flow)
        return nodes

    def sequence(self, items, scope: Mapping, stack: tuple[str, ...], flow: Flow,
                 where: Where | None = None) -> tuple[Node, ...]:
        if items is None:
            return ()
        if not isinstance(items, YList):
            raise not_a_list(items, getattr(items, "where", where))
        nodes: list[Node] = []
        taken: set[str] = set()
        for index, item in enumerate(items):
            where = items.at(index)
            kind, options = split_item(item, where)
            for node in self.item(kind, options, scope, stack, index + 1, where, flow):
                name = node.name if node.name not in taken else f"{node.name}~{index + 1}"
                taken.add(name)
                nodes.append(node if name == node.name else replace(node, name=name))
        return tuple(nodes)

    def item(self, kind: str, options, scope, stack, position: int, where: Where, flow: Flow) -> list[Node]:
        """One list item: switched on by `when`, read from `from`, repeated as a whole, named by `as`."""
        options = options if options is not None else YMap(where)
        here = Scope(scope, self.watch(flow))
        if "$" in kind:
            kind = self.kind_argument(kind, here, where)
        if kind not in OPS and kind not in self.blocks and kind not in ("branches", "merge", SPLIT):
            known = [*OPS, *self.blocks, "branches", SPLIT]
            raise SpecError(f"unknown layer kind {brief(kind)}", where,
                            merge_hint(kind, options) or did_you_mean(kind, known))
        if kind not in ("merge", SPLIT) and options.keys().isdisjoint(LAYER_KEYS):  # most layers: one, named by place
            return self.repeated(kind, options, here, stack, checked_name(generated_name(kind, position), where),
                                 where, flow, 1)
        return self.keyed_item(kind, options, scope, stack, position, where, flow, here)

    def keyed_item(self, kind: str, options: YMap, scope, stack, position: int, where: Where, flow: Flow,
                   here: Scope) -> list[Node]:
        """An item that gives `when`, `from`, `name`, `repeat`, `as` or `trainable`, or a merge or a split."""
        saved = flow.shape, flow.failure
        source = None if kind == "merge" else self.read_from(options, here, flow)
        if not self.switched_on(options, here):
            flow.shape, flow.failure = saved
            return []
        name = self.reserved(options, "name", here, generated_name(kind, position))
        repeat = self.reserved(options, "repeat", here, 1)
        alias = None if kind == SPLIT else self.alias(options, here, flow)
        if not isinstance(name, (str, int)) or isinstance(name, bool):
            raise SpecError(f"name must be a string, got {brief(name)}", options.at("name"))
        name = checked_name(name, options.at("name"))
        if not is_int(repeat) or repeat < 1:
            raise SpecError(f"repeat must be an integer ≥ 1, got {brief(repeat)}", options.at("repeat"))
        nodes: list[Node]
        if kind == "merge":
            nodes = [self.join(options, here, str(name), flow, where)]
        elif kind == SPLIT:
            nodes = [replace(self.split(options, here, str(name), flow, where), source=source)]
        else:
            if alias:
                flow.pending = (*flow.pending, alias)
            nodes = self.repeated(kind, options, here, stack, str(name), where, flow, repeat)
            if alias:
                flow.pending = flow.pending[:-1]
            if source is not None:  # nodes are made with no source: a copy only where `from:` gives one
                first = nodes[0]
                assert not isinstance(first, Join), "a merge of named tensors is never repeated"
                nodes[0] = replace(first, source=source)
        if alias:
            nodes[-1] = replace(nodes[-1], keep=alias)
            flow.name(alias, options.at("as"))
        return nodes

    def read_from(self, options: YMap, scope, flow: Flow) -> str | None:
        """`from: NAME`: the flow goes on from that tensor; reading the item's own `as` is a cycle."""
        if "from" not in options:
            return None
        source = self.tensor_name(self.reserved(options, "from", scope, None), options.at("from"))
        if source == self.reserved(options, "as", scope, None):
            raise cycle(source, options.at("from"))
        flow.shape, flow.failure = flow.lookup(source, options.at("from"))
        return source

    def repeated(self, kind: str, options: YMap, scope: Scope, stack, name: str, where: Where, flow: Flow,
                 repeat: int) -> list[Node]:
        """`repeat` copies in sequence; each is expanded on its own input unless that cannot matter. `scope` reads
        the shape of `flow`."""
        outer, self.frozen = self.frozen, self.frozen or not self.trainable(kind, options, scope)
        try:
            return self.copies(kind, options, scope, stack, name, where, flow, repeat)
        finally:
            self.frozen = outer

    def copies(self, kind: str, options: YMap, scope: Scope, stack, name: str, where: Where, flow: Flow,
               repeat: int) -> list[Node]:
        nodes: list[Node] = []
        for r in range(1, repeat + 1):
            before, reads, shape = self.count, self.reads_shape, flow.shape
            self.reads_shape = False
            node = self.build(kind, options, scope, stack, name if r == 1 else f"{name}.{r}", where, flow)
            nodes.append(node)
            fixed = not self.reads_shape and (isinstance(node, Layer) or unchanged(flow.shape, shape))
            self.reads_shape |= reads
            if fixed and r < repeat:
                self.charge((self.count - before) * (repeat - r), options.at("repeat"))
                nodes += [replace(node, name=f"{name}.{k}") for k in range(r + 1, repeat + 1)]
                if isinstance(node, Layer):
                    for k in range(r + 1, repeat + 1):
                        flow.advance(node.op, f"{name}.{k}", where)
                break
        return nodes

    def watch(self, flow: Flow):
        """The input shape for expressions, noting that one was read."""
        def shape() -> Shape:
            self.reads_shape = True
            return flow.current()
        return shape

    def reserved(self, options: YMap, key: str, scope, default):
        return one(substitute(options[key], scope, options.at(key))) if key in options else default

    def switched_on(self, options: YMap, scope) -> bool:
        """`when:`: true or false, literally or from an expression."""
        condition = self.reserved(options, "when", scope, True)
        if not isinstance(condition, bool):
            raise SpecError(f"when must be true or false, got {brief(condition)}", options.at("when"),
                            "compare to make a condition: `when: ${stride == 1}`")
        return condition

    def trainable(self, kind: str, options: YMap, scope) -> bool:
        """`trainable:` of a layer with weights, a block call or `branches` (else its kind's default, else true)."""
        given = FREEZABLE in options
        value = self.reserved(options, FREEZABLE, scope, None) if given else None
        if not given and kind in OPS:
            kind_defaults = self.defaults.get(kind)
            value = kind_defaults.get(FREEZABLE) if kind_defaults else None
        if value is None:
            return True
        where = options.at(FREEZABLE) if given else self.defaults[kind].at(FREEZABLE)
        if not isinstance(value, bool):
            raise SpecError(f"trainable must be true or false, got {brief(value)}", where)
        if kind in OPS and not OPS[kind].has_weights():
            raise SpecError(f"{kind} has no weights to freeze: trainable applies to a layer with weights, a block call"
                            " or branches", where, "remove trainable: here")
        return value

    def kind_argument(self, text: str, scope, where: Where) -> str:
        """A kind given by an argument (`- $activation`): its value must name a kind or a block."""
        kind = substitute(text, scope, where)
        if isinstance(kind, str) and (kind in OPS or kind in self.blocks):
            return kind
        known = [*OPS, *self.blocks]
        raise SpecError(f"{text} is {brief(kind)}, which is not a layer kind", where,
                        did_you_mean(kind, known) or "pass a kind such as relu, or the name of a block")

    def tensor_name(self, value, where: Where) -> str:
        if not isinstance(value, str) or isinstance(value, bool):
            raise SpecError(f"from takes the name of a tensor, got {brief(value)}", where,
                            "name a layer's output with `as: name`, then read it with `from: name`")
        return value

    def alias(self, options: YMap, scope, flow: Flow) -> str | None:
        if "as" not in options:
            return None
        alias = self.tensor_name(self.reserved(options, "as", scope, None), options.at("as"))
        flow.check_new(alias, options.at("as"))
        return alias

    def charge(self, layers: int, where: Where) -> None:
        self.count += layers
        if self.count > MAX_LAYERS:
            raise too_many_layers(where)

    def build(self, kind: str, options: YMap, scope: Scope, stack, name: str, where: Where, flow: Flow) -> Node:
        if kind == "branches":
            return self.branches(options, scope, stack, name, where, flow)
        self.charge(1, where)  # every expansion counts, a block that expands to nothing too
        if kind in self.blocks:
            return self.call(self.blocks[kind], options, scope, stack, name, where, flow)
        op = make_op(kind, options, scope, self.defaults.get(kind), self.sized(flow), self.ops)
        flow.advance(op, name, where)
        return Layer(name, op, where, frozen=self.frozen)

    def sized(self, flow: Flow):
        """[height, width] of a named tensor, for an option that takes a size (`resize: {size: skip1}`)."""
        def height_width(name: str, key: str, where: Where) -> list[int]:
            self.reads_shape = True
            shape, failure = flow.lookup(name, where)
            if shape is None:
                raise failure
            if len(shape) != 3:
                raise SpecError(f"{key}: {brief(name)} is [{', '.join(map(str, shape))}], with no height and width",
                                where, "name a tensor of [height, width, channels]")
            return list(shape[:2])
        return height_width

    def merge_of(self, options: YMap, scope):
        merge = one(substitute(options.get("merge", "concat"), scope, options.at("merge")))
        if not isinstance(merge, str) or merge not in MERGES:
            raise SpecError(f"unknown merge {brief(merge)}", options.at("merge"),
                            did_you_mean(merge, MERGES) or f"merge is one of {', '.join(MERGES)}")
        torch = one(substitute(options.get("torch", "operator"), scope, options.at("torch")))
        try:
            torch_call(torch)
        except OptionError as exc:
            raise SpecError(f"{'branches' if 'branches' in options else 'merge'} option 'torch': {exc}",
                            options.at("torch")) from None
        return MERGES[merge](torch=torch)

    def branches(self, options: YMap, here: Scope, stack, name: str, where: Where, flow: Flow) -> Branches:
        check_keys(options, BRANCHES_KEYS, "key", " in branches")
        stack = self.deeper(stack, "branches", where)
        paths = options.get("branches")
        if not isinstance(paths, YMap) or not paths:
            raise SpecError("branches takes a mapping of branch name to a list of layers", options.at("branches"))
        merge = self.merge_of(options, here)
        groups, inners = [], {}
        for branch, layers in paths.items():
            if branch in ("merge", "torch") and not isinstance(layers, (YList, YMap)):
                raise SpecError(f"{branch}: {brief(layers)} is inside branches:, where it reads as a branch named"
                                f" {brief(branch)}", paths.key_where[branch],
                                f"put {branch}: at the level of branches:")
            if isinstance(layers, YMap):  # {when: ..., layers: [...]}: a branch switched by a condition
                check_keys(layers, BRANCH_KEYS, "key", f" in branch {branch}")
                if not self.switched_on(layers, here):
                    continue
            inners[str(branch)] = inner = flow.enter()
            body = self.sequence(branch_layers(layers), here.args, stack, inner, paths.at(branch))
            groups.append(Group(checked_name(branch, paths.key_where[branch]), "branch", body, paths.at(branch)))
        if not groups:
            raise SpecError("every branch is switched off", options.at("branches"),
                            "a branches layer needs one branch or more")
        self.charge(1, where)
        flow.merge(merge, {key: (inner.shape, inner.failure) for key, inner in inners.items()},
                   f"{name} (branches)", where)
        return Branches(name, merge, tuple(groups), where)

    def join(self, options: YMap, scope, name: str, flow: Flow, where: Where) -> Join:
        """`{merge: add, from: [a, b]}`: a merge of named tensors."""
        check_keys(options, JOIN_KEYS, "key", " in a merge")
        sources = self.reserved(options, "from", scope, None)
        if not isinstance(sources, list) or len(sources) < 2:
            raise SpecError(f"a merge reads two or more named tensors, got from: {brief(sources)}",
                            options.at("from") if "from" in options else where, "write `from: [a, b]`")
        at = sources.at if isinstance(sources, YList) else lambda index: options.at("from")
        names = tuple(self.tensor_name(source, at(i)) for i, source in enumerate(sources))
        merge = self.merge_of(options, scope)
        inputs = operands({source: flow.lookup(source, at(i)) for i, source in enumerate(names)}, names)
        self.charge(1, where)
        flow.merge(merge, inputs, f"{name} ({merge.kind})", where)
        return Join(name, merge, names, where)

    def split(self, options: YMap, scope, name: str, flow: Flow, where: Where) -> Group:
        """`{split: {parts: 2, as: [a, b]}}`: a group of slices of its input's channels, each named; the flow goes on
        from the last part."""
        check_keys(options, SPLIT_KEYS, "option", " for split")
        names = part_names(options, self.reserved(options, "as", scope, None), where)
        given = {way: self.reserved(options, way, scope, None) for way in WAYS}
        channels = self.watch(flow)()[-1]  # the parts depend on the input's channels
        self.charge(1 + len(names), where)
        shape, parts = flow.shape, []
        for (part, at), (start, end) in zip(names, ranges(options, given, len(names), channels, where)):
            flow.check_new(part, at)
            parts.append(Layer(checked_name(part, at), Slice(start, end), at, source=INPUT, keep=part))
            flow.shape = shape
            flow.advance(parts[-1].op, part, at)
            flow.name(part, at)
        return Group(name, SPLIT, tuple(parts), where)

    def deeper(self, stack: tuple[str, ...], name: str, where: Where) -> tuple[str, ...]:
        """The enclosing blocks and branches, one more; deeper than MAX_BLOCK_DEPTH is refused."""
        if len(stack) >= MAX_BLOCK_DEPTH:
            raise LimitError(f"blocks and branches nest more than {MAX_BLOCK_DEPTH} deep", where)
        return (*stack, name)

    def call(self, block: Block, options: YMap, caller: Scope, stack, name: str, where: Where, flow: Flow) -> Group:
        inner = self.deeper(stack, block.name, where)
        check_keys(options, [*block.args, *LAYER_KEYS], "argument", f" for block {block.name}")
        args: dict = dict(self.params)
        for arg, default in block.args.items():
            if arg in options:
                args[arg] = substitute(options[arg], caller, options.at(arg))
            elif default is None:
                raise SpecError(f"block {block.name} needs argument {brief(arg)}", where,
                                f"give it: `{block.name}: {{{arg}: ...}}`")
            else:
                args[arg] = substitute(default, Scope(args, self.watch(flow)), block.args.at(arg))
        key = self.call_key(block, args, len(inner), flow)
        if key in self.calls:  # expanded before on the same arguments and input: the same layers, under this name
            children, shape, failure, layers, reads = self.calls[key]
            self.charge(layers, where)
            self.reads_shape |= reads
            flow.shape, flow.failure = shape, failure
            return Group(name, block.name, children, where)
        before, reads_before, self.reads_shape = self.count, self.reads_shape, False
        body = flow.enter()
        group = Group(name, block.name, self.sequence(block.layers, args, inner, body), where)
        flow.follow(body)
        if key is not None:
            self.calls[key] = group.children, flow.shape, flow.failure, self.count - before, self.reads_shape
        self.reads_shape |= reads_before
        return group

    def call_key(self, block: Block, args: dict, depth: int, flow: Flow) -> tuple | None:
        """All that a call's layers depend on, for a block that reads and names no tensor, on an input with a shape;
        else (or for an argument that is a list or a sweep's array) None."""
        if flow.shape is None or not self.self_contained(block.name, 0):
            return None
        key = (block.name, depth, self.frozen, flow.shape, *((arg, type(v), v) for arg, v in args.items()))
        try:
            hash(key)
        except TypeError:
            return None
        return key

    def self_contained(self, name: str, depth: int) -> bool:
        """Whether block `name` has no `from`, `as`, merge or split, nor calls a block that has (worked out once;
        not, for blocks nested deeper than a spec may nest them)."""
        if name not in self.contained:
            self.contained[name] = False  # while it is looked at: a block that calls itself is not
            self.contained[name] = self.names_nothing(self.blocks[name].layers, depth + 1)
        return self.contained[name]

    def names_nothing(self, items, depth: int) -> bool:
        """Whether a list of layers, its branches and the blocks it calls have no `from`, `as`, merge or split."""
        if depth > MAX_BLOCK_DEPTH:
            return False
        for index, item in enumerate(items if isinstance(items, YList) else ()):
            try:
                kind, options = split_item(item, items.at(index))
            except SpecError:
                return False
            if kind in ("merge", SPLIT) or "$" in kind or options is not None and not options.keys().isdisjoint(NAMING):
                return False
            if kind == "branches":
                paths = options.get("branches") if options is not None else None
                if not isinstance(paths, YMap) or not all(self.names_nothing(branch_layers(layers), depth + 1)
                                                          for layers in paths.values()):
                    return False
            elif kind in self.blocks and not self.self_contained(kind, depth):
                return False
        return True

    def refuse_bombs(self, lists) -> None:
        """Refuse, before expanding anything, lists that surely expand beyond MAX_LAYERS.

        Each block's least size is counted once: literal repeats multiply, a repeat that
        is an expression counts once, and what is malformed, nested too deeply or switched
        by `when` counts nothing (the expansion reports it, or may leave it out). So the count never exceeds the
        expansion's, and exponential blocks are refused at once instead of after 200,000 layers of work.
        """
        sizes: dict[str, int] = {}

        def least(items, depth: int) -> int:
            total = 0
            for index, item in enumerate(items if isinstance(items, YList) and depth <= MAX_BLOCK_DEPTH else ()):
                try:
                    kind, options = split_item(item, items.at(index))
                except SpecError:
                    continue
                repeat = options.get("repeat", 1) if options is not None else 1  # no empty YMap made per layer
                repeat = repeat if is_int(repeat) and repeat > 1 else 1
                if options is not None and "when" in options:
                    size = 0
                elif kind == "branches" and options is not None and isinstance(options.get("branches"), YMap):
                    size = 1 + sum(least(branch_layers(layers), depth + 1) for layers in options["branches"].values()
                                   if not isinstance(layers, YMap))
                elif kind in self.blocks:
                    if kind not in sizes:
                        sizes[kind] = 1 + least(self.blocks[kind].layers, depth + 1)
                    size = sizes[kind]
                else:
                    size = kind in OPS
                total += size * repeat
                if total > MAX_LAYERS:
                    raise too_many_layers(options.at("repeat") if options is not None and repeat > 1
                                          else items.at(index))
            return total

        overall = 0
        for items in lists:
            overall += least(items, 0)
            if overall > MAX_LAYERS:
                raise too_many_layers(items.where)


Tensor = tuple  # (shape or None, the ShapeError that left it unknown or None)


class Flow:
    """A list of layers as it expands: the shape of its current tensor (None once a shape
    failed, with that failure), the tensors it may read by name, the `as` names of the items
    being built around it, every name the design declares (for forward references), and its layers'
    literal `name:`s (for a hint when one is read as a tensor). A plain class: a dataclass would compile
    its methods at every start-up."""

    __slots__ = ("shape", "failure", "tensors", "pending", "declared", "layer_names")

    def __init__(self, shape: Shape | None, failure: ShapeError | None, tensors: ChainMap, pending: tuple[str, ...],
                 declared: dict[str, Where], layer_names: dict[str, Where]):
        self.shape, self.failure = shape, failure
        self.tensors = tensors  # name → (shape, failure, where named); one map per list, over those around it
        self.pending = pending
        self.declared, self.layer_names = declared, layer_names

    @classmethod
    def start(cls, shape: Shape, declared: dict[str, Where], layer_names: dict[str, Where]) -> Flow:
        return cls(shape, None, ChainMap({INPUT: (shape, None, None)}), (), declared, layer_names)

    def current(self) -> Shape:
        if self.shape is None:
            assert self.failure is not None, "a shape fails with its failure"
            raise self.failure
        return self.shape

    def enter(self) -> Flow:
        """The flow of a block's body or a branch: it reads its own input as `input`."""
        tensors = self.tensors.new_child({INPUT: (self.shape, self.failure, None)})
        return Flow(self.shape, self.failure, tensors, self.pending, self.declared, self.layer_names)

    def follow(self, inner: Flow) -> None:
        self.shape, self.failure = inner.shape, inner.failure

    def advance(self, op, name: str, where: Where) -> None:
        if self.shape is None:
            return
        try:
            self.shape = op.infer(self.shape)
        except ShapeError as exc:
            message = f"{name} ({op.kind}) on {list(self.shape)}: {exc.message}"
            self.shape, self.failure = None, ShapeError(message, where, exc.hint)

    def merge(self, merge, inputs: dict[str, Tensor], label: str, where: Where) -> None:
        failed = [failure for shape, failure in inputs.values() if shape is None]
        if failed:
            self.shape, self.failure = None, failed[0]
            return
        try:
            self.shape, self.failure = merge.infer({key: shape for key, (shape, _) in inputs.items()}), None
        except ShapeError as exc:
            self.shape, self.failure = None, ShapeError(f"{label}: {exc.message}", where, exc.hint)

    def lookup(self, name: str, where: Where) -> Tensor:
        """The tensor `name` reads; a name not yet visible here is a cycle, a forward reference or unknown."""
        if name in self.tensors:
            return self.tensors[name][:2]
        if name in self.pending:
            raise cycle(name, where)
        if name in self.declared:
            at = self.declared[name]
            what = ("is read before it is named" if (at.line, at.col) > (where.line, where.col)
                    else "is named in a block or branch that this layer is not in")
            raise SpecError(f"{brief(name)} {what} (at line {at.line}, column {at.col})", where,
                            "a layer reads only tensors named before it, in its own list or one around it")
        if name in self.layer_names:
            at = self.layer_names[name]
            raise SpecError(f"unknown tensor {brief(name)}; the layer at line {at.line} has name: {brief(name)},"
                            " which names its row in the tables", where, f"to read its output, give it `as: {name}`")
        raise SpecError(f"unknown tensor {brief(name)}", where,
                        did_you_mean(name, self.tensors) or f"tensors named here: {', '.join(self.tensors)}")

    def check_new(self, name: str, where: Where) -> None:
        if name == INPUT:
            raise SpecError(f"{brief(INPUT)} names the input of each design, block and branch", where,
                            "pick another name")
        previous = self.tensors.get(name)
        if previous is not None or name in self.pending:
            at = f" (at line {previous[2].line})" if previous and previous[2] else ""
            raise SpecError(f"{brief(name)} already names a tensor here{at}", where, "pick another name")

    def name(self, name: str, where: Where) -> None:
        self.tensors[name] = (self.shape, self.failure, where)


def cycle(name: str, where: Where) -> SpecError:
    return SpecError(f"{brief(name)} is the output of the layer that reads it: a cycle", where,
                     "read a tensor named before this layer")


def declared_names(items, blocks: dict[str, Block]) -> tuple[dict[str, Where], dict[str, Where]]:
    """Every literal `as:` name and every literal `name:` in a list of layers, its branches and the blocks it calls
    (first place), in one walk."""
    found: dict[str, dict[str, Where]] = {"as": {}, "name": {}}
    seen: set[str] = set()

    def scan(items, depth: int) -> None:
        for index, item in enumerate(items if isinstance(items, YList) and depth <= MAX_BLOCK_DEPTH else ()):
            try:
                kind, options = split_item(item, items.at(index))
            except SpecError:
                continue  # the expansion reports it
            if options is not None:  # a kind alone names nothing
                for key, names in found.items():
                    value = options.get(key)
                    for i, name in enumerate(value if kind == SPLIT and isinstance(value, YList) else [value]):
                        if isinstance(name, str):
                            names.setdefault(name, value.at(i) if isinstance(value, YList) else options.at(key))
            if kind == "branches" and options is not None and isinstance(options.get("branches"), YMap):
                for layers in options["branches"].values():
                    scan(branch_layers(layers), depth + 1)
            elif kind in blocks and kind not in seen:
                seen.add(kind)
                scan(blocks[kind].layers, depth + 1)

    scan(items, 0)
    return found["as"], found["name"]


def merge_hint(kind: str, options: YMap) -> str | None:
    """For `- add: {from: [a, b]}`: a merge is written `{merge: add, from: [a, b]}`."""
    if kind not in MERGES:
        return None
    sources = options.get("from")
    names = ", ".join(map(str, sources)) if isinstance(sources, list) and sources else "a, b"
    return f"a merge of named tensors is written {{merge: {kind}, from: [{names}]}}"


def not_a_list(items, where: Where | None) -> SpecError:
    return SpecError(f"expected a list of layers, got {brief(items)}", where,
                     "write layers as a YAML list: [relu, ...]")


def checked_name(name, where: Where) -> str:
    """A design, block, branch or layer name as a string, refused when longer than MAX_NAME_CHARS."""
    name = str(name)  # an integer name has at most MAX_INTEGER_DIGITS digits, so it prints
    if len(name) > MAX_NAME_CHARS:
        raise LimitError(f"a name longer than {MAX_NAME_CHARS} characters, the limit for a name", where)
    return name


def too_many_layers(where: Where) -> LimitError:
    return LimitError(f"the spec expands to more than {MAX_LAYERS:,} layers", where,
                      "lower a repeat or split the design")


@functools.cache
def kind_options(cls) -> tuple[dict, tuple[str, ...], frozenset[str], tuple[str, ...]]:
    """A kind's option fields, the keys its layers accept (in order, and as a set) and its required options (worked
    out once per kind)."""
    fields = cls.option_fields()
    accepted = (*fields, *(key for key in LAYER_KEYS if key != FREEZABLE or cls.has_weights()))
    return fields, accepted, frozenset(accepted), tuple(key for key, f in fields.items() if f.default is MISSING)


def make_op(kind: str, options: YMap, scope: Mapping, defaults: YMap | None, sized, made: dict):
    """The op of a built-in kind from its options, over `defaults`, over the kind's own defaults;
    `sized(name, key, where)` gives [height, width] of a named tensor for SIZED_BY_TENSOR options. `made` keeps
    the ops made so far by their option values: layers that are alike share one op."""
    cls = OPS[kind]
    fields, accepted, known, required = kind_options(cls)  # type: ignore[arg-type]  # mypy checks Op.__hash__
    if not known.issuperset(options):
        check_keys(options, accepted, "option", f" for {kind}")
    given = {key: (substitute(value, scope, where := options.at(key)), where)
             for key, value in options.items() if key not in LAYER_KEYS}
    for key in cls.SIZED_BY_TENSOR:
        if key in given and isinstance(given[key][0], str):
            given[key] = (sized(given[key][0], key, given[key][1]), given[key][1])
    if defaults:
        for key, value in defaults.items():
            if key != FREEZABLE:
                given.setdefault(key, (value, defaults.at(key)))
    missing = [key for key in required if key not in given]
    if missing:
        raise SpecError(f"{kind} needs option {brief(missing[0])}", options.where,
                        f"required options of {kind}: {', '.join(required)}")
    try:  # a kind with the same option values had its op made already: the engine counts it once per input too
        key_of_op = (cls, *((key, type(value), value) for key, (value, _) in given.items()))
        found = made.get(key_of_op)
    except TypeError:  # a list or a sweep's array: not hashable
        key_of_op, found = None, None
    if found is not None:
        return found
    values = {}
    for key, (value, where) in given.items():
        check = fields[key].metadata["check"]
        if check not in VECTORISED:
            value = one(value)
        try:
            values[key] = check(value)
        except OptionError as exc:
            raise SpecError(f"{kind} option {brief(key)}: {exc}", where) from None
    op = cls(**values)
    if key_of_op is not None:
        made[key_of_op] = op
    return op
