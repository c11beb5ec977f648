"""costcalc import of ONNX graphs built here with onnx.helper: one or a few operators each, with the spec
line, parameters and MACs worked out by hand; the refusals; weights given as graph inputs."""

from __future__ import annotations

import sys

import pytest
from conftest import run

import costcalc

onnx = pytest.importorskip("onnx")
import numpy as np  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

X = "x"


def weight(name: str, *shape, value=None):
    data = np.full(shape, 0.5, dtype=np.float32) if value is None else np.asarray(value)
    return numpy_helper.from_array(data, name)


def model(nodes, inits=(), shape=(1, 3, 8, 8), out="y", opset=17, as_inputs=False):
    """A model whose input is `x` of `shape`; with `as_inputs`, its weights are graph inputs with shapes and no
    values (as torch.onnx.export(export_params=False) writes them)."""
    inputs = [helper.make_tensor_value_info(X, TensorProto.FLOAT, list(shape))]
    if as_inputs:
        inputs += [helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in inits]
        inits = ()
    graph = helper.make_graph(nodes, "g", inputs, [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)],
                              initializer=list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def imported(tmp_path, onnx_model, name="m"):
    """(the spec's layer lines, its totals) after `costcalc import`."""
    path = tmp_path / f"{name}.onnx"
    onnx.save(onnx_model, path)
    result = run("import", str(path))
    assert (result.code, result.err) == (0, ""), result.err
    total = costcalc.analyze(costcalc.loads(result.out)).designs[0].total
    layers = [line[4:] for line in result.out.splitlines() if line.startswith("  - ")]
    return layers, (total.trainable_params, total.non_trainable_params, total.macs)


def refusal(tmp_path, onnx_model):
    path = tmp_path / "m.onnx"
    onnx.save(onnx_model, path)
    result = run("import", str(path))
    assert (result.code, result.out) == (2, "")
    return result.err.replace(str(path), "m.onnx")


def node(op, inputs, output="y", name="", **attrs):
    return helper.make_node(op, inputs, [output], name=name, **attrs)


def test_a_conv_with_stride_padding_and_bias(tmp_path):
    conv = node("Conv", [X, "w", "b"], name="/features/features.0/Conv", strides=[2, 2], pads=[1, 1, 1, 1],
                kernel_shape=[3, 3])
    layers, totals = imported(tmp_path, model([conv], [weight("w", 8, 3, 3, 3), weight("b", 8)]))
    assert layers == ["conv: {filters: 8, kernel: 3, stride: 2, padding: 1, bias: true, name: features.0}"]
    assert totals == (8 * 27 + 8, 0, 4 * 4 * 8 * 27)


def test_groups_dilation_asymmetric_pads_and_auto_pad(tmp_path):
    nodes = [node("Conv", [X, "w1"], "a", group=3, kernel_shape=[3, 3], dilations=[2, 2], pads=[2, 1, 2, 1]),
             node("Conv", ["a", "w2"], "b", group=3, auto_pad="SAME_UPPER", strides=[2, 2]),
             node("Conv", ["b", "w3"], "y", group=2, auto_pad="VALID")]
    inits = [weight("w1", 6, 1, 3, 3), weight("w2", 6, 2, 3, 3), weight("w3", 4, 3, 1, 1)]
    layers, totals = imported(tmp_path, model(nodes, inits, shape=(1, 3, 9, 9)))
    assert layers == ["depthwise: {kernel: 3, dilation: 2, padding: [2, 1], multiplier: 2, bias: false}",
                      "conv: {filters: 6, kernel: 3, stride: 2, padding: same, groups: 3, bias: false}",
                      "conv: {filters: 4, kernel: 1, padding: valid, groups: 2, bias: false}"]
    # 9×9 → (9 + 4 − 4 − 1) + 1 = 9 rows, (9 + 2 − 5) + 1 = 7 columns; same at stride 2: 5×4
    assert totals == (6 * 9 + 6 * 2 * 9 + 4 * 3, 0, 9 * 7 * 6 * 9 + 5 * 4 * 6 * 2 * 9 + 5 * 4 * 4 * 3)


def test_conv_transpose_with_output_padding(tmp_path):
    convt = node("ConvTranspose", [X, "w", "b"], strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1],
                 kernel_shape=[3, 3])
    layers, totals = imported(tmp_path, model([convt], [weight("w", 3, 5, 3, 3), weight("b", 5)], shape=(1, 3, 4, 4)))
    assert layers == ["conv_transpose: {filters: 5, kernel: 3, stride: 2, padding: 1, output_padding: 1, bias: true}"]
    assert totals == (3 * 5 * 9 + 5, 0, 4 * 4 * 3 * 5 * 9)


