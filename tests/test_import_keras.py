"""costcalc import of Keras 3 JSON written here as model.to_json() writes it: the layers, Keras's trainable split,
nested Sequential models, .keras files, open input sizes, and the refusals. No Keras needed."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from conftest import run

import costcalc

DATA = Path(__file__).parent / "data"


def tensor(name: str) -> dict:
    return {"class_name": "__keras_tensor__", "config": {"shape": [], "keras_history": [name, 0, 0]}}


def layer(cls: str, name: str, inputs, **config) -> dict:
    args = [tensor(i) for i in inputs] if cls in ("Add", "Multiply", "Concatenate") else tensor(inputs[0])
    return {"module": "keras.layers", "class_name": cls, "config": {"name": name, "trainable": True, **config},
            "name": name, "inbound_nodes": [{"args": [args], "kwargs": {}}]}


def functional(layers, shape=(32, 32, 3)) -> str:
    first = {"class_name": "InputLayer", "config": {"batch_shape": [None, *shape], "name": "input"}, "name": "input",
             "inbound_nodes": []}
    return json.dumps({"module": "keras", "class_name": "Functional",
                       "config": {"name": "m", "layers": [first, *layers], "input_layers": [["input", 0, 0]],
                                  "output_layers": [[layers[-1]["name"], 0, 0]]}})


def imported(tmp_path, text: str, *flags: str, name: str = "m.json"):
    (tmp_path / name).write_text(text) if name.endswith(".json") else None
    result = run("import", str(tmp_path / name), *flags)
    assert (result.code, result.err) == (0, ""), result.err
    total = costcalc.analyze(costcalc.loads(result.out)).designs[0].total
    layers = [line[4:] for line in result.out.splitlines() if line.startswith("  - ")]
    return layers, (total.trainable_params, total.non_trainable_params, total.macs)


SE_BLOCK = [
    layer("Conv2D", "stem", ["input"], filters=8, kernel_size=[3, 3], strides=[2, 2], padding="same",
          dilation_rate=[1, 1], groups=1, activation="linear", use_bias=False, data_format="channels_last"),
    layer("BatchNormalization", "stem_bn", ["stem"], axis=-1, center=True, scale=True),
    layer("ReLU", "stem_relu", ["stem_bn"], max_value=6.0, negative_slope=0.0, threshold=0.0),
    layer("DepthwiseConv2D", "dw", ["stem_relu"], kernel_size=[3, 3], strides=[1, 1], padding="same",
          depth_multiplier=1, dilation_rate=[1, 1], activation="swish", use_bias=True),
    layer("GlobalAveragePooling2D", "se_squeeze", ["dw"], keepdims=False),
    layer("Reshape", "se_reshape", ["se_squeeze"], target_shape=[1, 1, 8]),
    layer("Conv2D", "se_reduce", ["se_reshape"], filters=2, kernel_size=[1, 1], strides=[1, 1], padding="same",
          activation="relu", use_bias=True),
    layer("Conv2D", "se_expand", ["se_reduce"], filters=8, kernel_size=[1, 1], strides=[1, 1], padding="same",
          activation="hard_sigmoid", use_bias=True),
    layer("Multiply", "se_excite", ["dw", "se_expand"]),
    layer("Add", "add", ["se_excite", "stem_relu"]),
    layer("GlobalMaxPooling2D", "pool", ["add"], keepdims=False),
    layer("Dropout", "drop", ["pool"], rate=0.2),
    layer("Dense", "predictions", ["drop"], units=10, activation="softmax", use_bias=True),
]


def test_a_functional_model_with_squeeze_and_excitation_and_a_skip(tmp_path):
    layers, totals = imported(tmp_path, functional(SE_BLOCK))
    assert layers == [
        "conv: {filters: 8, kernel: 3, stride: 2, padding: same, bias: false, name: stem}",
        "batchnorm: {name: stem_bn}",
        "relu6: {name: stem_relu, as: stem_relu}",
        "depthwise: {kernel: 3, padding: same, bias: true, activation: swish, name: dw, as: dw}",
        "global_avgpool: {keepdims: true, name: se_squeeze}",
        "conv: {filters: 2, kernel: 1, padding: same, bias: true, activation: relu, name: se_reduce}",
        "conv: {filters: 8, kernel: 1, padding: same, bias: true, activation: hsigmoid, name: se_expand, "
        "as: se_expand}",
        "{merge: multiply, from: [dw, se_expand], name: se_excite, as: se_excite}",
        "{merge: add, from: [se_excite, stem_relu], name: add}",
        "global_maxpool: {keepdims: false, name: pool}",
        "dropout: {name: drop}",
        "dense: {units: 10, bias: true, activation: softmax, name: predictions}",
    ]
    # Keras: conv 216, batchnorm 16 + 16, depthwise 72 + 8, se 16 + 2 + 16 + 8, dense 80 + 10
    assert totals == (216 + 16 + 80 + 18 + 24 + 90, 16, 16 * 16 * (27 * 8 + 9 * 8) + 8 * 2 + 2 * 8 + 80)


def test_a_sequential_model_nested_and_a_keras_file(tmp_path):
    stem = {"module": "keras", "class_name": "Sequential", "config": {"name": "stem", "trainable": True, "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 32, 32, 3], "name": "stem_input"}},
        {"class_name": "Conv2D", "config": {"name": "stem_conv", "filters": 4, "kernel_size": [4, 4], "strides": [4, 4],
                                            "padding": "valid", "activation": "linear", "use_bias": True}},
        {"class_name": "LayerNormalization",
         "config": {"name": "stem_ln", "axis": [-1], "center": True, "scale": True}},
    ]}, "name": "stem", "inbound_nodes": [{"args": [tensor("input")], "kwargs": {}}]}
    scale = {"module": "keras.src.applications.convnext", "class_name": "LayerScale", "registered_name": "LayerScale",
             "config": {"name": "gamma", "projection_dim": 4}, "name": "gamma",
             "inbound_nodes": [{"args": [tensor("stem")], "kwargs": {}}]}
    text = functional([stem, scale])
    with zipfile.ZipFile(tmp_path / "m.keras", "w") as archive:
        archive.writestr("config.json", text)
        archive.writestr("model.weights.h5", b"not read")
    layers, totals = imported(tmp_path, "", name="m.keras")
    assert layers == ["conv: {filters: 4, kernel: 4, stride: 4, padding: valid, bias: true, name: stem_conv}",
                      "layernorm: {name: stem_ln}", "layer_scale: {name: gamma}"]
    assert totals == (4 * 48 + 4 + 8 + 4, 0, 64 * 48 * 4)


def test_open_input_sizes_take_input(tmp_path):
    text = functional([layer("Conv2D", "c", ["input"], filters=4, kernel_size=3, padding="valid", activation="linear")],
                      shape=(None, None, 3))
    (tmp_path / "m.json").write_text(text)
    result = run("import", str(tmp_path / "m.json"))
    assert (result.code, result.err.replace(str(tmp_path), "")) == (
        2, "/m.json: the model's input is [None, None, None, 3], with sizes left open; give --input H,W,C\n")
    _, totals = imported(tmp_path, text, "--input", "10,10,3")
    assert totals == (112, 0, 64 * 108)


def test_the_normalisations_split_as_keras_splits_them(tmp_path):
    layers, totals = imported(tmp_path, functional([
        layer("Normalization", "norm", ["input"], axis=[3], mean=None, variance=None),
        layer("Normalization", "fixed", ["norm"], axis=[-1], mean=[0.5, 0.5, 0.5], variance=[0.2, 0.2, 0.2]),
        layer("Rescaling", "scale", ["fixed"], scale=0.5, offset=-1.0),
        layer("BatchNormalization", "bn", ["scale"], axis=3, center=True, scale=False),
        layer("PReLU", "prelu", ["bn"], shared_axes=[1, 2])]))
    assert layers == ["normalization: {name: norm}", "rescaling: {scale: 1.0, name: fixed}",
                      "rescaling: {scale: 0.5, offset: -1.0, name: scale}", "batchnorm: {scale: false, name: bn}",
                      "prelu: {slopes: channel, name: prelu}"]
    assert totals == (3 + 3, 7 + 6, 0)


def test_a_frozen_layer_is_trainable_false_and_its_weights_non_trainable(tmp_path):
    """Keras's `trainable: false` (a conv with its ReLU, and a batchnorm): every weight non-trainable, as Keras's
    non_trainable_weights hold them; a frozen layer of no weights needs nothing."""
    conv = layer("Conv2D", "conv", ["input"], filters=4, kernel_size=3, padding="same", activation="relu",
                 use_bias=True)
    norm = layer("BatchNormalization", "bn", ["conv"], axis=-1, center=True, scale=True)
    act = layer("ReLU", "act", ["bn"])
    for frozen in (conv, norm, act):
        frozen["config"]["trainable"] = False
    layers, totals = imported(tmp_path, functional([conv, norm, act, layer("Dense", "head", ["act"], units=2,
                                                                         activation="linear", use_bias=False)]))
    assert layers == ["conv: {filters: 4, kernel: 3, padding: same, bias: true, activation: relu, trainable: false, "
                      "name: conv}", "batchnorm: {trainable: false, name: bn}", "relu: {name: act}",
                      "dense: {units: 2, bias: false, name: head}"]
    assert totals == (8, 27 * 4 + 4 + 4 * 4, 32 * 32 * (27 * 4 + 4 * 2))


def test_the_json_keras_writes_of_an_exported_model_imports_to_the_same_counts():
    """tests/data/every_kind_keras.yaml exported (`export --to keras`), built by Keras 3.15.1 and written by its
    model.to_json() (tools/check_exports_in_frameworks.py --write), imported back: its shuffle (Reshape, Permute,
    Reshape), split and slices (x[..., a:b]) and transposed convolution's output padding read as the spec wrote
    them, and the counts are the spec's."""
    result = run("import", str(DATA / "imports" / "every_kind_keras_export.json"))
    assert (result.code, result.err) == (0, "")
    lines = [line[4:] for line in result.out.splitlines() if line.startswith("  - ")]
    assert "channel_shuffle: {groups: 2, name: channel_shuffle29, as: channel_shuffle29}" in lines
    assert lines[lines.index("channel_shuffle: {groups: 2, name: channel_shuffle29, as: channel_shuffle29}") + 1:][:3] \
        == ["slice: {start: 0, end: 4, name: get_item_26, as: get_item_26}",  # Keras numbers its ops per process
            "slice: {start: 4, end: 8, name: get_item_27, from: channel_shuffle29, as: get_item_27}",
            "{merge: concat, from: [get_item_26, get_item_27], name: merge32}"]
    assert ("conv_transpose: {filters: 8, kernel: 3, stride: 2, padding: valid, output_padding: 1, bias: true, "
            "name: conv_transpose20}") in lines
    again = costcalc.analyze(costcalc.loads(result.out)).designs[0].total
    spec = costcalc.analyze(costcalc.load(str(DATA / "every_kind_keras.yaml"))).designs[0].total
    assert (again.trainable_params, again.non_trainable_params, again.macs) == (
        spec.trainable_params, spec.non_trainable_params, spec.macs) == (31_887, 113, 5_016_560)


