"""Reading a spec: YAML text → validated `Spec` (top-level keys, input, defaults, blocks, designs)."""

from __future__ import annotations

import os
import sys

from ..errors import LimitError, SpecError, Where
from ..files import read_bounded, read_file
from ..limits import MAX_BLOCK_DEPTH, MAX_DESIGNS
from ..model.ops import OPS
from ..model.options import positive_int
from ..model.tree import Spec
from ..safe import brief
from ..suggest import check_keys, did_you_mean
from ..varying import Varies, is_array
from .budget import parse_budgets
from .examples import meant, shipped
from .expand import FREEZABLE, LAYER_KEYS, Block, Expander, branch_layers, checked_name, not_a_list, split_item
from .expr import SHAPE_NAMES
from .outputs import parse_outputs
from .params import parse_params
from .substitute import substitute
from .yamlload import YList, YMap, load_yaml

TOP_KEYS = ("name", "description", "params", "input", "layers", "designs", "defaults", "blocks", "baseline", "budget",
            "devices", "version", "outputs")
VERSIONS = (1, 1.1, 1.2)
"""The format versions a spec may declare (`version: 1.2`); each reads every spec of the versions before it."""
SINGLE_DESIGN = "main"


STDIN = "-"
"""The path that means standard input; errors then name the file `<stdin>`."""


def load(path: str | os.PathLike, settings=()) -> Spec:
    """Read and validate the spec at `path` (`-`: standard input, `examples/NAME`: a shipped spec), its
    parameters set by `settings` ((name, text) pairs, as `--set`); raises SpecError (or ShapeError later, in
    analyze)."""
    text, filename = read_text(path)
    return loads(text, filename, settings)


def read_text(path: str | os.PathLike) -> tuple[str, str]:
    """The text of the spec at `path` (`-`: standard input, `examples/NAME`: a shipped spec) and the file name its
    errors give."""
    filename = os.fspath(path)
    if filename == STDIN:
        filename, data = "<stdin>", read_bounded("<stdin>", sys.stdin.buffer)
    elif not os.path.exists(filename) and (example := shipped(filename)) is not None:
        data = example.read_bytes()
    else:
        try:
            data = read_file(filename)
        except SpecError as error:
            error.hint = error.hint or meant(filename)
            raise
    if b"\0" in data:
        raise SpecError(f"{filename}: is a binary file, not a YAML spec")
    try:
        return data.decode("utf-8"), filename
    except UnicodeDecodeError as exc:
        raise SpecError(f"{filename}: not UTF-8 text (byte {exc.start} is {data[exc.start]:#04x})") from None


def loads(text: str, filename: str = "<spec>", settings=()) -> Spec:
    """Validate a spec given as YAML text; `filename` is used in error positions, `settings` as in `load`."""
    root = parse(text, filename)
    return build(root, filename, spec_params(root, dict(settings)))


def parse(text: str, filename: str) -> YMap:
    """The spec's YAML, checked to be a mapping of known top-level keys."""
    root = load_yaml(text, filename)
    start = Where(filename, 1, 1)
    if root is None:
        raise SpecError("the spec is empty", start, "a spec needs input: and layers: (or designs:)")
    if not isinstance(root, YMap):
        raise SpecError("a spec is a mapping with input: and layers: or designs:", getattr(root, "where", start))
    if not any(key in TOP_KEYS or did_you_mean(key, TOP_KEYS) for key in root):  # another file: say none of it
        raise SpecError(f"not a costcalc spec: none of its {len(root)} top-level keys is a spec's", start,
                        "a spec needs input: and layers: (or designs:)")
    check_keys(root, TOP_KEYS, "top-level key")
    version = root.get("version", VERSIONS[-1])
    if isinstance(version, bool) or version not in VERSIONS:
        raise SpecError(f"version {brief(version)} is not a format costcalc reads", root.at("version"),
                        f"versions: {', '.join(map(str, VERSIONS))}")
    return root


def spec_params(root: YMap, settings: dict | None = None) -> dict:
    """The spec's parameters: their defaults, or what `settings` (name → text or value) gives them."""
    return parse_params(root.get("params"), params_where(root), settings)


def params_where(root: YMap) -> Where:
    """Where errors in `--set` and `--vary` point: the params: key, or the spec's start."""
    return root.key_where.get("params", Where(root.where.file, 1, 1))


