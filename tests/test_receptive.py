"""Receptive fields: VGG16's known figures, branches, and a brute-force check on random small specs."""

import random
from fractions import Fraction

import pytest
from conftest import SPECS

from costcalc import analyze, load, loads
from costcalc.analyses.receptive import receptive_fields


def fields_of(path_or_text, design=None):
    spec = load(path_or_text) if not str(path_or_text).startswith("input") else loads(path_or_text)
    result = analyze(spec).design(design or next(iter(spec.designs)))
    return receptive_fields(result), result


@pytest.mark.parametrize("design", ["keras", "torchvision"])
def test_vgg16_last_conv_sees_196_and_last_pool_212_with_jump_32(design):
    fields, _ = fields_of(SPECS / "zoo" / "vgg16.yaml", design)
    conv, pool = fields["features/block5/conv.3"], fields["features/block5/pool"]
    assert (conv.height.size, conv.width.size, conv.height.jump) == (196, 196, 16)
    assert (pool.height.size, pool.width.size, pool.height.jump, pool.height.offset) == (212, 212, 32, Fraction(31, 2))
    assert fields["flatten"].whole


def test_a_branch_module_takes_the_union_of_its_branches():
    fields, _ = fields_of(SPECS / "googlenet_3a.yaml", "reduced")
    assert {path: fields[path].height.size
            for path in ("3a/1x1", "3a/3x3", "3a/5x5", "3a/pool", "3a/concat", "3a")} == {
        "3a/1x1": 1, "3a/3x3": 3, "3a/5x5": 5, "3a/pool": 3, "3a/concat": 5, "3a": 5}
    assert fields["3a"].height.first == -2


def test_off_centre_branches_span_more_than_the_largest():
    text = """input: [8, 8, 1]
layers:
  - branches:
      left: [conv: {filters: 1, kernel: 3, padding: [0, 2, 0, 2]}]
      right: [conv: {filters: 1, kernel: 3, padding: [2, 0, 2, 0]}]
    merge: add
"""
    fields, _ = fields_of(text)
    merged = fields["branches1"].height
    assert (merged.size, merged.first, merged.jump) == (5, -2, 1)


def test_an_adaptive_pool_that_does_not_divide_has_no_field():
    text = "input: [10, 10, 3]\nlayers:\n  - adaptive_avgpool: {output: 3}\n  - relu\n"
    fields, _ = fields_of(text)
    assert fields["adaptive_avgpool1"].height is None and not fields["adaptive_avgpool1"].whole
    assert fields["relu2"].height is None


def test_a_global_pool_that_keeps_its_axes_sees_the_whole_input():
    """Squeeze-and-excitation's global_avgpool {keepdims: true}: [1, 1, C], every position pooled."""
    text = "input: [10, 10, 3]\nlayers:\n  - global_avgpool: {keepdims: true}\n  - conv: {filters: 3, kernel: 1}\n"
    fields, _ = fields_of(text)
    assert fields["global_avgpool1"].whole and fields["conv2"].whole


# Brute force: which input indices (along one axis, unclipped) can one output index depend on?

def window_inputs(index, kernel, stride, dilation, before):
    return {index * stride - before + t * dilation for t in range(kernel)}


