"""costcalc export --to onnx: every shipped design as a model that the ONNX checker accepts, whose shapes are
costcalc's at every layer, that onnxruntime runs, and whose weights are costcalc's parameters exactly."""

import importlib.util
import json
import math
import os
import subprocess
import sys

import pytest
from conftest import EXPORTABLE, ROOT, SPECS, run

import costcalc

onnx = pytest.importorskip("onnx", reason="export --to onnx needs the onnx extra: pip install 'costcalc[onnx]'")

from costcalc.bridges.onnx_export import nchw  # noqa: E402  after the skip: the module's functions need onnx

LARGE = 10_000_000
"""Designs above this many parameters (the ResNets, VGGs, Inception v3, ConvNeXt) take 5 to 60 s each to write with
values and run; they are written with `--weights none` (shapes, no values) and checked but not run, unless
COSTCALC_EXPORT_ALL=1 (docs/bridges.md). The smaller ones and tests/data/every_kind.yaml use every kind they use."""

SHIPPED = EXPORTABLE + [ROOT / "tests" / "data" / "every_kind.yaml"]


def designs():
    for path in SHIPPED:
        analysis = costcalc.analyze(costcalc.load(str(path)))
        for design in analysis.designs:
            run = design.total.params <= LARGE or bool(os.environ.get("COSTCALC_EXPORT_ALL"))
            yield pytest.param(path, design.name, run, id=f"{path.relative_to(ROOT)}:{design.name}")


def export(tmp_path, spec, *flags: str, name: str = "model.onnx"):
    out = tmp_path / name
    result = run("export", str(spec), "--to", "onnx", "-o", str(out), *flags)
    assert (result.code, result.out, result.err) == (0, "", "")
    return out


@pytest.mark.parametrize(("spec", "design", "runs"), list(designs()))
def test_every_shipped_design_exports_exactly(tmp_path, spec, design, runs):
    import numpy
    import onnxruntime

    counted = costcalc.analyze(costcalc.load(str(spec))).design(design)
    path = export(tmp_path, spec, "--design", design, "--weights", "zeros" if runs else "none")
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version >= 17
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True).graph
    shapes = {value.name: [d.dim_value for d in value.type.tensor_type.shape.dim]
              for value in [*inferred.value_info, *inferred.output]}
    rows = [row for row in counted.rows if row.role in ("layer", "merge")]
    assert {row.path: shapes[row.path] for row in rows} == {row.path: nchw(row.output) for row in rows}
    weights = [tensor.dims for tensor in model.graph.initializer] or [
        [d.dim_value for d in value.type.tensor_type.shape.dim] for value in model.graph.input[1:]]
    assert sum(math.prod(dims) for dims in weights) == counted.total.params
    if not runs:
        return
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (output,) = session.run(None, {"input": numpy.zeros(nchw(counted.input), numpy.float32)})
    assert list(output.shape) == nchw(counted.output)


def test_two_exports_are_byte_identical_and_random_is_not_zeros(tmp_path):
    spec = SPECS / "googlenet_3a.yaml"
    first, second = export(tmp_path, spec, name="a.onnx"), export(tmp_path, spec, name="b.onnx")
    zeros = export(tmp_path, spec, "--weights", "zeros", name="z.onnx")
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != zeros.read_bytes()
    weights = onnx.numpy_helper.to_array(onnx.load(str(first)).graph.initializer[0])
    assert weights.std() > 0


def test_nodes_are_named_by_the_layers_paths(tmp_path, spec_file):
    spec = spec_file("input: [8, 8, 3]\nlayers:\n  - conv: {filters: 4, kernel: 3, activation: relu6, name: stem}\n"
                     "  - branches: {a: [layernorm], b: []}\n    merge: add\n    name: res\n  - global_avgpool\n")
    model = onnx.load(str(export(tmp_path, spec)))
    assert [(node.name, node.op_type) for node in model.graph.node] == [
        ("stem", "Conv"), ("stem:min", "Constant"), ("stem:max", "Constant"), ("stem:Clip", "Clip"),
        ("res/a/layernorm1:Transpose", "Transpose"), ("res/a/layernorm1", "LayerNormalization"),
        ("res/a/layernorm1:Transpose~2", "Transpose"), ("res/add", "Add"),
        ("global_avgpool3", "GlobalAveragePool"), ("global_avgpool3:Flatten", "Flatten")]
    assert [list(node.output) for node in model.graph.node if node.op_type in ("Clip", "Add", "Flatten")] == [
        ["stem"], ["res/add"], ["global_avgpool3"]]
    assert [list(node.input) for node in model.graph.node if node.op_type == "Add"] == [["res/a/layernorm1", "stem"]]
    value = model.graph.input[0]
    assert (value.name, [d.dim_value for d in value.type.tensor_type.shape.dim]) == ("input", [1, 3, 8, 8])