def build(root: YMap, filename: str, params: dict) -> Spec:
    """The Spec of a parsed spec, every expression seeing `params` (name → value)."""
    start = Where(filename, 1, 1)
    titles = {key: title(root[key], params, root.at(key)) for key in ("name", "description") if key in root}
    for key, value in titles.items():
        if not isinstance(value, str):
            raise SpecError(f"{key} must be a string", root.at(key))
    defaults = parse_defaults(root.get("defaults"), root.at("defaults"), params)
    expander = Expander(parse_blocks(root.get("blocks"), root.at("blocks")), defaults, params)
    lists = design_lists(root)
    expander.refuse_bombs(lists.values())
    where = root.at("input") if "input" in root else start
    shape = parse_shape(substitute(root.get("input"), params, where), where)
    outputs = parse_outputs(root.get("outputs"), root.at("outputs"), lists, params)
    designs = {name: expander.design(layers, shape, outputs.get(name, ())) for name, layers in lists.items()}
    baseline = root.get("baseline", next(iter(designs)))
    if not isinstance(baseline, str) or baseline not in designs:
        raise SpecError(f"baseline {brief(baseline)} is not a design", root.at("baseline"),
                        did_you_mean(baseline, designs) or f"designs: {', '.join(designs)}")
    budgets, growth = (parse_budgets(root["budget"], root.at("budget"), designs, params) if "budget" in root
                       else ({}, {}))
    return Spec(
        file=filename,
        input=shape,
        designs=designs,
        baseline=baseline,
        name=titles.get("name"),
        description=titles.get("description"),
        budgets=budgets,
        growth=growth,
        rebuild=rebuilder(expander, lists, outputs) if expander.reads_shape else None,
        devices=parse_devices_key(root),
        params=params,
        outputs={name: tuple(tensor for tensor, _ in names) for name, names in outputs.items()},
    )


def rebuilder(expander: Expander, lists: dict, outputs: dict):
    """How to expand the designs again on another input, for specs whose expressions read shapes."""
    def rebuild(shape) -> dict:
        again = Expander(expander.blocks, expander.defaults, expander.params)
        return {name: again.design(layers, shape, outputs.get(name, ())) for name, layers in lists.items()}
    return rebuild


def parse_devices_key(root: YMap) -> dict:
    """`devices:` as written, a mapping of device name to its figures (costcalc.device checks them on use)."""
    if "devices" not in root:
        return {}
    devices = root["devices"]
    if not isinstance(devices, YMap):
        raise SpecError("devices maps device names to their figures", root.at("devices"),
                        "see docs/latency.md, Devices")
    return devices


def title(text, params: dict, where: Where):
    """A name or description with its ${...} put in; in a sweep, left as written where it differs by variant."""
    try:
        return substitute(text, params, where)
    except Varies:
        return text


def parse_shape(value, where: Where) -> tuple[int, ...]:
    """`input`: [height, width, channels], [channels], [length, channels] (audio, sequences) or [time, height, width,
    channels] (video) of positive integers (in a sweep, arrays of them)."""
    if value is None:
        raise SpecError("the spec needs an input shape", where, "add input: [height, width, channels]")
    ok = isinstance(value, list) and 1 <= len(value) <= 4
    if ok and any(is_array(v) for v in value):
        try:
            return tuple(positive_int(v) for v in value)
        except ValueError:
            ok = False
    if not ok or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
        raise SpecError(f"input must be [height, width, channels] or [channels] (or [length, channels], [time, height,"
                        f" width, channels]) of positive integers, got {brief(value)}", where)
    return tuple(value)


def design_lists(root: YMap) -> YMap:
    """Each design's name → its list of layers (or None), with positions; `layers:` is the design `main`."""
    if ("layers" in root) == ("designs" in root):
        both = "layers" in root
        raise SpecError("a spec has both layers and designs" if both else "a spec needs layers or designs",
                        root.key_where["designs"] if both else root.where,
                        "write layers: [...] for one design, or designs: {name: [...]} for several")
    if "layers" in root:
        designs = YMap(root.where)
        designs[SINGLE_DESIGN], designs.value_where[SINGLE_DESIGN] = root["layers"], root.at("layers")
    else:
        designs = root["designs"]
    if not isinstance(designs, YMap) or not designs:
        raise SpecError("designs: maps each design's name to its list of layers", root.at("designs"))
    if len(designs) > MAX_DESIGNS:
        raise LimitError(f"more than {MAX_DESIGNS:,} designs, the limit for a spec", root.at("designs"),
                         "split the designs over several specs")
    for name, layers in designs.items():
        checked_name(name, designs.key_where.get(name, designs.where))
        if layers is not None and not isinstance(layers, YList):
            raise not_a_list(layers, designs.at(name))
    return designs


