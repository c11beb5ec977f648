"""Format 1.1: named tensors (`as:` / `from:`, merges of named tensors), `when:`, shapes in
expressions (in_height, in_width, in_channels) and layer kinds passed as arguments."""

import json
from pathlib import Path

import pytest
from conftest import assert_refused, run

from costcalc import analyze, loads

HEAD = "input: [16, 16, 3]\n"


def design(text: str, shape=None):
    return analyze(loads(text, "spec.yaml"), shape).designs[0]


def paths(text: str, shape=None) -> dict:
    return {row.path: (row.kind, row.output, row.cost.macs, row.sources) for row in design(text, shape).rows}


# --- Graphs --------------------------------------------------------------------------------

UNET = HEAD + """\
layers:
  - conv: {filters: 8, kernel: 3, as: skip1}
  - maxpool: {size: 2}
  - conv: {filters: 16, kernel: 3}
  - conv: {filters: 8, kernel: 1, from: skip1, name: lateral}
  - {merge: concat, from: [skip1, lateral_out], name: joined}
"""


def test_a_layer_reads_a_named_tensor_and_a_merge_joins_named_tensors():
    text = UNET.replace("name: lateral}", "name: lateral, as: lateral_out}")
    rows = paths(text)
    assert rows["lateral"] == ("conv", (16, 16, 8), 16 * 16 * 8 * 8, ("skip1",))
    assert rows["joined"] == ("concat", (16, 16, 16), 0, ("skip1", "lateral_out"))
    result = design(text)
    assert result.output == (16, 16, 16)
    # each layer counted once: 3·3·3·8 + 3·3·8·16 (on 8×8) + 1·1·8·8, over their output pixels
    assert result.total.macs == 16 * 16 * 216 + 8 * 8 * 1152 + 16 * 16 * 64
    assert result.total.params == (216 + 8) + (1152 + 16) + (64 + 8)


def test_the_network_input_is_named_input_and_a_block_reads_its_own_input_so():
    text = HEAD + """\
blocks:
  residual:
    layers:
      - conv: {filters: "${in_channels}", kernel: 3, as: body}
      - {merge: add, from: [input, body]}
layers:
  - conv: {filters: 4, kernel: 1}
  - residual
  - {merge: concat, from: [input, input]}
"""
    rows = paths(text)
    assert rows["residual2/merge2"] == ("add", (16, 16, 4), 0, ("input", "body"))
    assert rows["merge3"] == ("concat", (16, 16, 6), 0, ("input", "input"))


def test_a_nasnet_cell_reads_the_two_previous_cells_through_an_argument():
    text = HEAD + """\
blocks:
  cell:
    args: {prev: null}
    layers:
      - conv: {filters: 4, kernel: 1, as: here}
      - conv: {filters: 4, kernel: 1, from: $prev, as: there}
      - {merge: add, from: [here, there]}
layers:
  - conv: {filters: 4, kernel: 1, as: c0}
  - conv: {filters: 4, kernel: 1, as: c1}
  - cell: {prev: c0, as: c2}
  - cell: {prev: c1, as: c3}
  - cell: {prev: c2}
"""
    rows = paths(text)
    assert rows["cell5/conv2"][3] == ("c2",)
    assert rows["cell4/conv2"][3] == ("c1",)
    assert design(text).total.macs == 16 * 16 * 12 + 7 * 16 * 16 * 16  # c0 on 3 channels, then seven 4 → 4


def test_a_named_tensor_follows_another_input_size():
    rows = paths(UNET.replace("name: lateral}", "name: lateral, as: l}").replace("lateral_out", "l"), (32, 32, 3))
    assert rows["joined"][1] == (32, 32, 16)


def test_as_on_a_repeated_layer_names_the_last_repetition_and_from_feeds_the_first():
    text = HEAD + """\
layers:
  - conv: {filters: 4, kernel: 1, as: a}
  - conv: {filters: 8, kernel: 3, stride: 2, repeat: 2, from: input, as: b}
  - {merge: concat, from: [b, b]}
"""
    rows = paths(text)
    assert rows["conv2"][1:] == ((8, 8, 8), 8 * 8 * 27 * 8, ("input",))
    assert rows["conv2.2"][1:] == ((4, 4, 8), 4 * 4 * 72 * 8, ())
    assert rows["merge3"][1] == (4, 4, 16)


