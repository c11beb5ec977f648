"""Several named outputs (format 1.2, `outputs:`): each reported with its shape, totals over the whole graph, a layer
no output needs refused; and torchvision's ResNet FPN backbones written so, exact."""

import csv
import json

import pytest
from conftest import ROOT, assert_refused, run

from costcalc import analyze, load, loads

PYRAMID = """\
input: [64, 64, 3]
outputs: [c1, c2, top]
layers:
  - conv: {filters: 8, kernel: 3, stride: 2, as: c1}
  - conv: {filters: 16, kernel: 3, stride: 2, as: c2}
  - maxpool: {size: 1, stride: 2, as: top}
"""
SHAPES = {"c1": (32, 32, 8), "c2": (16, 16, 16), "top": (8, 8, 16)}


def design(text: str, shape=None):
    return analyze(loads(text, "spec.yaml"), shape).designs[0]


def test_each_output_has_its_shape_and_the_totals_are_the_whole_graph():
    found = design(PYRAMID)
    assert found.outputs == SHAPES
    assert found.output == (32, 32, 8)  # the first, for code that reads one shape
    assert found.total.macs == 32 * 32 * 8 * 27 + 16 * 16 * 16 * 72
    assert found.total.params == 8 * 28 + 16 * 73


def test_a_spec_without_outputs_means_what_it_meant():
    plain = design(PYRAMID.replace("outputs: [c1, c2, top]\n", ""))
    assert plain.outputs == {} and plain.output == (8, 8, 16)
    assert plain.total == design(PYRAMID).total


def test_outputs_per_design():
    text = ("input: [8, 8, 3]\noutputs: {two: [a, b]}\ndesigns:\n  one: [relu]\n"
            "  two:\n    - relu: {as: a}\n    - conv: {filters: 4, kernel: 1, as: b}\n")
    one, two = analyze(loads(text, "spec.yaml")).designs
    assert (one.outputs, one.output) == ({}, (8, 8, 3))
    assert two.outputs == {"a": (8, 8, 3), "b": (8, 8, 4)}


def test_the_report_lists_the_outputs_in_text_json_and_csv(spec_file):
    path = spec_file(PYRAMID)
    text = run("report", path).out
    assert text.splitlines()[0] == "main: 64×64×3 → 3 outputs"
    assert "Outputs: c1 32×32×8, c2 16×16×16, top 8×8×16" in text.splitlines()
    data = json.loads(run("report", path, "--format", "json").out)["designs"][0]
    assert data["output"] is None
    assert data["outputs"] == {name: list(shape) for name, shape in SHAPES.items()}
    total = list(csv.DictReader(run("report", path, "--format", "csv").out.splitlines()))[-1]
    assert total["output"] == "c1:32x32x8 c2:16x16x16 top:8x8x16"


@pytest.mark.parametrize("command, flags", [("report", ()), ("report", ("--receptive-field",)),
                                            ("report", ("--memory",)), ("compare", ("--device", "a100"))])
def test_the_json_holds_to_its_schema(spec_file, command, flags):
    import jsonschema

    schema = json.loads((ROOT / "costcalc" / "schemas" / f"output-{command}.schema.json").read_text(encoding="utf-8"))
    data = json.loads(run(command, spec_file(PYRAMID), *flags, "--format", "json").out)
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["designs"][0]["outputs"]["c2"] == [16, 16, 16]


def test_compare_check_diff_and_sweep_take_several_outputs(spec_file):
    path = spec_file(PYRAMID.replace("input: [64, 64, 3]", "params: {side: 64}\ninput: [$side, $side, 3]"))
    compared = run("compare", path)
    assert compared.code == 0 and "main's outputs: c1 32×32×8, c2 16×16×16, top 8×8×16" in compared.out
    data = json.loads(run("compare", path, "--format", "json").out)["designs"][0]
    assert data["outputs"]["top"] == [8, 8, 16]
    assert run("check", path, "--max-macs", "1M").code == 0
    assert run("check", path, "--max-macs", "100K").code == 1
    assert run("diff", path, path).code == 0
    swept = run("sweep", path, "--vary", "side=32,64", "--format", "json")
    assert swept.code == 0, swept.err