GROUPS = layer("Reshape", "groups", ["input"], target_shape=[32, 32, 3, 1])
"""The input's 3 channels in 3 groups of 1: the first step of a channel shuffle."""


def test_a_shuffle_is_three_layers_and_groups_undone_are_nothing(tmp_path):
    """A channel shuffle as Keras ShuffleNets write it (Reshape to groups, Permute the two, Reshape back) is one
    `channel_shuffle`; a Reshape to groups and straight back moves no channel."""
    layers, totals = imported(tmp_path, functional([
        layer("Reshape", "groups", ["input"], target_shape=[4, 4, 2, 3]),
        layer("Permute", "swap", ["groups"], dims=[1, 2, 4, 3]),
        layer("Reshape", "shuffle", ["swap"], target_shape=[4, 4, 6]),
        layer("Reshape", "again", ["shuffle"], target_shape=[4, 4, 3, 2]),
        layer("Reshape", "back", ["again"], target_shape=[4, 4, 6]),
        layer("Conv2D", "c", ["back"], filters=2, kernel_size=1, activation="linear", use_bias=False)],
        shape=(4, 4, 6)))
    assert layers == ["channel_shuffle: {groups: 2, name: shuffle}",
                      "conv: {filters: 2, kernel: 1, padding: valid, bias: false, name: c}"]
    assert totals == (12, 0, 16 * 12)