def test_reports_say_where_inputs_come_from(spec_file):
    path = spec_file(UNET.replace("name: lateral}", "name: lateral, as: l}").replace("lateral_out", "l"))
    table = run("report", path).out
    assert "│ lateral  │ conv ← skip1      │" in table
    assert "│ joined   │ concat ← skip1, l │" in table
    rows = {row["path"]: row for row in json.loads(run("report", path, "--format", "json").out)["designs"][0]["rows"]}
    assert rows["lateral"]["from"] == ["skip1"] and rows["joined"]["from"] == ["skip1", "l"]
    assert "from" not in rows["conv1"]


SEGMENTATION = """\
input: [65, 65, 3]
layers:
  - conv: {filters: 8, kernel: 3, stride: 2, as: low}
  - conv: {filters: 8, kernel: 3, stride: 2}
  - resize: {size: low, mode: bilinear, as: up}
  - {merge: add, from: [low, up]}
  - resize: {size: input, mode: bilinear, torch: functional}
"""


@pytest.mark.parametrize("side, low", [(65, 33), (97, 49), (520, 260)])
def test_resize_to_the_size_of_a_named_tensor_follows_the_input(side, low):
    rows = paths(SEGMENTATION, (side, side, 3))
    assert rows["resize3"][1] == (low, low, 8)
    assert rows["resize5"][1] == (side, side, 8)
    assert design(SEGMENTATION, (side, side, 3)).rows[-1].op.size == (side, side)


# --- when: and shapes in expressions --------------------------------------------------------

ADAPTIVE = HEAD + """\
blocks:
  ir:
    args: {filters: null, stride: 1, expand: 2, activation: relu6}
    layers:
      - branches:
          main: [ir_body: {filters: $filters, stride: $stride, expand: $expand, activation: $activation}]
          shortcut: null
        merge: add
        when: ${stride == 1 and in_channels == filters}
      - ir_body: {filters: $filters, stride: $stride, expand: $expand, activation: $activation,
                  when: "${not (stride == 1 and in_channels == filters)}"}
  ir_body:
    args: {filters: null, stride: 1, expand: 2, activation: relu6}
    layers:
      - conv: {filters: "${in_channels * expand}", kernel: 1, bias: false}
      - $activation
      - depthwise: {kernel: 3, stride: $stride, bias: false}
      - conv: {filters: $filters, kernel: 1, bias: false}
layers:
  - ir: {filters: 8, repeat: 3, activation: hswish}
"""


def test_a_block_adapts_to_its_input_repetition_by_repetition():
    rows = paths(ADAPTIVE)
    assert rows["ir1"][1] == (16, 16, 8)
    assert "ir1/ir_body2" in rows and "ir1/branches1" not in rows  # 3 channels in, 8 out: no shortcut
    assert rows["ir1/ir_body2/conv1"][1] == (16, 16, 6)  # in_channels · expand
    assert rows["ir1/ir_body2/hswish2"][0] == "hswish"
    assert rows["ir1.2/branches1/add"][1] == (16, 16, 8)  # 8 in, 8 out: the shortcut
    assert rows["ir1.3/branches1/main/ir_body1/conv1"][1] == (16, 16, 16)


def test_an_expression_reading_shapes_is_expanded_again_on_another_input():
    text = HEAD + ('layers:\n  - conv: {filters: 4, kernel: 1}\n'
                   '  - zeropad: {padding: ["${1 - in_height % 2}", 1, 0, 0]}\n')
    assert design(text).output == (18, 16, 4)  # even height: one more row on top
    assert design(text, (15, 15, 3)).output == (16, 15, 4)


def test_when_false_leaves_a_layer_out_and_literal_booleans_are_taken():
    text = HEAD + "layers:\n  - conv: {filters: 4, kernel: 1, when: false}\n  - relu: {when: true}\n"
    assert [row.path for row in design(text).rows] == ["relu2"]


