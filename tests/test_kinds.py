"""The kinds of spec format 1.1 (norms, scaling, resampling, new activations): shapes and weights
against Keras, exact costs, and their errors, each one positioned line."""

import csv
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import run

from costcalc import analyze, loads
from costcalc.errors import CostcalcError
from costcalc.spec.schema import spec_schema

REFERENCE = Path(__file__).parent / "data" / "reference"
KERAS = {row["layer"]: row for row in csv.DictReader(
    [line for line in (REFERENCE / "keras_layers.tsv").read_text().splitlines() if not line.startswith("#")],
    delimiter="\t")}

# One Keras layer as a costcalc layer, keyed by the evidence row's label.
KERAS_LAYERS = {
    "LayerNormalization()": "layernorm",
    "LayerNormalization(center=False)": "layernorm: {center: false}",
    "LayerNormalization(scale=False)": "layernorm: {scale: false}",
    "GroupNormalization(4)": "groupnorm: {groups: 4}",
    "GroupNormalization(4,center=False,scale=False)": "groupnorm: {groups: 4, center: false, scale: false}",
    "LayerScale(1e-6,8) convnext": "layer_scale",
    "Normalization() on RGB": "normalization",
    "Rescaling(1/255)": "rescaling: {scale: 0.00392156862745098}",
    "PReLU()": "prelu: {slopes: element}",
    "PReLU(shared_axes=[1,2])": "prelu: {slopes: channel}",
    "Activation('gelu')": "gelu",
    "Activation('silu')": "silu",
    "Activation('mish')": "mish",
    "LeakyReLU()": "leaky_relu",
    "ELU()": "elu",
    "UpSampling2D(2)": "resize: {scale: 2}",
    "UpSampling2D((2,3),bilinear)": "resize: {scale: [2, 3], mode: bilinear}",
    "Resizing(21,21)": "resize: {size: [21, 21], mode: bilinear}",
    "Conv2DTranspose(16,3,s=2,same)": "conv_transpose: {filters: 16, kernel: 3, stride: 2}",
    "Conv2DTranspose(16,3,s=2,valid)": "conv_transpose: {filters: 16, kernel: 3, stride: 2, padding: valid}",
    "Conv2DTranspose(16,1,s=2,valid)": "conv_transpose: {filters: 16, kernel: 1, stride: 2, padding: valid}",
    "Conv2DTranspose(16,3,s=2,same,op=1)": "conv_transpose: {filters: 16, kernel: 3, stride: 2, output_padding: 1}",
    "Conv2DTranspose(16,4,s=2,same,op=1)": "conv_transpose: {filters: 16, kernel: 4, stride: 2, output_padding: 1}",
    "Conv2DTranspose(16,3,s=2,valid,op=1,bias=False)":
        "conv_transpose: {filters: 16, kernel: 3, stride: 2, padding: valid, output_padding: 1, bias: false}",
    "Conv2DTranspose(16,3,s=1,same,d=2)": "conv_transpose: {filters: 16, kernel: 3, dilation: 2}",
    "Cropping2D(((1,2),(3,4)))": "crop: {cropping: [1, 2, 3, 4]}",
    "Cropping2D(2)": "crop: {cropping: 2}",
}


def one_layer(shape, layer: str, convention: str = "costcalc"):
    return analyze(loads(f"input: {list(shape)}\nlayers:\n  - {layer}\n", "t.yaml"), convention=convention).designs[0]


def test_every_keras_row_is_checked():
    assert set(KERAS_LAYERS) == set(KERAS)


@pytest.mark.parametrize("label", KERAS_LAYERS)
def test_shape_and_weights_as_keras(label):
    row = KERAS[label]
    design = one_layer([int(d) for d in row["in_shape"].split("x")], KERAS_LAYERS[label])
    assert "x".join(map(str, design.output)) == row["out_shape"]
    assert (design.total.trainable_params, design.total.non_trainable_params) == \
        (int(row["trainable"]), int(row["non_trainable"]))


def test_the_costcalc_convention_of_each_kind():
    """docs/conventions.md: exact FLOPs per element, on 14×14×8 (1,568 elements)."""
    n, shape = 14 * 14 * 8, (14, 14, 8)
    expected = {
        "layernorm": 7 * n, "layernorm: {center: false}": 6 * n, "layernorm: {center: false, scale: false}": 5 * n,
        "groupnorm: {groups: 2}": 7 * n, "layer_scale": n, "normalization": 2 * n,
        "rescaling: {scale: 2, offset: 1}": 2 * n, "prelu: {slopes: shared}": n, "gelu": n, "mish": n,
        "resize: {scale: 2}": 0, "resize: {scale: 2, mode: bilinear}": 7 * 4 * n,
        "channel_shuffle: {groups: 4}": 0, "crop: {cropping: 1}": 0, "slice: {start: 2}": 0,
        "conv_transpose: {filters: 16, kernel: 3, stride: 2, activation: silu}": (
            2 * 14 * 14 * 8 * 16 * 9 + 2 * 28 * 28 * 16),
    }
    assert {layer: one_layer(shape, layer).total.flops for layer in expected} == expected