def test_refusals_name_the_layer(tmp_path):
    for layers, message in (
        ([layer("Lambda", "custom", ["input"])], "layer 'custom' is a Lambda, which costcalc cannot express"),
        ([layer("Activation", "act", ["input"], activation="selu")],
         "layer 'act' (Activation): has the activation 'selu', which costcalc cannot express"),
        ([GROUPS, layer("Conv2D", "c", ["groups"], filters=4, kernel_size=1, activation="linear")],
         "layer 'c' (Conv2D) reads channels reshaped into groups; costcalc reads them only in a channel shuffle "
         "(Reshape, Permute, Reshape back)"),
        ([layer("Permute", "p", ["input"], dims=[2, 1, 3])],
         "layer 'p' (Permute): permutes the axes as [2, 1, 3]; costcalc reads a Permute only in a channel shuffle "
         "(Reshape to [.., groups, C/groups], swap the two, Reshape back)"),
        ([GROUPS, layer("Permute", "p", ["groups"], dims=[1, 2, 4, 3]),
          layer("Reshape", "r", ["p"], target_shape=[32, 96])],
         "layer 'r' (Reshape): reshapes the channels in 3 groups to [32, 96]; costcalc reads them back to the shape "
         "they had (a channel shuffle)"),
        ([GROUPS], "the model ends in its channels reshaped into groups; costcalc reads them only in a channel "
                   "shuffle (Reshape, Permute, Reshape back)"),
    ):
        (tmp_path / "m.json").write_text(functional(layers))
        result = run("import", str(tmp_path / "m.json"))
        assert (result.code, result.out, result.err) == (2, "", f"{tmp_path / 'm.json'}: {message}\n")