SWITCHED = """\
layers:
  - branches:
      main: [conv: {filters: 3, kernel: 3}]
      shortcut: {when: "${in_channels == 3}", layers: null}
    merge: add
"""


@pytest.mark.parametrize("channels, branches", [(3, ["main", "shortcut"]), (4, ["main"])])
def test_a_branch_is_switched_on_by_a_condition(channels, branches):
    result = design(f"input: [8, 8, {channels}]\n" + SWITCHED)
    assert [row.name for row in result.rows if row.role == "branch"] == branches
    assert result.output == (8, 8, 3)
    assert result.rows[-1].cost.flops == (len(branches) - 1) * 8 * 8 * 3  # an add of one branch does nothing


def test_a_kind_may_be_computed():
    text = HEAD + """\
blocks:
  act:
    args: {small: true}
    layers: ["${'relu' if small else 'hswish'}"]
layers: [act, act: {small: false}]
"""
    assert [row.kind for row in design(text).rows] == ["act", "relu", "act", "hswish"]


# --- Errors: one positioned line each ---------------------------------------------------------

ERRORS = {
    "unknown tensor": (
        HEAD + "layers:\n  - conv: {filters: 4, kernel: 3, as: skip1}\n  - conv: {filters: 4, kernel: 3, from: skp1}\n",
        "spec.yaml:4:41: unknown tensor 'skp1'; did you mean 'skip1'?"),
    "unknown tensor, nothing near": (
        HEAD + "layers:\n  - {merge: add, from: [input, zzz]}\n",
        "spec.yaml:3:32: unknown tensor 'zzz'; tensors named here: input"),
    "forward reference": (
        HEAD + "layers:\n  - conv: {filters: 4, kernel: 3, from: later}\n"
        "  - conv: {filters: 4, kernel: 3, as: later}\n",
        "spec.yaml:3:41: 'later' is read before it is named (at line 4, column 39);"
        " a layer reads only tensors named before it, in its own list or one around it"),
    "a name in another branch": (
        HEAD + "layers:\n  - branches: {a: [relu: {as: x}], b: [relu: {from: x}]}\n",
        "spec.yaml:3:53: 'x' is named in a block or branch that this layer is not in (at line 3, column 31);"
        " a layer reads only tensors named before it, in its own list or one around it"),
    "a layer reading itself": (
        HEAD + "layers:\n  - conv: {filters: 4, kernel: 3, from: me, as: me}\n",
        "spec.yaml:3:41: 'me' is the output of the layer that reads it: a cycle; "
        "read a tensor named before this layer"),
    "a block reading its own output": (
        HEAD + "blocks:\n  b:\n    layers: [conv: {filters: 4, kernel: 1, from: out}]\nlayers:\n  - b: {as: out}\n",
        "spec.yaml:4:50: 'out' is the output of the layer that reads it: a cycle; "
        "read a tensor named before this layer"),
    "a name given twice": (
        HEAD + "layers:\n  - relu: {as: a}\n  - relu: {as: a}\n",
        "spec.yaml:4:16: 'a' already names a tensor here (at line 3); pick another name"),
    "input is reserved": (
        HEAD + "layers:\n  - relu: {as: input}\n",
        "spec.yaml:3:16: 'input' names the input of each design, block and branch; pick another name"),
    "from that is not a name": (
        HEAD + "layers:\n  - relu: {from: 3}\n",
        "spec.yaml:3:18: from takes the name of a tensor, got 3;"
        " name a layer's output with `as: name`, then read it with `from: name`"),
    "a merge of one tensor": (
        HEAD + "layers:\n  - {merge: add, from: [input]}\n",
        "spec.yaml:3:24: a merge reads two or more named tensors, got from: ['input']; write `from: [a, b]`"),
    "a merge of tensors that do not fit": (
        HEAD + "layers:\n  - conv: {filters: 4, kernel: 3, as: a}\n  - {merge: add, from: [input, a]}\n",
        "spec.yaml:4:5: merge2 (add): add needs identical shapes in every branch: "
        "input gives 16×16×3, a gives 16×16×4"),
    "an unknown key in a merge": (
        HEAD + "layers:\n  - {merge: add, from: [input, input], repeat: 2}\n",
        "spec.yaml:3:40: unknown key 'repeat' in a merge; known: merge, from, name, as, when, torch"),
    "a condition that is not a boolean": (
        HEAD + 'layers:\n  - conv: {filters: 4, kernel: 3, when: "${in_channels}"}\n',
        "spec.yaml:3:41: when must be true or false, got 3; compare to make a condition: `when: ${stride == 1}`"),
    "an integer condition": (
        HEAD + "layers:\n  - relu: {when: 1}\n",
        "spec.yaml:3:18: when must be true or false, got 1; compare to make a condition: `when: ${stride == 1}`"),
    "a kind argument that is not a kind": (
        HEAD + "blocks:\n  b:\n    args: {act: relu}\n    layers: [$act]\nlayers:\n  - b: {act: hswsh}\n",
        "spec.yaml:5:14: $act is 'hswsh', which is not a layer kind; did you mean 'hswish'?"),
    "a kind argument that is a number": (
        HEAD + "blocks:\n  b:\n    args: {act: 3}\n    layers: [$act: {}]\nlayers: [b]\n",
        "spec.yaml:5:14: $act is 3, which is not a layer kind; pass a kind such as relu, or the name of a block"),
    "a shape name that is not there": (
        "input: [10]\nlayers:\n  - dense: {units: \"${in_height}\"}\n",
        "spec.yaml:3:20: in ${in_height}: unknown name 'in_height' in expression (the input's shape: in_channels)"),
    "a shape read after a layer that fails": (
        HEAD + 'layers:\n  - conv: {filters: 4, kernel: 99, padding: valid}\n'
        '  - conv: {filters: "${in_channels}", kernel: 1}\n',
        "spec.yaml:3:5: conv1 (conv) on [16, 16, 3]: kernel 99×99 is larger than the padded input 16×16;"
        " use padding: same, more padding or a smaller kernel"),
    "a resize to the size of a tensor without height and width": (
        HEAD + "layers:\n  - global_avgpool: {as: pooled}\n  - resize: {size: pooled, from: input}\n",
        "spec.yaml:4:20: size: 'pooled' is [3], with no height and width; name a tensor of [height, width, channels]"),
    "a resize to the size of an unknown tensor": (
        HEAD + "layers:\n  - conv: {filters: 4, kernel: 3, as: skip}\n  - resize: {size: skp}\n",
        "spec.yaml:4:20: unknown tensor 'skp'; did you mean 'skip'?"),
    "a shape name as a block argument": (
        HEAD + "blocks:\n  b:\n    args: {in_channels: 3}\n    layers: [relu]\nlayers: [b]\n",
        "spec.yaml:4:12: 'in_channels' is reserved for the shape of a layer's input and cannot be a block argument"),
    "every branch switched off": (
        HEAD + "layers:\n  - branches: {a: {when: false, layers: [relu]}}\n",
        "spec.yaml:3:15: every branch is switched off; a branches layer needs one branch or more"),
    "a branch condition that is not a boolean": (
        HEAD + "layers:\n  - branches: {a: {when: 2, layers: [relu]}, b: null}\n",
        "spec.yaml:3:26: when must be true or false, got 2; compare to make a condition: `when: ${stride == 1}`"),
    "an unknown key in a switched branch": (
        HEAD + "layers:\n  - branches: {a: {when: true, layer: [relu]}, b: null}\n",
        "spec.yaml:3:32: unknown key 'layer' in branch a; did you mean 'layers'?"),
    "a block named merge": (
        HEAD + "blocks:\n  merge:\n    layers: [relu]\nlayers: [merge]\n",
        "spec.yaml:3:3: block 'merge' has the name of a built-in layer kind; rename the block"),
    "as as a block argument": (
        HEAD + "blocks:\n  b:\n    args: {when: 3}\n    layers: [relu]\nlayers: [b]\n",
        "spec.yaml:4:12: 'when' is reserved for every layer and cannot be a block argument"),
}


