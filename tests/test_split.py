"""Format 1.2: `split` (channels cut into named parts, equal or by sections) and `slice` (a range of the channels):
shapes, the channels each part reads, no cost but their activations, and their errors, each one positioned line."""

import pytest

from costcalc import analyze, loads
from costcalc.bridges.graph import graph
from costcalc.errors import CostcalcError

SHUFFLE = """\
input: [28, 28, 116]
layers:
  - split: {parts: 2, as: [x1, x2]}
  - conv: {filters: 58, kernel: 1, bias: false, as: b2}
  - {merge: concat, from: [x1, b2]}
  - channel_shuffle: {groups: 2}
"""


def design(text: str, convention: str = "costcalc"):
    return analyze(loads(text, "spec.yaml"), convention=convention).designs[0]


def test_a_split_is_a_group_of_slices_and_the_branch_after_it_reads_the_second_half():
    result = design(SHUFFLE)
    rows = {row.path: (row.kind, row.role, row.input, row.output, row.sources, row.keep) for row in result.rows}
    assert rows["split1"] == ("split", "block", (28, 28, 116), (28, 28, 58), (), None)
    assert rows["split1/x1"] == ("slice", "layer", (28, 28, 116), (28, 28, 58), ("input",), "x1")
    assert rows["split1/x2"] == ("slice", "layer", (28, 28, 116), (28, 28, 58), ("input",), "x2")
    assert [(row.op.start, row.op.end) for row in result.rows if row.kind == "slice"] == [(0, 58), (58, 116)]
    walk = {node.output: node.inputs for node in graph(result).nodes}
    assert walk["split1/x1"] == walk["split1/x2"] == ("input",)
    assert walk["conv2"] == ("split1/x2",)  # x1, x2 = x.chunk(2, dim=1); branch2(x2)
    assert walk["merge3"] == ("split1/x1", "conv2")
    assert result.output == (28, 28, 116)
    assert result.total.macs == 28 * 28 * 58 * 58
    assert result.total.activations == 28 * 28 * (58 + 58 + 58 + 116 + 116)  # each part counted as a copy


def test_sections_slices_and_an_open_end():
    text = ("input: [4, 4, 64]\nlayers:\n  - split: {sections: [24, 40], as: [a, b]}\n"
            "  - slice: {start: 8, from: a, as: c}\n  - slice: {start: 2, end: 5, from: b}\n")
    result = design(text)
    assert [(row.path, row.output) for row in result.rows if row.role == "layer"] == [
        ("split1/a", (4, 4, 24)), ("split1/b", (4, 4, 40)), ("slice2", (4, 4, 16)), ("slice3", (4, 4, 3))]
    assert design("input: [10]\nlayers: [slice: {start: 3}]\n").output == (7,)


@pytest.mark.parametrize("convention", ["costcalc", "flops2x", "fvcore", "ptflops", "thop"])
def test_no_cost_under_every_convention(convention):
    total = design("input: [14, 14, 8]\nlayers:\n  - split: {parts: 4, as: [a, b, c, d]}\n"
                   "  - slice: {start: 1}\n", convention).total
    assert (total.macs, total.flops, total.params) == (0, 0, 0)
    assert total.activations == 14 * 14 * (4 * 2 + 1)


def test_a_split_follows_another_input_size():
    spec = loads("input: [8, 8, 16]\nlayers:\n  - conv: {filters: '${in_channels * 2}', kernel: 1}\n"
                 "  - split: {parts: 2, as: [a, b]}\n", "spec.yaml")
    assert analyze(spec, (8, 8, 6)).designs[0].output == (8, 8, 6)


HEAD = "input: [8, 8, 116]\nlayers:\n  - "
ERRORS = {
    "parts not dividing": ("split: {parts: 3, as: [a, b, c]}",
                           "spec.yaml:3:20: split parts: 3 does not divide the 116 channels; parts is a divisor of 116"
                           " (2, 4, 29, 58, 116), or sections: [...] gives the sizes"),
    "sections not summing": ("split: {sections: [24, 40], as: [a, b]}",
                             "spec.yaml:3:23: split sections [24, 40] sum to 64, not the 116 channels;"
                             " sections that sum to 116"),
    "as count": ("split: {parts: 2, as: [a, b, c]}",
                 "spec.yaml:3:27: split makes 2 parts, and as: names 3; name each part: as: [part1, part2]"),
    "both": ("split: {parts: 2, sections: [58, 58], as: [a, b]}",
             "spec.yaml:3:5: split takes one of parts or sections, got parts and sections; parts: 2 cuts the channels"
             " into 2 equal parts; sections: [...] gives their sizes"),
    "no as": ("split: {parts: 2}", "spec.yaml:3:5: split names its parts with as: [a, b, ...];"
                                   " write `split: {parts: 2, as: [left, right]}`"),
    "a name twice": ("split: {parts: 2, as: [a, a]}", "spec.yaml:3:31: as: names two parts 'a'; give each part its own"
                                                      " name"),
    "one part": ("split: {parts: 1, as: [a, b]}", "spec.yaml:3:20: split parts: expected an integer ≥ 2, got 1"),
    "repeat": ("split: {parts: 2, as: [a, b], repeat: 2}",
               "spec.yaml:3:35: unknown option 'repeat' for split; known: parts, sections, as, name, from, when"),
    "slice past the channels": ("slice: {start: 4, end: 200}",
                                "spec.yaml:3:5: slice1 (slice) on [8, 8, 116]: slice [4, 200) is not a range of the"
                                " 116 channels; 0 ≤ start < end ≤ 116"),
    "empty slice": ("slice: {start: 10, end: 10}",
                    "spec.yaml:3:5: slice1 (slice) on [8, 8, 116]: slice [10, 10) is not a range of the 116 channels;"
                    " 0 ≤ start < end ≤ 116"),
    "negative start": ("slice: {start: -1}", "spec.yaml:3:20: slice option 'start': expected a non-negative integer,"
                                             " got -1"),
}