def same_before(size, kernel, stride, dilation):
    span = dilation * (kernel - 1) + 1
    out = -(-size // stride)
    return max((out - 1) * stride + span - size, 0) // 2


def back(layers, indices, sizes):
    """Input indices that output `indices` of a chain depend on; `sizes` are the chain's input sizes."""
    for layer, size in reversed(list(zip(layers, sizes))):
        if "branches" in layer:
            indices = set().union(*(back(branch, indices, layer["sizes"][b])
                                    for b, branch in enumerate(layer["branches"])))
            continue
        kernel, stride, dilation, padding = layer["k"], layer["s"], layer["d"], layer["p"]
        before = same_before(size, kernel, stride, dilation) if padding == "same" else padding[0]
        indices = set().union(*(window_inputs(i, kernel, stride, dilation, before) for i in indices))
    return indices


def out_size(size, layer):
    span = layer["d"] * (layer["k"] - 1) + 1
    if layer["p"] == "same":
        return -(-size // layer["s"])
    return (size + sum(layer["p"]) - span) // layer["s"] + 1


def random_chain(rng, size, depth=0):
    """Layers as data (with their yaml) and each layer's input size; every output stays ≥ 2."""
    layers, sizes = [], []
    for _ in range(rng.randint(1, 4)):
        if depth < 2 and rng.random() < 0.25:
            branches = []
            for _ in range(rng.randint(2, 3)):  # size-preserving branches: stride 1, padding k_eff - 1 in total
                chain = []
                for _ in range(rng.randint(0, 2)):
                    k, d = rng.randint(1, 4), rng.randint(1, 2)
                    total = d * (k - 1)
                    before = rng.randint(0, total)
                    chain.append({"k": k, "s": 1, "d": d, "p": (before, total - before)})
                branches.append(chain)
            layers.append({"branches": branches, "sizes": [[size] * len(chain) for chain in branches]})
            sizes.append(size)
            continue
        layer = {"k": rng.randint(1, 5), "s": rng.randint(1, 3), "d": rng.randint(1, 2),
                 "p": rng.choice(["same", (0, 0), (1, 1), (2, 0), (0, 3)])}
        if out_size(size, layer) < 2:
            continue
        layers.append(layer)
        sizes.append(size)
        size = out_size(size, layer)
    return layers, sizes


def to_yaml(layers, indent="  "):
    lines = []
    for layer in layers:
        if "branches" in layer:
            lines.append(f"{indent}- branches:")
            for b, chain in enumerate(layer["branches"]):
                lines.append(f"{indent}    b{b}:" + (" []" if not chain else ""))
                lines.extend(to_yaml(chain, indent + "      "))
            lines.append(f"{indent}  merge: add")
            continue
        padding = layer["p"] if layer["p"] == "same" else f"[{layer['p'][0]}, {layer['p'][1]}, 0, 0]"
        lines.append(f"{indent}- conv: {{filters: 1, kernel: [{layer['k']}, 1], stride: [{layer['s']}, 1], "
                     f"dilation: [{layer['d']}, 1], padding: {padding}}}")
    return lines


@pytest.mark.parametrize("seed", range(300))
def test_the_recurrence_equals_brute_force(seed):
    rng = random.Random(seed)
    size = rng.randint(8, 40)
    layers, sizes = random_chain(rng, size)
    fields, result = fields_of(f"input: [{size}, 3, 1]\nlayers:\n" + "\n".join(to_yaml(layers)) + "\n")
    field = fields[result.rows[-1].path].height if result.rows else None
    zero, one = back(layers, {0}, sizes), back(layers, {1}, sizes)
    assert (field.size, field.first, field.jump) == (max(zero) - min(zero) + 1, min(zero), min(one) - min(zero))


def test_explain_writes_the_recurrence_with_the_numbers_put_in(monkeypatch):
    from conftest import ROOT, run
    monkeypatch.chdir(ROOT)
    result = run("explain", "specs/zoo/vgg16.yaml", "--design", "keras", "--layer", "features/block5/pool",
                 "--receptive-field")
    assert result.code == 0
    assert result.out.splitlines()[-4:-1] == [
        "  RF    = r + (k − 1)·j       = 196 + (2 − 1)·16  = 212",
        "  jump  = j·s                 = 16·2              = 32",
        "  first = f − p·j             = -90 − 0·16        = -90",
    ]


@pytest.mark.parametrize("spec", ["specs/zoo/vgg16.yaml", "specs/googlenet_3a.yaml", "specs/zoo/resnet50_keras.yaml",
                                  "specs/zoo/inception_v3_torchvision.yaml"])
def test_every_receptive_field_line_states_the_field_the_report_gives(spec):
    from test_explain import ARITHMETIC, evaluate

    from costcalc.analyses.receptive import receptive_steps
    from costcalc.teach.explain import explain, text
    analysis = analyze(load(SPECS.parent / spec))
    for design in analysis.designs:
        steps = receptive_steps(design)
        for board in explain(analysis, receptive=True).designs[analysis.designs.index(design)].steps:
            lines = {line.label: line for line in board.board.cost}
            after = steps[board.path][1]
            if "RF" in lines:
                assert (lines["RF"].value, lines["jump"].value, lines["first"].value) == (
                    after.height.size, after.height.jump, after.height.first), board.path
    for line in text(explain(analysis, receptive=True)).splitlines():
        segments = [s.strip().split(" ≈ ")[0] for s in line.split(" = ")[1:]]
        numeric = [s for s in segments if ARITHMETIC.match(s)]
        assert len({evaluate(s) for s in numeric}) <= 1, line


def test_report_columns_in_table_json_and_csv(monkeypatch):
    import json

    from conftest import ROOT, run
    monkeypatch.chdir(ROOT)
    args = ("report", "specs/zoo/vgg16.yaml", "--design", "keras", "--receptive-field")
    table = run(*args, "--depth", "1").out
    assert "│   features/block5 │ vgg_block │ 7×7×512    │   7.1M │   1.4G │   9.0% │ 212 │   32 │   15.5 │" in table
    rows = {r["path"]: r for r in json.loads(run(*args, "--format", "json").out)["designs"][0]["rows"]}
    assert {k: rows["features/block5/pool"][k] for k in ("rf_height", "rf_width", "jump_height", "offset_height")} \
        == {"rf_height": 212, "rf_width": 212, "jump_height": 32, "offset_height": 15.5}
    assert rows["flatten"]["rf_height"] == "all"
    csv_lines = run(*args, "--format", "csv").out.splitlines()
    assert csv_lines[0].endswith(",rf_height,rf_width,jump_height,jump_width,offset_height,offset_width")
    assert any(line.startswith("keras,features/block5/conv.3,") and line.endswith(",196,196,16,16,7.5,7.5")
               for line in csv_lines)


UPSAMPLED = """input: [16, 16, 3]
layers:
  - conv: {filters: 4, kernel: 3, padding: same}
  - conv_transpose: {filters: 4, kernel: 2, stride: 2, name: up}
  - conv: {filters: 4, kernel: 3, padding: same}
  - resize: {scale: 2}
"""


def test_a_footnote_says_why_the_rows_after_a_transposed_convolution_have_no_field(spec_file):
    from conftest import run
    path = spec_file(UPSAMPLED)
    lines = run("report", path, "--receptive-field", columns=80).out.splitlines()
    assert lines[4:13] == [
        "up      conv_transpose 32×32×4     68  16.4K   8.6%  —    —      —",
        "conv3   conv           32×32×4    148 147.5K  77.0%  —    —      —",
        "resize4 resize         64×64×4      0      0   0.0%  —    —      —",
        "total                  64×64×4    328 191.5K 100.0%  —    —      —",
        "─────── ────────────── ─────── ────── ────── ────── ── ──── ──────",
        "— no receptive field from up (conv_transpose) on: costcalc does not model that",
        "  layer's field, nor so those of the rows that follow (docs/conventions.md,",
        "  Receptive fields)",
        "",
    ]
    markdown = run("report", path, "--receptive-field", "--format", "markdown").out
    assert ("\n\n— no receptive field from up (conv_transpose) on: costcalc does not model that layer's field, nor so "
            "those of the rows that follow (docs/conventions.md, Receptive fields)\n\n") in markdown
    explained = run("explain", path, "--receptive-field", columns=200).out
    assert "  receptive field: not modelled for this kind (docs/conventions.md, Receptive fields)\n" in explained
    assert explained.count("  receptive field: unknown, as it follows up, whose field costcalc does not model\n") == 2


def test_every_cause_is_named_once_and_a_known_field_has_no_footnote(spec_file):
    from conftest import run
    branches = spec_file("""input: [8, 8, 3]
layers:
  - branches:
      a: [resize: {scale: 2}, conv: {filters: 2, kernel: 3, stride: 2, padding: same}]
      b: [adaptive_avgpool: {output: 3}, resize: {size: [8, 8]}]
    merge: concat
  - relu
""")
    assert run("report", branches, "--receptive-field", columns=200).out.splitlines()[15:17] == [
        "— no receptive field from branches1/a/resize1 (resize), branches1/b/adaptive_avgpool1 (adaptive_avgpool) on: "
        "costcalc does not model those layers' field, nor so those of the rows that follow",
        "  (docs/conventions.md, Receptive fields)"]
    assert "no receptive field" not in run("report", "specs/googlenet_3a.yaml", "--receptive-field").out


def test_past_three_causes_the_note_counts_the_rest(spec_file):
    from conftest import run
    four = spec_file("input: [8, 8, 3]\nlayers:\n  - branches:\n"
                     + "".join(f"      b{i}: [resize: {{scale: 2}}]\n" for i in range(4)) + "    merge: add\n")
    assert run("report", four, "--receptive-field", columns=300).out.splitlines()[16] == (
        "— no receptive field from branches1/b0/resize1 (resize), branches1/b1/resize1 (resize), "
        "branches1/b2/resize1 (resize) and 1 more on: costcalc does not model those layers' field, nor so those of "
        "the rows that follow (docs/conventions.md, Receptive fields)")