@pytest.mark.parametrize("text, message", ERRORS.values(), ids=ERRORS.keys())
def test_errors(spec_file, text, message):
    assert_refused(spec_file, text, message)


# --- The examples of docs/spec-format.md ------------------------------------------------------

DOCS = (Path(__file__).resolve().parent.parent / "docs" / "spec-format.md").read_text(encoding="utf-8")


def docs_example(section: str, index: int) -> str:
    text = DOCS[DOCS.index(f"### {section}"):]
    text = text[:text.index("\n### ", 5)]
    return text.split("```yaml\n")[index + 1].split("```")[0]


def test_the_graph_examples_count():
    unet = design("input: [128, 128, 3]\n" + docs_example("Graphs: named tensors", 0))
    assert {row.path: row.output for row in unet.rows}["decoder1"] == (128, 128, 64)
    nasnet = design("input: [32, 32, 3]\n" + docs_example("Graphs: named tensors", 1))
    assert nasnet.output == (32, 32, 32)
    assert nasnet.total.macs == 32 * 32 * (27 * 32 + 288 * 32 + 3 * 2 * 32 * 32)


def test_the_adaptive_block_example_is_keras_mobilenet_v2s_start():
    calls = ("layers:\n  - conv: {filters: 32, kernel: 3, stride: 2}\n"
             "  - inverted_res_block: {expansion: 1, filters: 16}\n"
             "  - inverted_res_block: {filters: 24, stride: 2}\n  - inverted_res_block: {filters: 24}\n")
    rows = paths("input: [197, 197, 3]\n" + docs_example("Blocks that adapt", 1) + calls)
    assert rows["inverted_res_block3/pad"][1] == (101, 101, 96)  # correct_pad at 99: [1, 1, 1, 1]
    assert rows["inverted_res_block3/depthwise5"][1] == (50, 50, 96)
    assert rows["inverted_res_block4/add"][3] == ("input", "x")
    assert "inverted_res_block2/expand" not in rows and "inverted_res_block2/add" not in rows