def test_each_output_s_receptive_field_is_on_its_row(spec_file):
    out = run("report", spec_file(PYRAMID), "--receptive-field").out
    assert "each output's receptive field is on its row: c1 (conv1), c2 (conv2), top (maxpool3)" in out


def test_every_output_stays_live_to_the_end():
    from costcalc.device.traffic import memory

    live = memory(design(PYRAMID)).live
    # while the maxpool runs: c1 (8,192) and c2 (4,096) wait for the end beside its own output (1,024)
    assert live["maxpool3"] == 4 * (8192 + 4096 + 1024)


ERRORS = {
    "a layer no output needs": (
        PYRAMID + "  - relu\n",
        "spec.yaml:7:5: relu4 feeds none of the outputs (c1, c2, top); name its tensor with as: and list it in"
        " outputs:, or remove it"),
    "two layers no output needs": (
        PYRAMID.replace("[c1, c2, top]", "[c1, top]").replace("stride: 2, as: c2}", "stride: 2}")
        .replace("stride: 2, as: top}", "stride: 2, as: top, from: c1}"),
        "spec.yaml:5:5: conv2 feeds none of the outputs (c1, top); name its tensor with as: and list it in outputs:,"
        " or remove it"),
    "an unknown tensor": (
        PYRAMID.replace("top]", "tp]"), "spec.yaml:2:19: unknown tensor 'tp' in outputs; did you mean 'top'?"),
    "a tensor named inside a block": (
        "input: [8, 8, 3]\noutputs: [inner]\nblocks:\n  b: {layers: [relu: {as: inner}]}\nlayers: [b]\n",
        "spec.yaml:2:11: output 'inner' (named at line 4) is no tensor of the design's own list: it is inside a"
        " block or branch, or switched off by when:; give the block call or branches `as:` and list that name"),
    "a tensor switched off": (
        PYRAMID.replace("as: top}", "as: top, when: false}"),
        "spec.yaml:2:19: output 'top' (named at line 6) is no tensor of the design's own list: it is inside a"
        " block or branch, or switched off by when:; give the block call or branches `as:` and list that name"),
    "a layer's name": (
        "input: [8, 8, 3]\noutputs: [act]\nlayers:\n  - relu: {name: act}\n",
        "spec.yaml:2:11: unknown tensor 'act'; the layer at line 4 has name: 'act', which names its row in the tables;"
        " give it `as: act`"),
    "an output listed twice": (
        PYRAMID.replace("top]", "top, c1]"), "spec.yaml:2:24: output 'c1' is listed twice; first at line 2"),
    "the input": (
        PYRAMID.replace("[c1,", "[input, c1,"), "spec.yaml:2:11: 'input' is the design's input, not one of its"
        " outputs; list tensors that layers give, named with as:"),
    "an empty list": (
        PYRAMID.replace("[c1, c2, top]", "[]"), "spec.yaml:2:10: outputs is a list of one or more tensor names, got"
        " []; write outputs: [p2, p3], naming tensors given with as:"),
    "a design that is not there": (
        PYRAMID.replace("outputs: [c1, c2, top]", "outputs: {mian: [c1, c2, top]}"),
        "spec.yaml:2:11: outputs: 'mian' is not a design; did you mean 'main'?"),
    "a number": (
        PYRAMID.replace("[c1, c2, top]", "[c1, 3]"), "spec.yaml:2:15: an output is the name of a tensor, got 3;"
        " name a layer's output with `as: name`, then list the name in outputs:"),
}


@pytest.mark.parametrize("text, message", ERRORS.values(), ids=ERRORS.keys())
def test_errors(spec_file, text, message):
    assert_refused(spec_file, text, message)