def test_batchnorm_running_statistics_are_not_trainable(tmp_path):
    bn = node("BatchNormalization", [X, "s", "b", "m", "v"])
    layers, totals = imported(tmp_path, model([bn], [weight(n, 3) for n in "sbmv"]))
    assert (layers, totals) == (["batchnorm"], (6, 6, 0))


def test_pooled_flattened_and_a_linear_layer(tmp_path):
    nodes = [node("GlobalAveragePool", [X], "p"), node("Flatten", ["p"], "f"),
             node("Gemm", ["f", "w", "b"], transB=1)]
    layers, totals = imported(tmp_path, model(nodes, [weight("w", 10, 3), weight("b", 10)]))
    assert layers == ["global_avgpool: {keepdims: true}", "flatten", "dense: {units: 10, bias: true}"]
    assert totals == (40, 0, 30)


def test_matmul_then_add_is_a_dense_layer_with_its_bias(tmp_path):
    nodes = [node("ReduceMean", [X], "p", axes=[2, 3], keepdims=0), node("MatMul", ["p", "w"], "m"),
             node("Add", ["m", "b"])]
    layers, totals = imported(tmp_path, model(nodes, [weight("w", 3, 7), weight("b", 7)]))
    assert layers == ["global_avgpool: {keepdims: false}", "dense: {units: 7, bias: true}"]
    assert totals == (28, 0, 21)


def test_layernorm_and_linear_between_transposes_as_convnext_writes_them(tmp_path):
    nodes = [node("Transpose", [X], "t", perm=[0, 2, 3, 1]), node("LayerNormalization", ["t", "g", "be"], "n", axis=-1),
             node("MatMul", ["n", "w"], "m"), node("Add", ["m", "b"], "a"), node("Mul", ["a", "gamma"], "s"),
             node("Transpose", ["s"], "y", perm=[0, 3, 1, 2])]
    inits = [weight("g", 3), weight("be", 3), weight("w", 3, 12), weight("b", 12), weight("gamma", 12)]
    layers, totals = imported(tmp_path, model(nodes, inits))
    assert layers == ["layernorm", "dense: {units: 12, bias: true}", "layer_scale"]
    assert totals == (6 + 48 + 12, 0, 64 * 36)


@pytest.mark.parametrize("op, inputs, attrs, kind", [
    ("Relu", [], {}, "relu"), ("LeakyRelu", [], {"alpha": 0.1}, "leaky_relu"), ("Elu", [], {}, "elu"),
    ("Sigmoid", [], {}, "sigmoid"), ("HardSigmoid", [], {}, "hsigmoid"), ("HardSwish", [], {}, "hswish"),
    ("Tanh", [], {}, "tanh"), ("Softmax", [], {"axis": 1}, "softmax"),
    ("Clip", ["zero", "six"], {}, "relu6"), ("Clip", ["zero"], {}, "relu"),
])
def test_activations(tmp_path, op, inputs, attrs, kind):
    inits = [weight("zero", value=np.float32(0)), weight("six", value=np.float32(6))]
    layers, totals = imported(tmp_path, model([node(op, [X, *inputs], **attrs)], inits))
    assert (layers, totals) == ([kind], (0, 0, 0))


def test_gelu_of_opset_20_and_prelu_per_channel(tmp_path):
    nodes = [node("Gelu", [X], "g"), node("PRelu", ["g", "slope"])]
    layers, totals = imported(tmp_path, model(nodes, [weight("slope", 3, 1, 1)], opset=20))
    assert (layers, totals) == (["gelu", "prelu: {slopes: channel}"], (3, 0, 0))


def scalar(name, value):
    return weight(name, value=np.float32(value))


def test_the_erf_form_of_gelu_is_one_gelu(tmp_path):
    nodes = [node("Div", [X, "root2"], "d"), node("Erf", ["d"], "e"), node("Add", ["e", "one"], "p"),
             node("Mul", [X, "p"], "m"), node("Mul", ["m", "half"], "y", name="/block/gelu/Mul_1")]
    inits = [scalar("root2", 1.4142135), scalar("one", 1), scalar("half", 0.5)]
    layers, _ = imported(tmp_path, model(nodes, inits))
    assert layers == ["gelu"]


