"""Audio and video: kinds on [length, C] and [time, height, width, C] inputs, against the frameworks' counters.

Figures from tests/data/reference/single_layers_nd.tsv (tools/count_single_layers.py) and video_audio.tsv
(tools/recount_torchvision.py --video), with their provenance in their headers.
"""

import csv
from pathlib import Path

import pytest
from conftest import SPECS, run

from costcalc import analyze, load, loads

REFERENCE = Path(__file__).parent / "data" / "reference"
CONVENTIONS = {"fvcore": "fvcore", "ptflops": "ptflops", "thop": "thop"}


def rows(name: str) -> list[dict]:
    lines = [line for line in (REFERENCE / name).read_text().splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


LAYERS = {row["layer"]: row for row in rows("single_layers_nd.tsv")}
MODELS = {(row["model"], row["input"]): row for row in rows("video_audio.tsv")}

# PyTorch layer (the evidence's label) -> (the costcalc layer, its input channels last)
CASES = {
    "Conv1d(8,16,3,p=1)": ("conv: {filters: 16, kernel: 3, padding: 1}", [50, 8]),
    "Conv1d(8,16,9,s=4,bias=False)": (
        "conv: {filters: 16, kernel: 9, stride: 4, padding: valid, bias: false}", [50, 8]),
    "Conv1d(8,16,3,p=2,d=2,g=4,bias=False)": (
        "conv: {filters: 16, kernel: 3, padding: [2], dilation: 2, groups: 4, bias: false}", [50, 8]),
    "Conv1d(8,8,5,p=2,g=8) dw": ("depthwise: {kernel: 5, padding: [2, 2]}", [50, 8]),
    "BatchNorm1d(8) eval": ("batchnorm", [50, 8]),
    "MaxPool1d(4)": ("maxpool: {size: 4, padding: valid}", [50, 8]),
    "AvgPool1d(3,2,p=1)": ("avgpool: {size: 3, stride: 2, padding: 1}", [50, 8]),
    "AdaptiveAvgPool1d(7) on 50": ("adaptive_avgpool: {output: 7}", [50, 8]),
    "Conv3d(8,16,3,p=1)": ("conv: {filters: 16, kernel: 3, padding: 1}", [6, 10, 10, 8]),
    "Conv3d(8,16,(3,7,7),s=(1,2,2),p=(1,3,3),bias=False)": (
        "conv: {filters: 16, kernel: [3, 7, 7], stride: [1, 2, 2], padding: [1, 3, 3], bias: false}", [6, 10, 10, 8]),
    "Conv3d(8,16,(1,3,3),p=(0,1,1),bias=False)": (
        "conv: {filters: 16, kernel: [1, 3, 3], padding: [0, 0, 1, 1, 1, 1], bias: false}", [6, 10, 10, 8]),
    "Conv3d(8,16,3,p=2,d=2,g=4,bias=False)": (
        "conv: {filters: 16, kernel: 3, padding: 2, dilation: 2, groups: 4, bias: false}", [6, 10, 10, 8]),
    "Conv3d(8,8,3,p=1,g=8) dw": ("depthwise: {kernel: 3, padding: 1}", [6, 10, 10, 8]),
    "BatchNorm3d(8) eval": ("batchnorm", [6, 10, 10, 8]),
    "MaxPool3d(3,2,p=1)": ("maxpool: {size: 3, stride: 2, padding: 1}", [7, 11, 11, 8]),
    "MaxPool3d((1,3,3),(1,2,2),(0,1,1))": (
        "maxpool: {size: [1, 3, 3], stride: [1, 2, 2], padding: [0, 1, 1]}", [7, 11, 11, 8]),
    "MaxPool3d(3,2,ceil_mode=True)": ("maxpool: {size: 3, stride: 2, padding: valid, ceil_mode: true}", [6, 10, 10, 8]),
    "AvgPool3d((2,7,7),1)": ("avgpool: {size: [2, 7, 7], stride: 1, padding: valid}", [6, 10, 10, 8]),
    "AdaptiveAvgPool3d(1)": ("adaptive_avgpool: {output: 1}", [6, 10, 10, 8]),
    "AdaptiveAvgPool3d((2,3,3)) on 6x10x10": ("adaptive_avgpool: {output: [2, 3, 3]}", [6, 10, 10, 8]),
    "AdaptiveMaxPool3d(1)": ("adaptive_maxpool: {output: 1}", [6, 10, 10, 8]),
}


def one_layer(layer: str, shape: list[int], convention: str):
    return analyze(loads(f"input: {shape}\nlayers:\n  - {layer}\n"), convention=convention).designs[0]


@pytest.mark.parametrize("label", CASES)
def test_one_layer_shape_macs_and_each_tools_count(label):
    layer, shape = CASES[label]
    evidence = LAYERS[label]
    design = one_layer(layer, shape, "costcalc")
    out = [int(d) for d in evidence["out_shape"].split("x")[1:]]
    assert list(design.output) == out[1:] + out[:1]
    if evidence["macs"]:
        assert design.total.macs == int(evidence["macs"])
    for convention, column in CONVENTIONS.items():
        assert one_layer(layer, shape, convention).total.flops == int(evidence[column]), convention


@pytest.mark.parametrize("samples", [32000, 16000])
def test_m5_audio_against_torch_and_every_counter(samples):
    reference = MODELS["m5", str(samples)]
    spec = load(SPECS / "m5_audio.yaml")
    design = analyze(spec, (samples, 1)).designs[0]
    total = design.total
    assert (total.trainable_params, total.non_trainable_params) == (
        int(reference["params"]), int(reference["bn_running_stats"]))
    assert total.macs == int(reference["conv_macs"]) + int(reference["linear_macs"])
    assert design.output == (10,)
    for convention, column in (("fvcore", "fvcore_total"), ("ptflops", "ptflops_macs"), ("thop", "thop_macs")):
        assert analyze(spec, (samples, 1), convention=convention).designs[0].total.flops == int(reference[column])


def test_a_kernel_of_the_wrong_axes_is_one_line():
    with pytest.raises(Exception) as caught:
        one_layer("conv: {filters: 4, kernel: [3, 3]}", [6, 10, 10, 8], "costcalc")
    assert "kernel [3, 3] gives 2 axes, the input has 3 ([time, height, width, channels])" in str(caught.value)


def test_a_transposed_conv_takes_one_number_or_two_per_option(tmp_path):
    """It is 2-D only: a kernel of one axis on an image is one positioned line, not a traceback."""
    path = tmp_path / "spec.yaml"
    path.write_text("input: [8, 8, 4]\nlayers:\n  - conv_transpose: {filters: 2, kernel: [1]}\n")
    done = run("report", str(path))
    assert (done.code, done.out) == (2, "")
    assert done.err == (f"{path}:3:5: conv_transpose1 (conv_transpose) on [8, 8, 4]: kernel [1] gives 1 axis, the input"
                        " has 2 ([height, width, channels]); give one number for every axis, or 2 of them\n")


@pytest.mark.parametrize("args, message", [
    (("report", "--receptive-field"), "receptive fields are computed for images, not for the main design's input"
                                      " [32000×1] (a sequence or a clip)\n"),
    (("export", "--to", "pytorch", "-o", "{out}"), "export --to pytorch writes images' layers, not 1-D ones: 'conv1'"
                                                    " (conv) is on [32000×1]; report, compare and check count it\n"),
    (("export", "--to", "onnx", "-o", "{out}"), "export --to onnx writes images' layers, not 1-D ones: 'conv1'"
                                                 " (conv) is on [32000×1]; report, compare and check count it\n"),
])
def test_what_is_not_written_for_sequences_is_one_line(tmp_path, args, message):
    out = str(tmp_path / "model")
    result = run(args[0], str(SPECS / "m5_audio.yaml"), *(a.format(out=out) for a in args[1:]))
    assert (result.code, result.out, result.err) == (2, "", message)


@pytest.mark.parametrize("to", ["onnx", "pytorch", "keras"])
def test_a_dense_layer_on_a_sequence_is_not_exported(tmp_path, to):
    """Not only the layers that slide or pool: a dense layer on [L, C] has no form in the exports either."""
    path = tmp_path / "spec.yaml"
    path.write_text("input: [4, 16]\nlayers: [{dense: {units: 8}}, relu]\n")
    result = run("export", str(path), "--to", to, "-o", str(tmp_path / "model"))
    assert (result.code, result.out, result.err) == (2, "", f"export --to {to} writes images' layers, not 1-D ones: "
                                                            "'dense1' (dense) is on [4×16]; report, compare and check"
                                                            " count it\n")
    assert not (tmp_path / "model").exists()


VIDEO = [(design, size) for design in ("r3d_18", "mc3_18", "r2plus1d_18") for size in ("16x112x112", "8x128x171")]


@pytest.mark.parametrize("design, size", VIDEO)
def test_video_resnets_against_torch_and_fvcore_at_two_sizes(design, size):
    """ptflops and thop are not compared: torchvision's Conv3DSimple and Conv3DNoTemporal subclass nn.Conv3d, and
    both tools find their hooks by exact type, so they count those convolutions 0 (video_audio.tsv)."""
    reference = MODELS[design, size]
    shape = (*(int(d) for d in size.split("x")), 3)
    spec = load(SPECS / "torchvision" / "video_resnets.yaml")
    result = analyze(spec, shape).design(design)
    total = result.total
    assert (total.trainable_params, total.non_trainable_params, total.macs, result.output) == (
        int(reference["params"]), int(reference["bn_running_stats"]),
        int(reference["conv_macs"]) + int(reference["linear_macs"]), (400,))
    assert analyze(spec, shape, convention="fvcore").design(design).total.flops == int(reference["fvcore_total"])


@pytest.mark.parametrize("size", ["16x112x112", "8x128x171"])
def test_r2plus1d_18_against_ptflops_and_thop(size):
    """R(2+1)D's convolutions are plain nn.Conv3d, which both tools hook."""
    reference = MODELS["r2plus1d_18", size]
    shape = (*(int(d) for d in size.split("x")), 3)
    spec = load(SPECS / "torchvision" / "video_resnets.yaml")
    for convention, column in (("ptflops", "ptflops_macs"), ("thop", "thop_macs")):
        assert analyze(spec, shape, convention=convention).design("r2plus1d_18").total.flops == int(reference[column])


@pytest.mark.parametrize("size", ["16x224x224", "14x256x320"])
def test_s3d_against_torch_and_every_counter(size):
    reference = MODELS["s3d", size]
    shape = (*(int(d) for d in size.split("x")), 3)
    spec = load(SPECS / "torchvision" / "s3d.yaml")
    result = analyze(spec, shape).designs[0]
    total = result.total
    assert (total.trainable_params, total.non_trainable_params, total.macs, result.output) == (
        int(reference["params"]), int(reference["bn_running_stats"]), int(reference["conv_macs"]), (400,))
    for convention, column in (("fvcore", "fvcore_total"), ("ptflops", "ptflops_macs"), ("thop", "thop_macs")):
        assert analyze(spec, shape, convention=convention).designs[0].total.flops == int(reference[column])