def test_the_docs_example_gives_what_the_docs_say(spec_file):
    docs = (ROOT / "docs" / "spec-format.md").read_text(encoding="utf-8")
    section = docs[docs.index("### Several outputs"):]
    example = section.split("```yaml\n")[1].split("```")[0]
    found = design(example)
    assert found.outputs == {"p4": (112, 112, 32), "p5": (56, 56, 32), "pool": (28, 28, 32)}
    assert "`Outputs: p4 112×112×32, p5 56×56×32,\npool 28×28×32`" in section
    result = run("report", spec_file(example + "  - relu\n"))
    assert f"`{result.err.split(': ', 1)[1].strip()}`" in " ".join(section.split())


# --- torchvision's resnet_fpn_backbone, tests/data/reference/fpn.tsv -----------------------------------------

FPN = ROOT / "specs" / "torchvision" / "fpn.yaml"
REFERENCE = ROOT / "tests" / "data" / "reference" / "fpn.tsv"


def reference() -> list[dict]:
    lines = [line for line in REFERENCE.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def test_the_reference_says_where_it_comes_from():
    header = [line for line in REFERENCE.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert "torch 2.14.1" in header[0] and "torchvision 0.29.1" in header[0] and "fvcore" in header[0]
    assert "tools/recount_torchvision.py --fpn" in header[0]


@pytest.mark.parametrize("row", reference(), ids=lambda row: f"{row['model']}-{row['input']}")
def test_the_fpn_backbones_are_torchvision_s(row):
    """Trainable and frozen parameters (FrozenBatchNorm2d's four vectors, conv1 and layer1), fvcore's conv MACs and
    its nearest-upsampling count, and each of the five outputs, at 224 and 197."""
    side = int(row["input"])
    spec = load(str(FPN))
    found = analyze(spec, (side, side, 3), designs=[f"{row['model']}_fpn"], convention="fvcore").designs[0]
    assert (found.total.trainable_params, found.total.non_trainable_params) == (
        int(row["trainable"]), int(row["non_trainable"]))
    assert found.total.macs == found.breakdown["conv"] == int(row["conv_macs"])
    assert found.breakdown["resize"] == int(row["upsample_nearest"])
    # fvcore's total is conv + upsampling: FrozenBatchNorm2d's multiply and add are no batch_norm to it
    assert int(row["fvcore_total"]) == int(row["conv_macs"]) + int(row["upsample_nearest"])
    outputs = dict(item.split(":") for item in row["outputs"].split(","))
    assert {name: "x".join(map(str, shape)) for name, shape in found.outputs.items()} == outputs


# --- Bridges ------------------------------------------------------------------------------------------------


def exported(spec_file, target: str) -> str:
    result = run("export", spec_file(PYRAMID), "--to", target, "-o", "-")
    assert (result.code, result.err) == (0, ""), result.err
    return result.out


def test_pytorch_and_keras_code_return_the_outputs_by_name(spec_file):
    pytorch = exported(spec_file, "pytorch")
    assert "        return {'c1': conv1, 'c2': conv2, 'top': maxpool3}" in pytorch.splitlines()
    keras = exported(spec_file, "keras")
    assert "    return keras.Model(x, {'c1': conv1, 'c2': conv2, 'top': maxpool3}, name='main')" in keras.splitlines()


def test_the_pytorch_code_gives_each_output_in_pytorch(spec_file):
    torch = pytest.importorskip("torch", reason="torch is not installed: tests/data/reference/exports.tsv stands in")
    namespace: dict = {"__name__": "exported"}
    exec(exported(spec_file, "pytorch"), namespace)
    out = namespace["Model"]().eval()(torch.zeros(namespace["INPUT"]))
    assert {name: (*y.shape[2:], y.shape[1]) for name, y in out.items()} == SHAPES


def test_onnx_export_has_a_graph_output_per_output_and_import_reads_them_back(spec_file, tmp_path):
    onnx = pytest.importorskip("onnx")
    path = tmp_path / "pyramid.onnx"
    assert run("export", spec_file(PYRAMID), "--to", "onnx", "-o", str(path)).code == 0
    graph = onnx.load(str(path)).graph
    assert [(o.name, [d.dim_value for d in o.type.tensor_type.shape.dim]) for o in graph.output] == [
        ("c1", [1, 8, 32, 32]), ("c2", [1, 16, 16, 16]), ("top", [1, 16, 8, 8])]  # named as outputs: names them
    result = run("import", str(path))
    assert result.code == 0, result.err
    assert "outputs: [c1, c2, top]" in result.out.splitlines()
    back = analyze(loads(result.out)).designs[0]
    assert back.outputs == SHAPES
    assert back.total == design(PYRAMID).total


def test_onnx_import_refuses_an_output_that_is_the_input(spec_file, tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    value = lambda name, shape: helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)  # noqa: E731
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [value("x", [1, 3, 8, 8])],
                              [value("y", [1, 3, 8, 8]), value("x", [1, 3, 8, 8])])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    result = run("import", str(path))
    assert (result.code, result.err) == (2, f"{path}: the output 'x' is not computed by any layer costcalc counts\n")


def keras_model(output_layers) -> str:
    """A Keras 3 functional model's JSON (as model.to_json() writes it): two convs, ending in `output_layers`."""
    def conv(name: str, source: str, filters: int) -> dict:
        history = {"class_name": "__keras_tensor__", "config": {"shape": [], "keras_history": [source, 0, 0]}}
        config = {"name": name, "trainable": True, "filters": filters, "kernel_size": [3, 3], "strides": [1, 1],
                  "padding": "valid", "dilation_rate": [1, 1], "groups": 1, "activation": "linear", "use_bias": True,
                  "data_format": "channels_last"}
        return {"module": "keras.layers", "class_name": "Conv2D", "config": config, "name": name,
                "inbound_nodes": [{"args": [history], "kwargs": {}}]}

    first = {"class_name": "InputLayer", "config": {"batch_shape": [None, 16, 16, 3], "name": "input"},
             "name": "input", "inbound_nodes": []}
    return json.dumps({"module": "keras", "class_name": "Functional", "config": {
        "name": "m", "layers": [first, conv("conv2d", "input", 4), conv("conv2d_1", "conv2d", 8)],
        "input_layers": [["input", 0, 0]], "output_layers": output_layers}})


@pytest.mark.parametrize("ends, names", [
    ([["conv2d", 0, 0], ["conv2d_1", 0, 0]], "[conv2d, conv2d_1]"),           # keras.Model(x, [a, b])
    ({"a": ["conv2d", 0, 0], "b": ["conv2d_1", 0, 0]}, "[a, b]"),              # keras.Model(x, {"a": a, "b": b})
], ids=["list", "dict"])
def test_keras_import_of_several_outputs_writes_outputs(tmp_path, ends, names):
    path = tmp_path / "m.json"
    path.write_text(keras_model(ends))
    result = run("import", str(path))
    assert result.code == 0, result.err
    assert f"outputs: {names}" in result.out.splitlines()
    assert list(analyze(loads(result.out)).designs[0].outputs.values()) == [(14, 14, 4), (12, 12, 8)]


def test_a_torch_module_that_returns_a_dict_imports_with_its_outputs():
    torch = pytest.importorskip("torch", reason="torch is not installed")
    from costcalc.bridges.framework import import_torch

    class Pyramid(torch.nn.Module):  # as torchvision's FPN: an OrderedDict of levels, '0' the finest
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 8, 3, stride=2, padding=1)

        def forward(self, x):
            y = self.conv(x)
            return {"0": y, "pool": torch.nn.functional.max_pool2d(y, 1, 2)}

    text = import_torch(Pyramid(), (16, 16, 3)).text
    assert "outputs: [output_0, pool]" in text.splitlines()
    assert analyze(loads(text)).designs[0].outputs == {"output_0": (8, 8, 8), "pool": (4, 4, 8)}
