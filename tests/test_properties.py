"""Property tests: random valid specs keep costcalc's invariants; broken ones never crash it.

`specs()` draws a valid spec as a Python structure (stacks of every layer kind, nested
branches with every merge, blocks with arguments and `${}` expressions), tracking shapes so
that every branch output fits its merge; `as_yaml` writes it out. Sizes stay small so that
thousands run in seconds. How many run is set by the hypothesis profile (tests/conftest.py):
about 1,500 by default, about 100,000 with COSTCALC_HYPOTHESIS=long (docs/testing.md).
"""

from __future__ import annotations

import copy
import functools
import json
import math
import random

import pytest
import yaml
from click.testing import CliRunner
from conftest import run
from hypothesis import given, settings
from hypothesis import strategies as st
from test_invariants import children, total

from costcalc import analyze, loads
from costcalc.cli import main
from costcalc.model.ops import OPS
from costcalc.model.options import ACTIVATIONS

pytestmark = pytest.mark.slow  # about 1,500 generated specs (docs/testing.md)
CONVS = ("conv", "depthwise", "separable")
BLOCKS = {
    "conv_bn": {
        "args": {"filters": None, "kernel": 3, "stride": 1},
        "layers": [
            {"conv": {"filters": "$filters", "kernel": "$kernel", "stride": "$stride", "bias": False}},
            {"batchnorm": {"scale": False}},
            "relu",
        ],
    },
    "squeeze": {  # a block that uses a block, with expressions
        "args": {"width": None, "factor": 2},
        "layers": [
            {"conv_bn": {"filters": "${width * factor}", "kernel": 1}},
            {"depthwise": {"kernel": [3, 1], "name": "dw_${width}"}},
            {"conv": {"filters": "${max(width // 2, 1)}", "kernel": 1}},
        ],
    },
}


ints = functools.cache(st.integers)  # strategies built once: building them is most of the cost
BOOLS = st.booleans()
KERNELS = st.one_of(st.integers(1, 3), st.lists(st.integers(1, 3), min_size=2, max_size=2))


def pick(options):
    return _pick(tuple(options))


_pick = functools.cache(st.sampled_from)


def examples(share: float) -> int:
    """This test's part of the profile's budget: max_examples is 100 by default, 8,000 when long."""
    return max(1, round(share * settings().max_examples))