def test_conv_transpose_macs_and_params():
    """fvcore's and ptflops' MACs: every input element times Cout/groups kernels of kh×kw."""
    design = one_layer((7, 5, 12), "conv_transpose: {filters: 6, kernel: [3, 2], stride: [2, 3], padding: [1, 0], "
                                   "groups: 3, output_padding: [1, 2]}")
    assert design.output == ((7 - 1) * 2 - 2 + 3 + 1, (5 - 1) * 3 - 0 + 2 + 2, 6) == (14, 16, 6)
    assert design.total.macs == 7 * 5 * 12 * (6 // 3) * 3 * 2 == 5_040
    assert design.total.params == 3 * 2 * 12 * 2 + 6 == 150
    thop = one_layer((7, 5, 12), "conv_transpose: {filters: 6, kernel: [3, 2], stride: [2, 3], padding: [1, 0], "
                                 "groups: 3, output_padding: [1, 2], bias: false}", "thop")
    assert thop.total.flops == 14 * 16 * 6 * (12 // 3) * 3 * 2 == 32_256
    softmax = one_layer((7, 5, 12), "conv_transpose: {filters: 6, kernel: 2, stride: 2, activation: softmax}", "thop")
    assert softmax.breakdown["activation"] == 14 * 10 * (3 * 6 - 1)  # as after a conv: 3n − 1 per n channels


def test_silu_is_swish_and_a_conv_takes_the_new_activations():
    for convention in ("costcalc", "fvcore", "ptflops", "thop"):
        assert one_layer((4, 4, 8), "silu", convention).total == one_layer((4, 4, 8), "swish", convention).total
    design = one_layer((4, 4, 8), "conv: {filters: 8, kernel: 1, activation: gelu}", "ptflops")
    assert design.breakdown["activation"] == 2 * 4 * 4 * 8  # nn.GELU: its hook, then F.gelu
    assert one_layer((4, 4, 8), "conv: {filters: 8, kernel: 1, activation: leaky_relu}").total.flops == \
        2 * 4 * 4 * 8 * 8 + 2 * 4 * 4 * 8


def test_prelu_slopes_on_a_vector():
    assert one_layer((10,), "prelu: {slopes: element}").total.trainable_params == 10
    assert one_layer((10,), "prelu: {slopes: channel}").total.trainable_params == 10
    assert one_layer((10,), "prelu: {slopes: shared}").total.trainable_params == 1


HEAD = "input: [28, 28, 6]\nlayers:\n  - "
ERRORS = {
    "prelu as an activation option": (
        "conv: {filters: 8, kernel: 3, activation: prelu}",
        "spec.yaml:3:47: conv option 'activation': prelu has learned weights, so it cannot be an activation option;"
        " write it as a layer after this one: `- prelu: {slopes: channel}`"),
    "prelu without slopes": ("prelu", "spec.yaml:3:5: prelu needs option 'slopes'; required options of prelu: slopes"),
    "unknown slopes": ("prelu: {slopes: channels}",
                       "spec.yaml:3:21: prelu option 'slopes': expected one of channel, shared, element,"
                       " got the string 'channels'; did you mean 'channel'?"),
    "resize with no target": (
        "resize: {mode: bilinear}",
        "spec.yaml:3:5: resize1 (resize) on [28, 28, 6]: resize takes one of scale or size, got neither;"
        " scale: 2 doubles the height and width; size: [H, W] sets them"),
    "resize with two targets": (
        "resize: {scale: 2, size: [4, 4]}",
        "spec.yaml:3:5: resize1 (resize) on [28, 28, 6]: resize takes one of scale or size, got scale and size;"
        " scale: 2 doubles the height and width; size: [H, W] sets them"),
    "resize to a size of the wrong rank": (
        "resize: {size: [4, 4, 3]}",
        "spec.yaml:3:20: resize option 'size': expected [height, width], got 3 axes [4, 4, 3]; the channels stay"),
    "resize by a fraction": (
        "resize: {scale: 1.5}",
        "spec.yaml:3:21: resize option 'scale': expected a positive integer or a list [height, width] of them,"
        " got the float 1.5"),
    "unknown resize mode": ("resize: {scale: 2, mode: bicubic}",
                            "spec.yaml:3:30: resize option 'mode': expected nearest or bilinear,"
                            " got the string 'bicubic'"),
    "groups not dividing the channels": (
        "groupnorm: {groups: 5}",
        "spec.yaml:3:5: groupnorm1 (groupnorm) on [28, 28, 6]: groups 5 must divide the channels (6);"
        " use a divisor of 6"),
    "shuffle groups not dividing the channels": (
        "channel_shuffle: {groups: 4}",
        "spec.yaml:3:5: channel_shuffle1 (channel_shuffle) on [28, 28, 6]: groups 4 must divide the channels (6);"
        " use a divisor of 6"),
    "cropping everything": (
        "crop: {cropping: [14, 14, 0, 0]}",
        "spec.yaml:3:5: crop1 (crop) on [28, 28, 6]: cropping [14, 14, 0, 0] leaves nothing of 28×28;"
        " crop less than the height and width"),
    "Keras's nested cropping": (
        "crop: {cropping: [[1, 2], [3, 4]]}",
        "spec.yaml:3:22: crop option 'cropping': expected c, [ch, cw] or [top, bottom, left, right] of"
        " non-negative integers (Keras's ((1, 2), (3, 4)) is [1, 2, 3, 4]), got [[1, 2], [3, 4]]"),
    "output_padding not below the stride": (
        "conv_transpose: {filters: 8, kernel: 3, stride: 2, output_padding: 2}",
        "spec.yaml:3:5: conv_transpose1 (conv_transpose) on [28, 28, 6]: output_padding 2 must be smaller than the"
        " stride (2) or the dilation (1); as PyTorch requires; output_padding picks one of the sizes a stride can"
        " give, it does not pad freely"),
    "negative output_padding": (
        "conv_transpose: {filters: 8, kernel: 3, output_padding: -1}",
        "spec.yaml:3:61: conv_transpose option 'output_padding': expected a non-negative integer or a list"
        " [height, width] of them, got -1"),
    "conv_transpose padding eating the output": (
        "conv_transpose: {filters: 8, kernel: 1, padding: [0, 0, 14, 14]}",
        "spec.yaml:3:5: conv_transpose1 (conv_transpose) on [28, 28, 6]: padding 14 + 14 leaves no output of an input"
        " side of 28; use less padding"),
    "conv_transpose groups": (
        "conv_transpose: {filters: 8, kernel: 3, groups: 3}",
        "spec.yaml:3:5: conv_transpose1 (conv_transpose) on [28, 28, 6]: groups 3 must divide both the input"
        " channels (6) and filters (8)"),
    "rescaling by a string": ("rescaling: {scale: '1/255'}",
                              "spec.yaml:3:24: rescaling option 'scale': expected a number, got the string '1/255'"),
    "layernorm's epsilon": ("layernorm: {epsilon: 0.001}",
                            "spec.yaml:3:17: unknown option 'epsilon' for layernorm; known: center, scale, torch,"
                            " name, repeat, as, from, when, trainable"),
}


@pytest.mark.parametrize("layer, message", ERRORS.values(), ids=ERRORS.keys())
def test_error(layer, message):
    with pytest.raises(CostcalcError) as caught:
        analyze(loads(HEAD + layer + "\n", "spec.yaml"))
    assert str(caught.value) == message


def test_an_error_is_one_line_and_exit_2(spec_file):
    layer, message = ERRORS["resize to a size of the wrong rank"]
    result = run("report", spec_file(HEAD + layer + "\n"))
    assert (result.code, result.out) == (2, "")
    assert result.err == message + "\n"


def test_a_spatial_kind_on_a_vector():
    with pytest.raises(CostcalcError) as caught:
        analyze(loads("input: [6]\nlayers:\n  - crop: {cropping: 1}\n", "spec.yaml"))
    assert str(caught.value) == ("spec.yaml:3:5: crop1 (crop) on [6]: crop needs an input of [height, width, channels],"
                                 " got [6]; a global pool gives [C]; give it keepdims: true to keep [1, 1, C]")


def test_receptive_fields_through_the_new_kinds():
    from costcalc.analyses.receptive import receptive_fields

    design = one_layer((14, 14, 8), "conv: {filters: 8, kernel: 3, stride: 2}\n  - crop: {cropping: [1, 0, 2, 0]}\n"
                                    "  - layernorm\n  - groupnorm: {groups: 2}")
    fields = receptive_fields(design)
    crop = fields["crop2"]
    assert (crop.height.size, crop.height.jump, crop.height.first, crop.width.first) == (3, 2, 2, 4)
    assert fields["layernorm3"] == crop  # per position
    assert fields["groupnorm4"].whole  # statistics over every position
    later = receptive_fields(one_layer((14, 14, 8), "conv_transpose: {filters: 8, kernel: 3, stride: 2, padding: valid}"
                                                    "\n  - resize: {scale: 2}"))
    assert later["conv_transpose1"].height is None and not later["conv_transpose1"].whole  # not modelled


@pytest.mark.parametrize("layer", ["prelu: {slopes: channels}", "resize: {scale: 2, mode: bicubic}",
                                   "crop: {cropping: [1, 2, 3]}", "conv_transpose: {filters: 8, kernel: 3, "
                                   "output_padding: -1}", "rescaling: {scale: '1/255'}", "prelu"])
def test_the_json_schema_refuses_what_costcalc_refuses(layer):
    spec = yaml.safe_load(HEAD + layer + "\n")
    assert list(jsonschema.Draft202012Validator(spec_schema()).iter_errors(spec))
    with pytest.raises(CostcalcError):
        analyze(loads(HEAD + layer + "\n", "spec.yaml"))