def test_a_malformed_model_is_one_line(tmp_path):
    """Found by mutating the JSON files of tests/data/imports: each stopped the import with a traceback."""
    join = layer("Concatenate", "join", ["input"], axis=-1)
    join["inbound_nodes"][0]["args"] = [[]]
    odd = layer("ReLU", "odd", ["input"])
    odd["config"] = ["not", "a", "mapping"]
    for layers, message in (([join], "layer 'join' (Concatenate): joins no tensors"),
                            ([odd], "a layer's config is not as Keras 3 writes it (AttributeError: 'list' object has "
                                    "no attribute 'get')")):
        (tmp_path / "m.json").write_text(functional(layers))
        result = run("import", str(tmp_path / "m.json"))
        assert (result.code, result.out, result.err) == (2, "", f"{tmp_path / 'm.json'}: {message}\n")


def test_not_a_keras_model(tmp_path):
    (tmp_path / "m.json").write_text('{"layers": []}')
    result = run("import", str(tmp_path / "m.json"))
    assert (result.code, result.err) == (2,
                                         f"{tmp_path / 'm.json'}: not a Keras model's JSON (model.to_json()): "
                                         "'config'\n")
    (tmp_path / "m.keras").write_text("not a zip")
    result = run("import", str(tmp_path / "m.keras"))
    assert result.code == 2 and result.err.startswith(f"{tmp_path / 'm.keras'}: not a .keras file with a config.json (")


def test_an_empty_model_is_one_line(tmp_path):
    for model in ('{"class_name": "Sequential", "config": {"name": "empty", "layers": []}}',
                  '{"class_name": "Functional", "config": {"name": "f", "layers": []}}'):
        (tmp_path / "m.json").write_text(model)
        result = run("import", str(tmp_path / "m.json"))
        assert (result.code, result.out, result.err) == (
            2, "", f"{tmp_path / 'm.json'}: the model has no input layer and no layers; nothing to import\n")


def test_resampling_padding_and_a_transposed_convolution(tmp_path):
    layers, totals = imported(tmp_path, functional([
        layer("ZeroPadding2D", "pad", ["input"], padding=[[0, 1], [2, 3]]),
        layer("Cropping2D", "crop", ["pad"], cropping=[[1, 0], [1, 1]]),
        layer("UpSampling2D", "up", ["crop"], size=[2, 2], interpolation="bilinear"),
        layer("Conv2DTranspose", "convt", ["up"], filters=4, kernel_size=[3, 3], strides=[2, 2], padding="same",
              output_padding=None, dilation_rate=[1, 1], activation="linear", use_bias=True),
        layer("SeparableConv2D", "sep", ["convt"], filters=5, kernel_size=3, strides=1, padding="valid",
              depth_multiplier=2, activation="relu", use_bias=False),
    ], shape=(4, 4, 3)))
    assert layers == ["zeropad: {padding: [0, 1, 2, 3], name: pad}", "crop: {cropping: [1, 0, 1, 1], name: crop}",
                      "resize: {scale: 2, mode: bilinear, name: up}",
                      "conv_transpose: {filters: 4, kernel: 3, stride: 2, padding: same, bias: true, name: convt}",
                      "separable: {filters: 5, kernel: 3, padding: valid, multiplier: 2, bias: false, activation: "
                      "relu, name: sep}"]
    # 4×4 → 5×9 → 4×7 → 8×14 → 16×28 (×4) → 14×26: Keras's counts
    assert totals == (3 * 4 * 9 + 4 + 4 * 2 * 9 + 8 * 5, 0, 8 * 14 * 3 * 4 * 9 + 14 * 26 * 8 * (9 + 5))