def parse_defaults(node, where: Where, params: dict) -> dict[str, YMap]:
    """`defaults`: built-in kind → options, checked for known kinds and options."""
    if node is None:
        return {}
    if not isinstance(node, YMap):
        raise SpecError("defaults maps a layer kind to its default options", where)
    check_keys(node, OPS, "layer kind", " in defaults")
    result = {}
    for kind, options in node.items():
        if not isinstance(options, YMap):
            raise SpecError(f"defaults for {kind} must be a mapping of options", node.at(kind))
        check_keys(options, [*OPS[kind].option_fields(), FREEZABLE], "option", f" for {kind}")
        if FREEZABLE in options and not OPS[kind].has_weights():
            raise SpecError(f"{kind} has no weights to freeze: trainable applies to a layer with weights, a block call"
                            " or branches", options.at(FREEZABLE), f"remove trainable: from defaults for {kind}")
        resolved = YMap(options.where)
        for key, value in options.items():
            resolved[key] = substitute(value, params, options.at(key))
            resolved.value_where[key] = options.at(key)
        result[kind] = resolved
    return result


def parse_blocks(node, where: Where) -> dict[str, Block]:
    """`blocks`: name → {args, layers}; names must not shadow kinds, and no block may use itself."""
    if node is None:
        return {}
    if not isinstance(node, YMap):
        raise SpecError("blocks maps a block's name to {args: ..., layers: [...]}", where)
    blocks = {}
    for name, body in node.items():
        at = node.key_where[name]
        if name in OPS or name in ("branches", "merge", "split"):
            raise SpecError(f"block {brief(name)} has the name of a built-in layer kind", at, "rename the block")
        if not isinstance(body, YMap):
            raise SpecError(f"block {brief(name)} must be a mapping with args: and layers:", node.at(name))
        check_keys(body, ("args", "layers", "description"), "key", f" in block {name}")
        args = body.get("args") if body.get("args") is not None else YMap(body.where)
        if not isinstance(args, YMap):
            raise SpecError(f"args of block {brief(name)} must be a mapping of argument to default", body.at("args"))
        for arg in args:
            if arg in LAYER_KEYS or arg in SHAPE_NAMES:
                what = "the shape of a layer's input" if arg in SHAPE_NAMES else "every layer"
                raise SpecError(f"{brief(arg)} is reserved for {what} and cannot be a block argument",
                                args.key_where[arg])
        if body.get("layers") is not None and not isinstance(body["layers"], YList):
            raise not_a_list(body["layers"], body.at("layers"))
        blocks[checked_name(name, at)] = Block(name, args, body.get("layers"), at)
    check_cycles(blocks)
    return blocks


def check_cycles(blocks: dict[str, Block]) -> None:
    """Refuse any block that uses itself, directly or through others."""
    state: dict[str, str] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if name in path:
            cycle = " → ".join((*path[path.index(name):], name))
            raise SpecError(f"block {brief(name)} uses itself: {cycle}", blocks[name].where)
        if len(path) >= MAX_BLOCK_DEPTH:
            raise LimitError(f"blocks and branches nest more than {MAX_BLOCK_DEPTH} deep", blocks[name].where)
        for used in uses(blocks[name].layers, blocks):
            visit(used, (*path, name))
        state[name] = "done"

    for name in blocks:
        visit(name, ())


def uses(items, blocks: dict[str, Block]) -> list[str]:
    """The blocks a layer list calls, through branches too."""
    found = []
    for index, item in enumerate(items if isinstance(items, YList) else ()):
        kind, options = split_item(item, items.at(index))
        if kind in blocks:
            found.append(kind)
        elif kind == "branches" and isinstance(options, YMap) and isinstance(options.get("branches"), YMap):
            for layers in options["branches"].values():  # a bare `branches` has none: the expansion says so
                found.extend(uses(branch_layers(layers), blocks))
    return found