def test_squeeze_excitation_gating_and_silu(tmp_path):
    nodes = [node("Sigmoid", [X], "s"), node("Mul", [X, "s"], "x1"),  # SiLU
             node("GlobalAveragePool", ["x1"], "p"), node("Conv", ["p", "w1", "b1"], "r"), node("Relu", ["r"], "rr"),
             node("Conv", ["rr", "w2", "b2"], "e"), node("Sigmoid", ["e"], "g"), node("Mul", ["x1", "g"], "y")]
    inits = [weight("w1", 2, 3, 1, 1), weight("b1", 2), weight("w2", 3, 2, 1, 1), weight("b2", 3)]
    layers, totals = imported(tmp_path, model(nodes, inits))
    assert layers == ["silu: {as: t1}", "global_avgpool: {keepdims: true}",
                      "conv: {filters: 2, kernel: 1, padding: 0, bias: true}",
                      "relu", "conv: {filters: 3, kernel: 1, padding: 0, bias: true}", "sigmoid: {as: t6}",
                      "{merge: multiply, from: [t1, t6]}"]
    assert totals == (8 + 9, 0, 12)


def test_scalar_arithmetic_is_rescaling_written_as_yaml_floats(tmp_path):
    nodes = [node("Sub", ["one", X], "a"), node("Mul", ["a", "tiny"], "b"), node("Div", ["b", "big"], "y")]
    inits = [scalar("tiny", 1e-05), scalar("one", 1), scalar("big", 4e20)]
    layers, totals = imported(tmp_path, model(nodes, inits))
    assert layers == ["rescaling: {scale: -1, offset: 1.0}", "rescaling: {scale: 9.999999747378752e-06}",
                      "rescaling: {scale: 2.4999999498978077e-21}"]
    assert totals == (0, 0, 0)


def test_a_scale_then_an_offset_is_one_rescaling_as_keras_exports_it(tmp_path):
    nodes = [node("Mul", [X, "half"], "a"), node("Sub", ["a", "one"], "y", name="rescaling/Sub")]
    layers, _ = imported(tmp_path, model(nodes, [scalar("half", 0.5), scalar("one", 1)]))
    assert layers == ["rescaling: {scale: 0.5, offset: -1.0}"]


def test_floats_without_a_point_are_written_with_one():
    import yaml

    from costcalc.bridges.spec_writer import scalar

    assert [scalar(v) for v in (1e-05, 1e16, 0.5, -2.0)] == ["1.0e-05", "1.0e+16", "0.5", "-2.0"]
    assert yaml.safe_load("[1.0e-05, 1.0e+16]") == [1e-05, 1e16]