@pytest.mark.parametrize("channels, branches", [(24, 2), (16, 1)])
def test_the_switched_branch_example(channels, branches):
    example = "".join("  " + line + "\n" for line in docs_example("Blocks that adapt", 0).splitlines())
    result = design(f"input: [8, 8, {channels}]\nlayers:\n" + example)
    assert sum(row.role == "branch" for row in result.rows) == branches and result.output == (8, 8, 24)


def test_the_keras_helpers_example():
    rows = paths("input: [8, 8, 3]\n" + docs_example("Blocks that adapt", 2))
    assert [rows[p][1] for p in ("mbconv1", "mbconv1.2", "mbconv1.3")] == [(8, 8, 48)] * 3
    assert "mbconv1.4" not in rows


def test_a_residual_as_branches_and_as_named_tensors_costs_and_sees_the_same():
    from costcalc.analyses.receptive import receptive_fields
    branches = design(HEAD + """\
layers:
  - conv: {filters: 4, kernel: 3, stride: 2}
  - branches: {main: [conv: {filters: 4, kernel: 3}, conv: {filters: 4, kernel: 5}], skip: null}
    merge: add
""")
    graph = design(HEAD + """\
layers:
  - conv: {filters: 4, kernel: 3, stride: 2, as: a}
  - conv: {filters: 4, kernel: 3}
  - conv: {filters: 4, kernel: 5, as: b}
  - {merge: add, from: [a, b]}
""")
    assert branches.total == graph.total and branches.breakdown == graph.breakdown
    last = receptive_fields(branches)[branches.rows[-1].path]
    assert receptive_fields(graph)["merge4"] == last
    assert (last.height.size, last.height.jump) == (15, 2)


def test_a_layer_reading_a_named_tensor_starts_from_its_receptive_field():
    from costcalc.analyses.receptive import receptive_fields
    renamed = UNET.replace("name: lateral}", "name: lateral, as: l}").replace("lateral_out", "l")
    fields = receptive_fields(design(renamed))
    assert fields["lateral"] == fields["conv1"] and fields["lateral"].height.size == 3
    assert fields["joined"] == fields["conv1"]