def op(cls: str, name: str, source: str, *key, **config) -> dict:
    """A keras.ops call in a Functional model (module keras.src.ops.numpy), as Keras 3.15 writes one: its tensor,
    then the rest of its arguments (a GetItem's key) in the inbound node."""
    return {"module": "keras.src.ops.numpy", "class_name": cls, "config": {"name": name, **config}, "name": name,
            "inbound_nodes": [{"args": [tensor(source), *key], "kwargs": {}}]}


def cut(start=None, stop=None, step=None) -> dict:
    return {"class_name": "__slice__", "config": {"start": start, "stop": stop, "step": step}}


ELLIPSIS = {"class_name": "__ellipsis__", "config": {}}


def test_a_channel_split_and_slices_read_the_channels_keras_names(tmp_path):
    """ShuffleNetV2's unit: ops.split in two, one half through a 1×1 conv, joined again; then the channels cut at
    indices, and x[..., 2:] and x[:, :, :, -4:] (the key as Keras 3.15.1's model.to_json() writes it)."""
    conv = layer("Conv2D", "conv", ["halves"], filters=8, kernel_size=[1, 1], strides=[1, 1], padding="same",
                 activation="relu", use_bias=False)
    conv["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = ["halves", 0, 1]
    join = layer("Concatenate", "join", ["halves", "conv"], axis=-1)
    join["inbound_nodes"][0]["args"][0][0]["config"]["keras_history"] = ["halves", 0, 0]
    thirds = op("Split", "thirds", "join", indices_or_sections=[4, 12], axis=-1)
    last = layer("Add", "sum", ["thirds", "tail"])
    last["inbound_nodes"][0]["args"][0][0]["config"]["keras_history"] = ["thirds", 0, 2]
    model = functional([op("Split", "halves", "input", indices_or_sections=2, axis=-1), conv, join, thirds,
                        op("GetItem", "rest", "join", [ELLIPSIS, cut(start=2)]),
                        op("GetItem", "tail", "rest", [cut(), cut(), cut(), cut(start=-4)]), last], shape=(8, 8, 16))
    layers, totals = imported(tmp_path, model)
    assert layers == [
        "slice: {start: 0, end: 8, name: halves_0, as: halves_0}",
        "slice: {start: 8, end: 16, name: halves_1, from: input}",
        "conv: {filters: 8, kernel: 1, padding: same, bias: false, activation: relu, name: conv, as: conv}",
        "{merge: concat, from: [halves_0, conv], name: join, as: join}",
        "slice: {start: 0, end: 4, name: thirds_0}", "slice: {start: 4, end: 12, name: thirds_1, from: join}",
        "slice: {start: 12, end: 16, name: thirds_2, from: join, as: thirds_2}",
        "slice: {start: 2, end: 16, name: rest, from: join}", "slice: {start: 10, end: 14, name: tail, as: tail}",
        "{merge: add, from: [thirds_2, tail], name: sum}"]
    assert totals == (64, 0, 64 * 64)  # Keras 3.15.1's count_params() of this model: 64; the 1×1 conv's 8·8 a position


def test_splits_and_slices_costcalc_cannot_read_are_refused_by_name(tmp_path):
    for step, message in (
        (op("Split", "s", "input", indices_or_sections=3, axis=-1),
         "layer 's' (Split): splits 16 channels into 3 equal parts, which do not divide them"),
        (op("Split", "s", "input", indices_or_sections=[8, 4], axis=-1),
         "layer 's' (Split): cuts 16 channels at [8, 4], which leaves a part empty"),
        (op("Split", "s", "input", indices_or_sections=2, axis=1),
         "layer 's' (Split): works along axis 1; costcalc splits the channels (axis -1)"),
        (op("GetItem", "g", "input", [cut(), cut(1, 3)]),
         "layer 'g' (GetItem): takes x[:, 1:3] of a [8, 8, 16] tensor; costcalc reads a range of the channels "
         "(x[..., a:b])"),
        (op("GetItem", "g", "input", [ELLIPSIS, 3]),
         "layer 'g' (GetItem): takes x[..., 3] of a [8, 8, 16] tensor; costcalc reads a range of the channels "
         "(x[..., a:b])"),
        (op("GetItem", "g", "input", [ELLIPSIS, cut(0, 16, 2)]),
         "layer 'g' (GetItem): takes channels 0 to 16 by 2; costcalc reads a non-empty range, step 1"),
    ):
        (tmp_path / "m.json").write_text(functional([step], shape=(8, 8, 16)))
        result = run("import", str(tmp_path / "m.json"))
        assert (result.code, result.out, result.err) == (2, "", f"{tmp_path / 'm.json'}: {message}\n")