def shrink(size: int, stride: int) -> int:
    return -(-size // stride)  # padding: same


def spatial_layer(draw, shape, keep_hw: bool):
    """A layer on [H, W, C] and the shape it gives; with keep_hw, H and W stay."""
    h, w, c = shape
    stride = 1 if keep_hw else draw(ints(1, 2))
    kernel = draw(KERNELS)
    kinds = ["conv", "depthwise", "separable", "dense", "maxpool", "avgpool", "batchnorm", "dropout",
             "activation", "block", "conv_transpose", "channel_shuffle", "groupnorm", "window_attention",
             "partition_attention"]
    if not keep_hw:
        kinds += ["adaptive_avgpool", "adaptive_maxpool", "global_avgpool", "global_maxpool", "zeropad", "resize",
                  "crop", "patch_merge", "tokens", "slice"]
    kind = draw(pick(kinds))
    out = (shrink(h, stride), shrink(w, stride))
    if kind == "conv":
        filters = draw(ints(1, 8))
        groups = draw(pick([g for g in (1, 2, 3) if c % g == 0 and filters % g == 0]))
        options = {"filters": filters, "kernel": kernel, "stride": stride, "groups": groups,
                   "bias": draw(BOOLS), "activation": draw(pick([None, *ACTIVATIONS]))}
        return {"conv": options}, (*out, filters)
    if kind == "depthwise":
        multiplier = draw(ints(1, 2))
        return {"depthwise": {"kernel": kernel, "multiplier": multiplier, "stride": stride}}, (*out, c * multiplier)
    if kind == "separable":
        filters = draw(ints(1, 8))
        options = {"filters": filters, "kernel": kernel, "stride": stride, "multiplier": draw(ints(1, 2))}
        return {"separable": options}, (*out, filters)
    if kind == "dense":
        units = draw(ints(1, 8))
        return {"dense": {"units": units, "bias": draw(BOOLS)}}, (h, w, units)
    if kind in ("maxpool", "avgpool"):
        size = draw(ints(1, 3))
        return {kind: {"size": size, "stride": stride, "ceil_mode": draw(BOOLS)}}, (*out, c)
    if kind.startswith("adaptive"):
        size = (draw(ints(1, h)), draw(ints(1, w)))
        return {kind: {"output": list(size)}}, (*size, c)
    if kind.startswith("global"):
        return {kind: {"keepdims": True}}, (1, 1, c)
    if kind == "zeropad":
        pad = draw(ints(0, 2))
        return {"zeropad": {"padding": pad}}, (h + 2 * pad, w + 2 * pad, c)
    if kind == "conv_transpose":  # same padding: H·stride, with keep_hw stride 1
        filters = draw(ints(1, 8))
        groups = draw(pick([g for g in (1, 2) if c % g == 0 and filters % g == 0]))
        options = {"filters": filters, "kernel": kernel, "stride": stride, "groups": groups, "bias": draw(BOOLS),
                   "activation": draw(pick([None, *ACTIVATIONS]))}
        return {"conv_transpose": options}, (h * stride, w * stride, filters)
    if kind in ("channel_shuffle", "groupnorm"):
        return {kind: {"groups": draw(pick([g for g in (1, 2, 3) if c % g == 0]))}}, shape
    if kind == "resize":
        scale = draw(ints(1, 2))
        return {"resize": {"scale": scale, "mode": draw(pick(["nearest", "bilinear"]))}}, (h * scale, w * scale, c)
    if kind == "slice":
        start = draw(ints(0, c - 1))
        end = draw(ints(start + 1, c))
        return {"slice": {"start": start, "end": end}}, (h, w, end - start)
    if kind == "crop":
        top, left = draw(ints(0, h - 1)), draw(ints(0, w - 1))
        return {"crop": {"cropping": [top, 0, left, 0]}}, (h - top, w - left, c)
    if kind == "block":
        return block_call(draw, shape, stride)
    if kind == "window_attention":
        options = {"heads": draw(pick([g for g in (1, 2) if c % g == 0])),
                   "window": [draw(ints(1, 3)), draw(ints(1, 3))], "shift": [draw(ints(0, 1)), draw(ints(0, 1))],
                   "bias": draw(BOOLS),
                   "position_bias": draw(pick(["table", "continuous"])), "cosine": draw(BOOLS), "shrink": draw(BOOLS)}
        return {"window_attention": options}, shape
    if kind == "partition_attention":
        options = {"heads": draw(pick([g for g in (1, 2) if c % g == 0])), "bias": draw(BOOLS),
                   "size": draw(pick([s for s in (1, 2, 3) if h % s == 0 and w % s == 0])),
                   "partition": draw(pick(["window", "grid"]))}
        return {"partition_attention": options}, shape
    if kind == "patch_merge":
        return "patch_merge", (shrink(h, 2), shrink(w, 2), 4 * c)
    if kind == "tokens":
        return "tokens", (h * w, c)
    return any_rank_layer(draw, shape)


def token_layer(draw, shape):
    """A layer on tokens [L, C]: a class token, a position embedding, self-attention, or the first token."""
    length, channels = shape
    kind = draw(pick(["class_token", "position_embedding", "self_attention", "first_token", "pooling_attention",
                      "token_maxpool", "any"]))
    if kind in ("pooling_attention", "token_maxpool") and length > 1:  # a class token and a grid [1, 1, L - 1]
        kernel, stride = draw(pick([1, 3])), draw(ints(1, 2))
        pooled = (length - 1 + 2 * (kernel // 2) - kernel) // stride + 1
        grid = [1, 1, length - 1]
        if kind == "token_maxpool":
            return {kind: {"grid": grid, "size": [1, 1, kernel], "stride": [1, 1, stride]}}, (1 + pooled, channels)
        heads = draw(pick([g for g in (1, 2) if channels % g == 0]))
        options = {"heads": heads, "grid": grid, "kernel_q": [1, 1, kernel], "stride_q": [1, 1, stride],
                   "kernel_kv": draw(pick([1, 3])), "relative": draw(BOOLS), "residual": draw(BOOLS),
                   "bias": draw(BOOLS)}
        return {kind: options}, (1 + pooled, channels)
    if kind == "class_token":
        return "class_token", (length + 1, channels)
    if kind == "position_embedding":
        return "position_embedding", shape
    if kind == "self_attention":
        heads = draw(pick([g for g in (1, 2, 4) if channels % g == 0]))
        return {"self_attention": {"heads": heads, "bias": draw(BOOLS)}}, shape
    if kind == "first_token":
        return "first_token", (channels,)
    return any_rank_layer(draw, shape)


def any_rank_layer(draw, shape):
    """A layer that keeps any shape: batchnorm, dropout, an activation, possibly repeated."""
    kind = draw(pick(["batchnorm", "dropout", "layernorm", "layer_scale", "normalization", "rescaling", "prelu",
                      "stochastic_depth", *ACTIVATIONS]))
    options = {}
    if kind in ("batchnorm", "layernorm"):
        options = {"center": draw(BOOLS), "scale": draw(BOOLS)}
    elif kind == "rescaling":
        options = {"scale": draw(pick([0.5, 2, -1.0]))}
    elif kind == "prelu":
        options = {"slopes": draw(pick(["channel", "shared"]))}  # not element: H·W·C slopes grow with the input
    elif kind == "dropout":
        options = {"rate": draw(pick([0, 0.1, 0.5]))}
    if draw(BOOLS):
        options["repeat"] = draw(ints(1, 3))
    return ({kind: options} if options else kind), shape


def block_call(draw, shape, stride: int):
    h, w, c = shape
    if draw(BOOLS):
        filters = draw(ints(1, 6))
        args = {"filters": draw(pick([filters, f"${{{filters} * 1}}"])), "stride": stride,
                "kernel": draw(ints(1, 3))}
        return {"conv_bn": args}, (shrink(h, stride), shrink(w, stride), filters)
    width = draw(ints(1, 6))
    repeat = draw(ints(1, 2))
    return {"squeeze": {"width": width, "repeat": repeat}}, (h, w, max(width // 2, 1))


def stack(draw, shape, keep_hw: bool, depth: int, max_size: int = 4):
    """A list of layers (and branches) from `shape`, and the shape it gives."""
    items = []
    for _ in range(draw(ints(0 if keep_hw else 1, max_size))):
        if len(shape) == 3 and depth < 2 and draw(ints(0, 4)) == 0:
            item, shape = branches(draw, shape, depth + 1)
        elif len(shape) == 3:
            item, shape = spatial_layer(draw, shape, keep_hw)
        elif len(shape) == 2:
            item, shape = token_layer(draw, shape)
        else:
            item, shape = any_rank_layer(draw, shape)
        items.append(item)
    return items, shape


def branches(draw, shape, depth: int):
    """`branches` with a merge its branch outputs fit: concat, add or multiply."""
    h, w, c = shape
    merge = draw(pick(["concat", "add", "multiply"]))
    count = draw(ints(2, 3))
    paths, outs = {}, []
    if merge == "multiply":
        main, out = stack(draw, shape, True, depth)
        keepdims = draw(BOOLS)
        squeeze = [{"global_avgpool": {"keepdims": keepdims}}, {"dense": {"units": draw(ints(1, 4))}},
                   "relu", {"dense": {"units": out[2]}}, "sigmoid"]
        paths, out = {"main": main, "se": squeeze}, out
    else:
        for index in range(count):
            layers, branch_out = stack(draw, shape, True, depth, max_size=2)
            if merge == "add" and branch_out[2] != c:
                layers.append({"conv": {"filters": c, "kernel": 1}})
            paths[f"b{index}"] = layers
            outs.append(branch_out[2] if merge == "concat" else c)
        out = (h, w, sum(outs)) if merge == "concat" else shape
    return {"branches": paths, "merge": merge, "name": f"m{draw(ints(0, 99))}"}, out


@st.composite
def specs(draw) -> dict:
    """A valid spec as a Python structure, with `input`, `blocks` and one or more designs."""
    spatial = draw(ints(0, 5)) > 0
    shape = (draw(ints(1, 12)), draw(ints(1, 12)), draw(ints(1, 8))) if spatial \
        else (draw(ints(1, 16)),)
    designs = {}
    for index in range(draw(ints(1, 3))):
        layers, out = stack(draw, shape, False, 0)
        if len(out) == 3 and draw(BOOLS):
            layers += [draw(pick(["global_avgpool", "global_maxpool", "flatten"])),
                       {"dense": {"units": draw(ints(1, 10))}}, "softmax"]
        designs[f"d{index}"] = layers
    spec = {"input": list(shape), "blocks": BLOCKS}
    if draw(BOOLS):
        spec["defaults"] = {"conv": {"bias": False}}
    if len(designs) == 1 and draw(BOOLS):
        spec["layers"] = designs["d0"]
    else:
        spec["designs"] = designs
    return spec


def as_yaml(spec) -> str:
    return yaml.dump(spec, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False,
                     default_flow_style=None, width=100)


def check_rows(design) -> None:
    """Subtotals add up at every level; concat sums channels; nothing is negative."""
    rows = design.rows
    assert total(r.cost for r in rows if r.depth == 0) == design.total
    for index, row in enumerate(rows):
        assert row.cost.macs >= 0 and row.cost.params >= 0 and row.cost.flops >= 2 * row.cost.macs
        if row.role in ("layer", "merge"):
            continue
        below = list(children(rows, index))
        assert total(r.cost for r in below) == row.cost, row.path
        if row.kind == "branches (concat)":
            assert row.output[-1] == sum(r.output[-1] for r in below if r.role == "branch")


@settings(max_examples=examples(4))
@given(specs())
def test_invariants_of_valid_specs(spec):
    analysis = analyze(loads(as_yaml(spec)))
    assert [d.name for d in analysis.designs] == list(spec.get("designs", {"main": None}))
    for design in analysis.designs:
        check_rows(design)


@settings(max_examples=examples(3))
@given(specs().filter(lambda spec: len(spec["input"]) == 3
                      and not any(word in as_yaml(spec) for word in ("grid:", "partition_attention"))))
def test_doubling_height_and_width(spec):
    """Conv MACs grow at most four times (exactly four at stride 1 on a doubled input); params stay.

    Only a dense layer after flatten (whose input is H·W·C long) and a position embedding (one vector a token)
    gain parameters. Left out: MViT's kinds, which name the grid their tokens stand for, and MaxViT's partitions,
    whose size need not divide a doubled map's sides after a stride.
    """
    parsed = loads(as_yaml(spec))
    h, w, c = parsed.input
    small, large = analyze(parsed), analyze(parsed, (2 * h, 2 * w, c))
    for before, after in zip(small.designs, large.designs):
        for old, new in zip(before.rows, after.rows):
            assert old.path == new.path
            if old.kind != "position_embedding" and (old.input[-1] == new.input[-1] or old.kind != "dense"):
                assert old.cost.params == new.cost.params, old.path
            if old.kind not in CONVS:
                continue
            assert old.cost.macs <= new.cost.macs
            if new.input[:2] == (2 * old.input[0], 2 * old.input[1]):
                assert new.cost.macs <= 4 * old.cost.macs
                if old.op.stride == (1, 1):
                    assert new.cost.macs == 4 * old.cost.macs


@settings(max_examples=examples(0.6))
@given(spec=specs())
def test_json_and_exact_table_agree_with_the_library(spec, tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    path.write_text(as_yaml(spec), encoding="utf-8")
    analysis = analyze(loads(as_yaml(spec), str(path)))
    data = json.loads(run("report", str(path), "--format", "json").out)
    table = run("report", str(path), "--exact").out
    for design, printed in zip(analysis.designs, data["designs"]):
        assert printed["totals"] == {name: getattr(design.total, name) for name in printed["totals"]}
        assert [(r["path"], r["macs"], r["params"]) for r in printed["rows"]] == \
            [(r.path, r.cost.macs, r.cost.params) for r in design.rows]
        assert f"MACs: {design.total.macs:,} (" in table and f"Total params: {design.total.params:,}\n" in table
    cells = [[cell.strip() for cell in line.split("│")[1:-1]] for line in table.splitlines() if line.startswith("│")]
    cells = [cell for cell in cells if len(cell) == 6]  # the report tables (layer, kind, output, params, MACs, share)
    rows = [row for design in analysis.designs for row in [*design.rows, None]]
    assert len(cells) == len(rows)
    for cell, row in zip(cells, rows):
        if row is not None:
            assert (cell[0], cell[3], cell[4]) == (row.path, f"{row.cost.params:,}", f"{row.cost.macs:,}")


SEPARABLE = "input: [{h}, {w}, {c}]\ndesigns:\n  standard: [conv: {{{conv}}}]\n  separable: [separable: {{{conv}}}]\n"


@settings(max_examples=examples(2))
@given(ints(1, 64), ints(1, 64), ints(1, 64), ints(1, 64),
       st.tuples(ints(1, 7), ints(1, 7)), ints(1, 3))
def test_separable_never_costs_more_than_the_conv_it_replaces(h, w, c, filters, kernel, stride):
    conv = f"filters: {filters}, kernel: {list(kernel)}, stride: {stride}"
    standard, separable = analyze(loads(SEPARABLE.format(h=h, w=w, c=c, conv=conv))).designs
    pixels, window = math.prod(standard.output[:2]), math.prod(kernel)
    assert separable.total.macs - standard.total.macs == pixels * c * (window + filters - filters * window)
    if window > 1 and filters > 1:
        assert separable.total.macs <= standard.total.macs
    if window > 1 and filters == 1:  # the one exception: one filter, k² + 1 against k² per pixel
        assert separable.total.macs == standard.total.macs + pixels * c


# --- The mutator: broken specs give exit 0, 1 or 2 with a message, never a traceback ---------

JUNK = (None, True, -1, 0, 2.5, float("inf"), "", "x", "$nope", "${1/0}", "${", [], [1], {}, {"k": 1}, 10**30)


def junk(rng: random.Random):
    """A fresh copy of a junk value: inserting a shared list or dict would let a later
    mutation change JUNK itself, or put a list inside itself."""
    return copy.deepcopy(rng.choice(JUNK))


def nodes(value, path=()):
    """Every (path, value) in a nested structure of dicts and lists."""
    yield path, value
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield from nodes(child, (*path, key))


def mutate(spec, rng: random.Random):
    """One breakage: drop a key, swap a type, negate a number, rename a kind, insert junk."""
    path, value = rng.choice(list(nodes(spec))[1:])
    parent = spec
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    action = rng.choice(["drop", "swap", "negate", "rename", "insert"])
    if action == "drop":
        del parent[key]
    elif action == "negate" and isinstance(value, int) and not isinstance(value, bool):
        parent[key] = -value
    elif action == "rename" and isinstance(parent, dict):
        name = str(key)
        parent[rng.choice([name + "s", name[:-1], name.upper(), rng.choice(list(OPS))])] = parent.pop(key)
    elif action == "insert" and isinstance(value, (dict, list)):
        if isinstance(value, dict):
            value[rng.choice(["junk", "name", "repeat", "merge", "kernel", "layers", *OPS])] = junk(rng)
        else:
            value.insert(rng.randrange(len(value) + 1), junk(rng))
    else:
        parent[key] = junk(rng)
    return spec


def garble(text: str, rng: random.Random) -> str:
    """A text-level breakage: a cut, a stray character, a lost indent."""
    at = rng.randrange(len(text) + 1)
    return rng.choice([text[:at], text[:at] + rng.choice("[]{}:-&*!|>%@`'\"\t\0") + text[at:],
                       text.replace("\n  ", "\n", 1), text[:at] + text[at + 5:]])


@settings(max_examples=examples(3))
@given(spec=specs(), rng=st.randoms(use_true_random=False), mutations=ints(1, 3), textual=BOOLS)
def test_broken_specs_never_crash(spec, rng, mutations, textual, tmp_path_factory):
    spec = json.loads(json.dumps(spec))  # a private copy to break
    for _ in range(mutations):
        if isinstance(spec, dict) and spec:
            spec = mutate(spec, rng)
    text = as_yaml(spec)
    if textual:
        text = garble(text, rng)
    path = tmp_path_factory.mktemp("broken") / "spec.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    command = rng.choice([["report"], ["report", "--format", "json"], ["compare"], ["report", "--format", "csv"]])
    result = CliRunner(env={"NO_COLOR": "1"}).invoke(main, [*command, str(path)], catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), text
    assert result.exit_code in (0, 1, 2), text
    if result.exit_code == 2:
        assert result.stderr.strip() and "Traceback" not in result.stderr
    else:
        assert result.stdout


def test_the_generator_draws_every_layer_kind_and_merge():
    """The specs above reach every kind of OPS, every merge and both blocks (a fixed sample, about three times the
    examples they need: each kind added draws the others less often)."""
    seen = set()

    @settings(max_examples=2000, derandomize=True, database=None)
    @given(specs())
    def collect(spec):
        for _, value in nodes(spec.get("layers") or spec.get("designs")):
            if isinstance(value, dict) and len(value) == 1:
                seen.add(next(iter(value)))
            elif isinstance(value, str):
                seen.add(value)
            if isinstance(value, dict) and "merge" in value:
                seen.add(value["merge"])

    collect()
    assert set(OPS) | {"concat", "add", "multiply", "conv_bn", "squeeze"} <= seen