def test_pools_with_ceil_mode_and_padding(tmp_path):
    nodes = [node("MaxPool", [X], "a", kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
             node("AveragePool", ["a"], "y", kernel_shape=[2, 2], pads=[0, 0, 1, 1], count_include_pad=1)]
    layers, _ = imported(tmp_path, model(nodes, []))
    assert layers == ["maxpool: {size: 3, stride: 2, padding: 0, ceil_mode: true}",
                      "avgpool: {size: 2, stride: 1, padding: [0, 1, 0, 1]}"]
    text = run("import", str(tmp_path / "m.onnx")).out
    analysis = costcalc.analyze(costcalc.loads(text)).designs[0]
    assert [row.output for row in analysis.rows] == [(4, 4, 3), (4, 4, 3)]  # ceil((8 − 3) / 2) + 1 = 4


def test_skips_are_named_tensors_and_concat_is_on_the_channels(tmp_path):
    nodes = [node("Conv", [X, "w"], "a", name="/a/Conv"), node("Relu", ["a"], "r", name="/r/Relu"),
             node("Add", ["r", X], "s", name="/add/Add"), node("Concat", ["s", "a"], "y", axis=1, name="/cat/Concat")]
    layers, totals = imported(tmp_path, model(nodes, [weight("w", 3, 3, 1, 1)]))
    assert layers == ["conv: {filters: 3, kernel: 1, padding: 0, bias: false, name: a, as: a}",
                      "relu: {name: r, as: r}", "{merge: add, from: [r, input], name: add, as: add}",
                      "{merge: concat, from: [add, a], name: cat}"]
    assert totals == (9, 0, 64 * 9)


def test_channel_shuffle_and_shapes_computed_from_shape(tmp_path):
    nodes = [node("Reshape", [X, "groups"], "g"), node("Transpose", ["g"], "t", perm=[0, 2, 1, 3, 4]),
             node("Reshape", ["t", "back"], "c"),
             node("Shape", ["c"], "shape"), node("Gather", ["shape", "zero"], "n", axis=0),
             node("Unsqueeze", ["n", "axes"], "n1"), node("Concat", ["n1", "minus"], "flat", axis=0),
             node("Reshape", ["c", "flat"])]
    inits = [weight("groups", value=np.array([1, 2, 2, 8, 8])), weight("back", value=np.array([1, 4, 8, 8])),
             weight("zero", value=np.array(0)), weight("axes", value=np.array([0])),
             weight("minus", value=np.array([-1]))]
    layers, _ = imported(tmp_path, model(nodes, inits, shape=(1, 4, 8, 8)))
    assert layers == ["channel_shuffle: {groups: 2}", "flatten"]


def test_resize_pad_dropout_and_identity(tmp_path):
    nodes = [node("Resize", [X, "", "scales"], "r", mode="linear"), node("Resize", ["r", "", "", "sizes"], "s"),
             node("Pad", ["s", "pads"], "p"), node("Identity", ["p"], "i"), node("Dropout", ["i"], "y")]
    inits = [weight("scales", value=np.array([1, 1, 2, 2], dtype=np.float32)),
             weight("sizes", value=np.array([1, 3, 20, 24])), weight("pads", value=np.array([0, 0, 1, 2, 0, 0, 3, 4]))]
    layers, totals = imported(tmp_path, model(nodes, inits))
    assert layers == ["resize: {mode: bilinear, scale: 2}", "resize: {size: [20, 24]}",
                      "zeropad: {padding: [1, 3, 2, 4]}", "dropout"]
    assert totals == (0, 0, 0)


def test_negative_pads_are_a_crop_and_a_scalar_zero_is_a_rescaling(tmp_path):
    """torch's F.pad by negative amounts (costcalc's own PyTorch export of a crop, through torch.onnx.export) crops;
    an Add, Sub or Mul of the scalar 0 is a rescaling (it stopped the import with a ZeroDivisionError)."""
    nodes = [node("Pad", [X, "crops"], "p"), node("Add", ["p", "zero"], "a"), node("Sub", ["a", "zero"], "s"),
             node("Mul", ["s", "zero"], "y")]
    inits = [weight("crops", value=np.array([0, 0, -1, -2, 0, 0, -3, -1])), scalar("zero", 0)]
    layers, totals = imported(tmp_path, model(nodes, inits))
    assert layers == ["crop: {cropping: [1, 3, 2, 1]}", "rescaling: {scale: 1}", "rescaling: {scale: 1}",
                      "rescaling: {scale: 0.0}"]
    assert totals == (0, 0, 0)
    mixed = model([node("Pad", [X, "pads"])], [weight("pads", value=np.array([0, 0, 1, -1, 0, 0, 0, 0]))])
    assert refusal(tmp_path, mixed) == ("m.onnx: cannot import an unnamed node (Pad): it pads [0, 0, 1, -1, 0, 0, 0, "
                                        "0]; costcalc pads height and width only, or crops them (negative pads: "
                                        "torch's F.pad), not both in one\n")


def test_a_resize_of_height_and_width_alone_and_a_shuffle_that_keeps_the_batch(tmp_path):
    """As costcalc's exporter writes them since they run at any batch: sizes for axes 2 and 3, reshapes by 0."""
    nodes = [node("Resize", [X, "", "", "sizes"], "s", axes=[2, 3]), node("Resize", ["s", "", "scales"], "r",
                                                                            axes=[-2, -1], mode="linear"),
             node("Reshape", ["r", "groups"], "g"), node("Transpose", ["g"], "t", perm=[0, 2, 1, 3, 4]),
             node("Reshape", ["t", "back"], "y")]
    inits = [weight("sizes", value=np.array([6, 10])), weight("scales", value=np.array([2, 2], dtype=np.float32)),
             weight("groups", value=np.array([0, 2, 2, 12, 20])), weight("back", value=np.array([0, 4, 12, 20]))]
    layers, _ = imported(tmp_path, model(nodes, inits, shape=(1, 4, 8, 8), opset=21))
    assert layers == ["resize: {size: [6, 10]}", "resize: {mode: bilinear, scale: 2}", "channel_shuffle: {groups: 2}"]
    onnx_model = model([node("Resize", [X, "", "", "sizes"], "y", axes=[1, 2])], [weight("sizes", value=[6, 10])],
                       opset=21)
    assert refusal(tmp_path, onnx_model) == ("m.onnx: cannot import an unnamed node (Resize): it resizes along axes "
                                             "[1, 2]; costcalc resizes height and width\n")


def test_a_channels_last_input_as_tf2onnx_writes_keras_models(tmp_path):
    nodes = [node("Transpose", [X], "t", perm=[0, 3, 1, 2]), node("Conv", ["t", "w"], "y", kernel_shape=[3, 3])]
    path = tmp_path / "m.onnx"
    onnx.save(model(nodes, [weight("w", 4, 3, 3, 3)], shape=(1, 10, 12, 3)), path)
    text = run("import", str(path)).out
    assert "input: [10, 12, 3]\n" in text
    assert costcalc.analyze(costcalc.loads(text)).designs[0].output == (8, 10, 4)


def test_weights_given_as_graph_inputs_without_values(tmp_path):
    nodes = [node("Conv", [X, "w"], "c", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             node("BatchNormalization", ["c", "s", "b", "m", "v"], "n"), node("Relu", ["n"])]
    inits = [weight("w", 16, 3, 3, 3), *[weight(n, 16) for n in "sbmv"]]
    layers, totals = imported(tmp_path, model(nodes, inits, as_inputs=True))
    assert layers == ["conv: {filters: 16, kernel: 3, padding: 1, bias: false}", "batchnorm", "relu"]
    assert totals == (16 * 27 + 32, 32, 64 * 16 * 27)


def test_what_cannot_be_expressed_is_refused_in_one_line_with_how_many_more(tmp_path):
    nodes = [node("Split", [X, "sizes"], "a", name="/stage2/Split", axis=2), node("Relu", ["a"], "b"),
             node("Split", ["b", "sizes2"], "c", axis=1), node("LSTM", ["c"], "y")]
    inits = [weight("sizes", value=np.array([6, 2])), weight("sizes2", value=np.array([1, 1]))]
    onnx_model = model(nodes, inits)
    onnx_model.graph.node[0].output.append("a2")
    assert refusal(tmp_path, onnx_model) == (
        "m.onnx: cannot import node '/stage2/Split' (Split): it works along axis 2 of [1, 3, 8, 8], not along the "
        "channels, which costcalc cannot express; and 1 more node (LSTM ×1)\n")


@pytest.mark.parametrize("nodes, inits, message", [
    ([node("Clip", [X, "lo", "hi"])], [scalar("lo", -1), scalar("hi", 1)],
     "cannot import an unnamed node (Clip): it clips to [-1.0, 1.0]; "
     "costcalc knows [0, 6] (relu6) and [0, inf) (relu)"),
    ([node("Sub", [X, "mean"])], [weight("mean", 1, 3, 1, 1)],
     "cannot import an unnamed node (Sub): it is a Sub of a constant per channel, which costcalc cannot express "
     "(only a layer's bias or a layer scale)"),
    ([node("MatMul", [X, X])], [], "cannot import an unnamed node (MatMul): it multiplies two activations (attention), "
     "which costcalc cannot express"),
])
def test_refusals_say_what_the_format_lacks(tmp_path, nodes, inits, message):
    assert refusal(tmp_path, model(nodes, inits)) == f"m.onnx: {message}\n"


@pytest.mark.parametrize("nodes, inits, message", [
    ([node("Add", [X])], [],
     "cannot import an unnamed node (Add): it has 1 input, where ONNX's Add (opset 17) takes 2"),
    ([node("Reshape", [X, X])], [],
     "cannot import an unnamed node (Reshape): it takes 'x' from the activations (a value the model computes as it "
     "runs), which costcalc cannot express"),
    ([node("Concat", [X, X])], [],
     "cannot import an unnamed node (Concat): it is not as ONNX defines a Concat (KeyError: 'axis')"),
])
def test_a_file_no_checker_passed_is_refused_in_one_line(tmp_path, nodes, inits, message):
    """Found by mutating the files of tests/data/imports (an input dropped, an attribute changed): each stopped the
    import with a traceback."""
    assert refusal(tmp_path, model(nodes, inits)) == f"m.onnx: {message}\n"


def test_a_file_that_is_not_onnx(tmp_path):
    path = tmp_path / "m.onnx"
    path.write_bytes(b"\xff\xfe not a protobuf")
    result = run("import", str(path))
    assert result.code == 2 and result.err.startswith(f"{path}: not an ONNX model (")


def test_without_onnx_it_says_what_to_install(tmp_path, monkeypatch):
    onnx.save(model([node("Relu", [X])]), tmp_path / "m.onnx")
    monkeypatch.setitem(sys.modules, "onnx", None)
    result = run("import", str(tmp_path / "m.onnx"))
    assert (result.code, result.err) == (2, "reading ONNX needs the onnx package: pip install 'costcalc[onnx]'\n")


def test_a_model_built_by_code_needs_torch_and_an_input(monkeypatch):
    result = run("import", "torchvision.models:resnet18")
    assert (result.code, result.err) == (2,
                                         "'torchvision.models:resnet18': a model built by code needs --input H,W,C\n")
    monkeypatch.setitem(sys.modules, "torch", None)
    result = run("import", "torchvision.models:resnet18", "--input", "224,224,3")
    assert (result.code, result.err) == (
        2, "importing a PyTorch model needs torch (and onnx): pip install torch 'costcalc[onnx]'\n")


def test_output_file_and_its_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    onnx.save(model([node("Relu", [X])]), "m.onnx")
    result = run("import", "m.onnx", "-o", "m.yaml")
    assert (result.code, result.out, result.err) == (0, "", "")
    assert (tmp_path / "m.yaml").read_text() == (
        "# Imported by costcalc import from m.onnx: 1 layer, 0 parameters in the file.\n"
        "name: m\ninput: [8, 8, 3]\nlayers:\n  - relu\n")


def test_hostile_node_names_and_file_names_become_safe_spec_names(tmp_path):
    nodes = [node("Relu", [X], "a", name="/\x1b[2J/évil\nname: {x}/Relu"), node("Relu", ["a"], name="x" * 300)]
    path = tmp_path / "we ird\x1b.onnx"
    onnx.save(model(nodes), path)
    result = run("import", str(path))
    assert result.code == 0 and result.err == ""
    assert result.out.splitlines()[1:] == [
        "name: we_ird_", "input: [8, 8, 3]", "layers:", "  - relu: {name: _2J._vil_name_x_}",
        '  - relu: {name: "' + "x" * 49 + '\\u2026' + "x" * 50 + '"}']  # cut to 100 characters, quoted
    names = [row.path for row in costcalc.analyze(costcalc.loads(result.out)).designs[0].rows]
    assert names == ["_2J._vil_name_x_", "x" * 49 + "…" + "x" * 50]


def test_the_result_shows_in_jupyter_as_an_escaped_table():
    analysis = costcalc.analyze(costcalc.loads("name: <b>x</b>\ninput: [4, 4, 2]\n"
                                               "layers: [conv: {filters: 3, kernel: 1}]\n"))
    assert analysis._repr_html_() == (
        "<table><caption>&lt;b&gt;x&lt;/b&gt;</caption><tr><th>design</th><th>output</th><th>MACs</th><th>FLOPs</th>"
        "<th>params</th><th>trainable</th><th>activations</th></tr><tr><td>main</td><td>4×4×3</td><td>96</td>"
        "<td>240</td><td>9</td><td>9</td><td>48</td></tr></table>")


def constant(name, values):
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(np.asarray(values, np.float32), name))


def test_a_constant_gamma_or_beta_is_scale_false_or_center_false(tmp_path):
    nodes = [constant("ones", [1.0] * 3), node("ConstantOfShape", ["three"], "zeros", value=numpy_helper.from_array(
                 np.zeros(1, np.float32))),
             node("Cast", ["s16"], "s", to=TensorProto.FLOAT),  # a weight stored in float16 is still a weight
             node("BatchNormalization", [X, "ones", "b", "m", "v"], "n1"),
             node("BatchNormalization", ["n1", "s", "zeros", "m2", "v2"], "t"),
             node("Transpose", ["t"], "c", perm=[0, 2, 3, 1]), node("LayerNormalization", ["c", "ones"], "y", axis=-1)]
    inits = [weight("three", value=np.array([3])), weight("s16", value=np.full(3, 0.5, np.float16)),
             *[weight(n, 3) for n in ("b", "m", "v", "m2", "v2")]]
    layers, totals = imported(tmp_path, model(nodes, inits))
    assert layers == ["batchnorm: {scale: false}", "batchnorm: {center: false}",
                      "layernorm: {scale: false, center: false}"]
    assert totals == (3 + 3, 12, 0)


def test_a_weight_and_a_bias_after_a_normalisation_without_them_are_its_gamma_and_beta(tmp_path):
    """PyTorch's BatchNorm2d(affine=False), then · γ and + β per channel of its own (costcalc's PyTorch export of a
    Keras batchnorm with β only, or with both), through torch.onnx.export: the batchnorm's scale and center."""
    nodes = [constant("ones", [1.0] * 3), constant("zeros", [0.0] * 3),
             node("BatchNormalization", [X, "ones", "zeros", "m", "v"], "n1"), node("Add", ["n1", "beta"], "a"),
             node("BatchNormalization", ["a", "ones", "zeros", "m2", "v2"], "n2"), node("Mul", ["n2", "gamma"], "g"),
             node("Add", ["g", "beta2"], "y")]
    inits = [*[weight(n, 3) for n in ("m", "v", "m2", "v2")],
             *[weight(n, 1, 3, 1, 1) for n in ("beta", "gamma", "beta2")]]
    layers, totals = imported(tmp_path, model(nodes, inits))
    assert layers == ["batchnorm: {scale: false}", "batchnorm"]
    assert totals == (3 + 6, 12, 0)


def test_a_constant_gamma_other_than_ones_is_refused(tmp_path):
    nodes = [constant("twos", [2.0] * 3), node("BatchNormalization", [X, "twos", "b", "m", "v"], name="bn")]
    assert refusal(tmp_path, model(nodes, [weight(n, 3) for n in "bmv"])) == (
        "m.onnx: cannot import node 'bn' (BatchNormalization): it has a constant 'twos' of values other than 1, which "
        "costcalc cannot express (a learned weight, or 1 for a γ left out)\n")


def test_a_slice_of_height_and_width_is_a_crop_and_of_channels_a_slice(tmp_path):
    nodes = [node("Slice", [X, "starts", "ends", "axes"], "c"), node("Conv", ["c", "w"], "y", kernel_shape=[1, 1])]
    inits = [weight("starts", value=np.array([1, 0])), weight("ends", value=np.array([-1, 7])),
             weight("axes", value=np.array([-2, 3])), weight("w", 4, 3, 1, 1)]
    layers, totals = imported(tmp_path, model(nodes, inits))
    assert layers == ["crop: {cropping: [1, 1, 0, 1]}", "conv: {filters: 4, kernel: 1, padding: 0, bias: false}"]
    assert totals == (12, 0, 6 * 7 * 4 * 3)
    channels = [weight("starts", value=np.array([1])), weight("ends", value=np.array([2**63 - 1])),
                weight("axes", value=np.array([1])), weight("w", 4, 2, 1, 1)]
    layers, totals = imported(tmp_path, model(nodes, channels))  # x[:, 1:]
    assert layers == ["slice: {start: 1, end: 3}", "conv: {filters: 4, kernel: 1, padding: 0, bias: false}"]
    assert totals == (8, 0, 8 * 8 * 4 * 2)
    inits[2] = weight("axes", value=np.array([1, 3]))
    assert refusal(tmp_path, model(nodes, inits)) == (
        "m.onnx: cannot import an unnamed node (Slice): it slices an activation along an axis other than the channels, "
        "or with a step, which costcalc cannot express\n")


def test_a_split_of_the_channels_is_a_slice_per_part_each_read_by_name(tmp_path):
    """x1, x2 = x.chunk(2, dim=1); torch.cat((x1, conv(x2)), 1), as torch exports ShuffleNetV2's units."""
    split = helper.make_node("Split", [X, "sizes"], ["x1", "x2"], name="/stage2/Split", axis=1)
    nodes = [split, node("Conv", ["x2", "w"], "b", kernel_shape=[1, 1]), node("Concat", ["x1", "b"], "y", axis=1)]
    inits = [weight("sizes", value=np.array([2, 2])), weight("w", 2, 2, 1, 1)]
    layers, totals = imported(tmp_path, model(nodes, inits, shape=(1, 4, 8, 8)))
    assert layers == ["slice: {start: 0, end: 2, name: stage2, as: stage2}", "slice: {start: 2, end: 4, name: stage2,"
                      " from: input}", "conv: {filters: 2, kernel: 1, padding: 0, bias: false, as: t3}",
                      "{merge: concat, from: [stage2, t3]}"]
    assert totals == (4, 0, 8 * 8 * 2 * 2)
    equal = helper.make_node("Split", [X], ["x1", "x2"], axis=1, num_outputs=2)  # opset 18: no sizes
    layers, _ = imported(tmp_path, model([equal, *nodes[1:]], inits[1:], shape=(1, 4, 8, 8), opset=18))
    assert layers[:2] == ["slice: {start: 0, end: 2, as: t1}", "slice: {start: 2, end: 4, from: input}"]


def test_keras_normalization_as_sub_and_div_by_the_root_of_the_variance(tmp_path):
    nodes = [node("Sub", [X, "norm.mean"], "c", name="norm:Sub"), node("Sqrt", ["norm.variance"], "r"),
             node("Div", ["c", "r"], "n", name="norm"), node("Conv", ["n", "w"], "y", kernel_shape=[1, 1])]
    inits = [weight("norm.mean", 1, 3, 1, 1), weight("norm.variance", 1, 3, 1, 1), weight("norm.count", 1),
             weight("w", 2, 3, 1, 1)]
    layers, totals = imported(tmp_path, model(nodes, inits, as_inputs=True))
    assert layers == ["normalization: {name: norm}", "conv: {filters: 2, kernel: 1, padding: 0, bias: false}"]
    assert totals == (6, 3 + 3 + 1, 64 * 2 * 3)
    assert refusal(tmp_path, model(nodes, inits[:2] + inits[3:])) == (
        "m.onnx: cannot import node 'norm:Sub' (Sub): it is Keras's Normalization without its count of samples "
        "(a weight 'norm.count' of one value), which costcalc's normalization counts\n")


def test_group_norm_as_pytorch_writes_it_and_group_and_instance_normalization(tmp_path):
    nodes = [node("Reshape", [X, "groups"], "g"), constant("ones", [1.0] * 2), constant("zeros", [0.0] * 2),
             node("InstanceNormalization", ["g", "ones", "zeros"], "i", name="/gn/InstanceNormalization"),
             node("Shape", [X], "shape"), node("Reshape", ["i", "shape"], "r"),
             node("Mul", ["r", "gamma"], "m"), node("Add", ["m", "beta"], "a"),
             node("Reshape", ["a", "groups"], "g2"), node("InstanceNormalization", ["g2", "ones", "zeros"], "i2"),
             node("Reshape", ["i2", "shape"], "r2"), node("Mul", ["r2", "gamma2"], "m2"),
             node("GroupNormalization", ["m2", "gamma3", "zeros4"], "n", num_groups=2),
             node("InstanceNormalization", ["n", "gamma4", "beta4"], "y")]
    inits = [weight("groups", value=np.array([0, 2, -1])), weight("gamma", 4, 1, 1), weight("beta", 4, 1, 1),
             weight("gamma2", 4, 1, 1), weight("gamma3", 4), weight("zeros4", value=np.zeros(4, np.float32)),
             weight("gamma4", 4), weight("beta4", 4)]
    onnx_model = model(nodes, inits, shape=(1, 4, 8, 8), opset=21)
    onnx_model.graph.initializer.remove(onnx_model.graph.initializer[5])
    onnx_model.graph.node.insert(0, constant("zeros4", [0.0] * 4))
    layers, totals = imported(tmp_path, onnx_model)
    assert layers == ["groupnorm: {groups: 2, name: gn}", "groupnorm: {groups: 2, center: false}",
                      "groupnorm: {groups: 2, center: false}", "groupnorm: {groups: 4}"]
    assert totals == (8 + 4 + 4 + 8, 0, 0)


def test_an_adaptive_pool_done_axis_by_axis_is_one_adaptive_pool(tmp_path):
    nodes, inits = [], []
    x = X
    for axis, out in ((2, 3), (3, 2)):
        parts = []
        for i in range(out):
            bounds = [f"s{axis}{i}", f"e{axis}{i}", f"a{axis}"]
            inits += [weight(bounds[0], value=np.array([i * 7 // out])),
                      weight(bounds[1], value=np.array([-(-(i + 1) * 7 // out)]))]
            nodes += [node("Slice", [x, *bounds], f"w{axis}{i}"),
                      node("ReduceMean", [f"w{axis}{i}", f"a{axis}"], f"p{axis}{i}")]
            parts.append(f"p{axis}{i}")
        inits.append(weight(f"a{axis}", value=np.array([axis])))
        x = "y" if axis == 3 else "h"
        nodes.append(node("Concat", parts, x, axis=axis, name="pool" if axis == 3 else ""))
    layers, totals = imported(tmp_path, model(nodes, inits, shape=(1, 3, 7, 7), opset=18))
    assert layers == ["adaptive_avgpool: {output: [3, 2], name: pool}"]
    assert totals == (0, 0, 0)