def test_batchnorm_holds_four_weights_named_as_pytorch_names_them(tmp_path, spec_file):
    spec = spec_file("input: [8, 8, 3]\nlayers:\n  - conv: {filters: 4, kernel: 3, bias: false, name: c}\n"
                     "  - batchnorm: {name: bn}\n  - batchnorm: {scale: false, name: bn2}\n")
    model = onnx.load(str(export(tmp_path, spec)))
    assert [(t.name, list(t.dims)) for t in model.graph.initializer] == [
        ("c.weight", [4, 3, 3, 3]), ("bn.weight", [4]), ("bn.bias", [4]), ("bn.running_mean", [4]),
        ("bn.running_var", [4]), ("bn2.bias", [4]), ("bn2.running_mean", [4]), ("bn2.running_var", [4])]
    report = json.loads(run("report", spec, "--format", "json").out)["designs"][0]["totals"]
    assert (report["trainable_params"], report["non_trainable_params"]) == (108 + 8 + 4, 16)


def test_figures_go_on_each_node_and_into_a_netron_attachment(tmp_path):
    spec = SPECS / "bottleneck_5x5.yaml"
    path = export(tmp_path, spec, "--design", "bottleneck", "--figures", "--device", "a100")
    nodes = {node.name: {entry.key: entry.value for entry in node.metadata_props}
             for node in onnx.load(str(path)).graph.node}
    report = run("report", str(spec), "-d", "bottleneck", "--memory", "--device", "a100", "--format", "json")
    for row in json.loads(report.out)["designs"][0]["rows"]:
        assert nodes[row["path"]] == {
            "costcalc.macs": f"{row['macs']:,}", "costcalc.flops": f"{row['flops']:,}",
            "costcalc.params": f"{row['params']:,}", "costcalc.bytes_moved": f"{row['bytes_moved']:,}",
            "costcalc.latency_ns.a100": f"{math.ceil(row['latency_s'] * 1e9):,} ({row['bound']})"}
    assert nodes["conv1"]["costcalc.latency_ns.a100"] == "5,496 (compute)"
    attachment = json.loads((tmp_path / "model.netron.json").read_text())
    assert attachment["signature"] == "netron:attachment"
    assert attachment["metrics"][0] == {"kind": "node", "target": "conv1", "name": "costcalc.macs",
                                        "value": "2,408,448"}
    assert {(item["target"], item["name"]): item["value"] for item in attachment["metrics"]} == {
        (path, name): value for path, entries in nodes.items() for name, value in entries.items() if entries}


def test_without_figures_no_attachment_and_no_metadata(tmp_path):
    path = export(tmp_path, SPECS / "bottleneck_5x5.yaml")
    assert not (tmp_path / "model.netron.json").exists()
    assert all(not node.metadata_props for node in onnx.load(str(path)).graph.node)