@pytest.mark.parametrize("case", ERRORS)
def test_errors_are_positioned_and_say_what_would_be_right(case):
    layer, message = ERRORS[case]
    with pytest.raises(CostcalcError) as caught:
        analyze(loads(HEAD + layer + "\n", "spec.yaml"))
    assert str(caught.value) == message


def test_a_part_read_before_the_split_names_it_and_a_block_named_split_are_refused():
    with pytest.raises(CostcalcError, match="'b' is read before it is named"):
        loads(HEAD + "conv: {filters: 2, kernel: 1, from: b}\n  - split: {parts: 2, as: [a, b]}\n", "spec.yaml")
    with pytest.raises(CostcalcError, match="block 'split' has the name of a built-in layer kind"):
        loads("input: [4, 4, 4]\nblocks:\n  split: {layers: [relu]}\nlayers: [relu]\n", "spec.yaml")


def test_the_exported_onnx_model_reads_the_channels_each_part_names(tmp_path):
    np = pytest.importorskip("numpy")
    ort = pytest.importorskip("onnxruntime")
    from costcalc import export_file

    spec = tmp_path / "spec.yaml"
    spec.write_text("input: [2, 2, 5]\nlayers:\n  - split: {sections: [2, 3], as: [a, b]}\n"
                    "  - slice: {start: 1, end: 3}\n  - {merge: concat, from: [b, a]}\n")
    session = ort.InferenceSession(export_file(str(spec), "onnx").content)
    x = np.arange(20, dtype=np.float32).reshape(1, 5, 2, 2)
    (out,) = session.run(None, {session.get_inputs()[0].name: x})
    assert (out == x[:, [2, 3, 4, 0, 1]]).all()


def test_shufflenet_v2_reads_the_channels_torchvision_reads():
    """specs/torchvision/shufflenets.yaml: every stride-1 unit's branch2 reads the second half of the chunk, the
    concat joins the first half untouched with branch2's output; the stride-2 units read all of their input."""
    from conftest import SPECS

    from costcalc import load

    result = analyze(load(str(SPECS / "torchvision" / "shufflenets.yaml"))).designs[0]
    nodes = {node.output: node for node in graph(result).nodes}
    units = sorted({path.rsplit("/", 2)[0] for path in nodes if path.endswith("/chunk/x2")})
    assert len(units) == 3 + 7 + 3
    for unit in units:
        half = nodes[f"{unit}/chunk/x2"].row
        assert half.input[-1] == 2 * half.output[-1] and (half.op.start, half.op.end) == (half.output[-1],
                                                                                          half.input[-1])
        assert nodes[f"{unit}/branch2.0"].inputs == (f"{unit}/chunk/x2",)
        assert nodes[f"{unit}/cat"].inputs == (f"{unit}/chunk/x1", f"{unit}/branch2.7")
    assert nodes["stage2/0/cat/branch1/0"].inputs == nodes["stage2/0/cat/branch2/0"].inputs == ("maxpool",)


def test_a_part_has_the_receptive_field_of_the_split_input():
    from costcalc.analyses.receptive import receptive_fields

    text = ("input: [16, 16, 8]\nlayers:\n  - conv: {filters: 8, kernel: 3}\n  - split: {parts: 2, as: [a, b]}\n"
            "  - conv: {filters: 4, kernel: 3, from: a}\n")
    fields = receptive_fields(design(text))
    assert fields["split2/a"] == fields["split2/b"] == fields["split2"] == fields["conv1"]
    assert (fields["conv1"].height.size, fields["conv3"].height.size) == (3, 5)


def test_the_schema_takes_a_split_and_refuses_one_without_names_or_with_both_ways():
    import json

    jsonschema = pytest.importorskip("jsonschema")
    yaml = pytest.importorskip("yaml")
    from conftest import ROOT

    schema = json.loads((ROOT / "costcalc" / "schemas" / "spec.schema.json").read_text())
    head = "input: [8, 8, 116]\nlayers:\n  - "
    jsonschema.validate(yaml.safe_load(head + "split: {sections: [58, 58], as: [a, b]}\n  - slice: {start: 2}"), schema)
    for bad in ("split: {parts: 2}", "split: {parts: 2, sections: [58, 58], as: [a, b]}",
                "split: {parts: 2, as: [a, b], repeat: 2}", "slice: {start: -1}"):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(yaml.safe_load(head + bad), schema)