def test_without_onnx_export_says_what_to_install(tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnx" else real(name, *a))
    result = run("export", str(SPECS / "bottleneck_5x5.yaml"), "--to", "onnx", "-o", str(tmp_path / "m.onnx"))
    assert (result.code, result.err) == (2, "export --to onnx needs the onnx package: pip install 'costcalc[onnx]'\n")
    assert not (tmp_path / "m.onnx").exists()


@pytest.mark.parametrize(("flags", "message"), [
    (["--to", "pytorch", "-o", "m.py", "--weights", "zeros"], "--weights is for --to onnx"),
    (["--to", "onnx", "-o", "m.onnx", "--device", "a100"], "--device sets the figures: add --figures"),
    (["--to", "onnx", "-o", "-"], "--output -: an ONNX model is binary; name a .onnx file"),
])
def test_flags_that_do_not_fit_are_usage_errors(spec_file, flags, message):
    result = run("export", spec_file("input: [4]\nlayers: [dense: {units: 2}]\n"), *flags)
    assert result.code == 2 and result.err.endswith(f"Error: {message}\n")


def test_an_unwritable_output_is_one_line(spec_file):
    result = run("export", spec_file("input: [4]\nlayers: [dense: {units: 2}]\n"), "--to", "onnx", "-o",
                 "no/such/m.onnx")
    assert (result.code, result.err) == (2, "no/such/m.onnx: cannot write: No such file or directory\n")


def test_the_exporter_imports_onnx_only_when_it_exports():
    script = "import sys\nimport costcalc.bridges.onnx_export\nprint('onnx' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout == "False False\n"


def test_set_and_input_export_the_design_the_report_shows(tmp_path):
    spec, flags = SPECS / "zoo" / "mobilenet_keras.yaml", ["--set", "alpha=0.25", "--input", "96,96,3"]
    model = onnx.load(str(export(tmp_path, spec, *flags, "--weights", "zeros")))
    totals = json.loads(run("report", str(spec), *flags, "--format", "json").out)["designs"][0]["totals"]
    # Keras 3.15's MobileNet(alpha=0.25, input_shape=(96, 96, 3)) counts 475,544
    assert sum(math.prod(tensor.dims) for tensor in model.graph.initializer) == totals["params"] == 475_544
    assert [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim] == [1, 3, 96, 96]


def test_a_design_of_several_outputs_names_each_graph_output_as_outputs_does(tmp_path, spec_file):
    spec = spec_file("input: [8, 8, 3]\noutputs: [p5, p4, head]\nlayers:\n"
                     "  - conv: {filters: 4, kernel: 3, stride: 2, name: p4, as: c4}\n"
                     "  - conv: {filters: 4, kernel: 1, name: head, as: p5}\n"
                     "  - conv: {filters: 4, kernel: 3, from: c4, as: p4}\n"
                     "  - maxpool: {size: 1, stride: 2, from: p5, as: head}\n")
    model = onnx.load(str(export(tmp_path, spec)))
    onnx.checker.check_model(model, full_check=True)
    assert [(o.name, [d.dim_value for d in o.type.tensor_type.shape.dim]) for o in model.graph.output] == [
        ("p5", [1, 4, 4, 4]), ("p4~2", [1, 4, 4, 4]), ("head~2", [1, 4, 2, 2])]  # p4 and head are layers' paths
    assert [(node.name, list(node.input), list(node.output)) for node in model.graph.node
            if node.op_type == "Identity"] == [("head:output", ["head"], ["p5"]), ("conv3:output", ["conv3"], ["p4~2"]),
                                               ("maxpool4:output", ["maxpool4"], ["head~2"])]
    onnxruntime = pytest.importorskip("onnxruntime", reason="running the model needs onnxruntime (a test extra)")
    session = onnxruntime.InferenceSession(str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"])
    found = session.run(None, {"input": [[[[0.5] * 8] * 8] * 3]})
    assert [o.name for o in session.get_outputs()] == ["p5", "p4~2", "head~2"]
    assert [list(value.shape) for value in found] == [[1, 4, 4, 4], [1, 4, 4, 4], [1, 4, 2, 2]]


def test_fpn_outputs_are_named_as_torchvision_names_them(tmp_path):
    model = onnx.load(str(export(tmp_path, SPECS / "torchvision" / "fpn.yaml", "--weights", "none")))
    assert [o.name for o in model.graph.output] == ["0", "1", "2", "3", "pool"]


def test_a_layer_named_like_a_helper_node_keeps_its_name(tmp_path, spec_file):
    spec = spec_file("input: [8, 8, 3]\nlayers:\n  - conv: {filters: 4, kernel: 3, activation: relu, name: a}\n"
                     "  - relu: {name: 'a:Relu'}\n  - relu: {name: output}\n")
    model = onnx.load(str(export(tmp_path, spec)))
    onnx.checker.check_model(model, full_check=True)
    assert [(node.name, list(node.output)) for node in model.graph.node] == [
        ("a", ["a:Conv"]), ("a:Relu~2", ["a"]), ("a:Relu", ["a:Relu"]), ("output", ["output"])]


def test_an_adaptive_pool_to_one_by_one_is_a_global_pool_as_torch_onnx_writes_it(tmp_path, spec_file):
    """onnxruntime runs an AveragePool of the map's size on channels off its NCHWc blocks about 40 times slower than
    a GlobalAveragePool (232 µs at 28×28×104, onnxruntime 1.32): the export writes what torch.onnx writes for
    AdaptiveAvgPool2d(1), and the means and maxima are those of the map."""
    numpy = pytest.importorskip("numpy")
    onnxruntime = pytest.importorskip("onnxruntime")
    spec = spec_file("input: [6, 4, 3]\nlayers:\n  - branches:\n      mean: [{adaptive_avgpool: {output: 1}}]\n"
                     "      max: [{adaptive_maxpool: {output: 1}}]\n"
                     "      halves: [{adaptive_avgpool: {output: [2, 1]}}, {adaptive_avgpool: {output: 1}}]\n"
                     "    merge: concat\n")
    model = onnx.load(str(export(tmp_path, spec)))
    assert [node.op_type for node in model.graph.node if "Pool" in node.op_type] == [
        "GlobalAveragePool", "GlobalMaxPool", "AveragePool", "GlobalAveragePool"]
    x = numpy.random.default_rng(1).standard_normal((1, 3, 6, 4)).astype(numpy.float32)
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (y,) = session.run(None, {model.graph.input[0].name: x})
    mean, top = x.mean(axis=(2, 3), keepdims=True), x.max(axis=(2, 3), keepdims=True)
    assert numpy.allclose(y, numpy.concatenate([mean, top, mean], axis=1), atol=1e-6)
