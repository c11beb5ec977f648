"""Real networks written as specs give the frameworks' own numbers, to the last parameter.

The reference figures were measured by running Keras and torchvision (tests/data/reference/,
with their provenance). Keras specs must give Keras's total, trainable and non-trainable
parameters; torchvision specs give torchvision's parameter count as trainable, its batchnorm
running statistics as non-trainable, and fvcore's conv and linear MACs as costcalc's MACs
of conv-like and dense layers.
"""

import csv
from pathlib import Path

import pytest
from conftest import SPECS, run

from costcalc import analyze, load

REFERENCE = Path(__file__).parent / "data" / "reference"
CONV_KINDS = ("conv", "depthwise", "separable")


def table(name: str) -> dict[str, dict[str, int]]:
    lines = [line for line in (REFERENCE / name).read_text().splitlines() if not line.startswith("#")]
    return {row["model"]: {k: int(v) for k, v in row.items() if k != "model"}
            for row in csv.DictReader(lines, delimiter="\t")}


KERAS = table("keras.tsv")
TORCHVISION = table("torchvision.tsv")


def sized_table(name: str) -> dict[tuple[str, str, int], dict]:
    """A reference table with a row per (model, args, input): counts as ints, the output as a shape."""
    lines = [line for line in (REFERENCE / name).read_text().splitlines() if not line.startswith("#")]
    rows = {}
    for row in csv.DictReader(lines, delimiter="\t"):
        key = (row.pop("model"), row.pop("args", "-"), int(row.pop("input")))
        output = tuple(int(d) for d in row.pop("output").split("x"))
        rows[key] = {"output": output, **{k: int(v) for k, v in row.items()}}
    return rows


KERAS_APPLICATIONS = sized_table("keras_applications.tsv")
TORCHVISION_SIZES = sized_table("torchvision_sizes.tsv")

KERAS_SPECS = [
    ("inception_v3_keras.yaml", "main", "InceptionV3"),
    ("mobilenet_keras.yaml", "main", "MobileNet"),
    ("mobilenet_v2_keras.yaml", "main", "MobileNetV2"),
    ("resnet50_keras.yaml", "main", "ResNet50"),
    ("vgg16.yaml", "keras", "VGG16"),
    ("mobilenet_v2_vs_resnet50.yaml", "mobilenet_v2", "MobileNetV2"),
    ("mobilenet_v2_vs_resnet50.yaml", "resnet50", "ResNet50"),
]
TORCHVISION_SPECS = [
    ("googlenet_torchvision.yaml", "googlenet"),
    ("inception_v3_torchvision.yaml", "inception_v3"),
    ("mobilenet_v2_torchvision.yaml", "mobilenet_v2"),
    ("resnet50_torchvision.yaml", "resnet50"),
    ("vgg16.yaml", "vgg16"),
]
TORCHVISION_DESIGNS = {"vgg16.yaml": "torchvision"}
# Whole torchvision networks whose fvcore total (its convention) is checked too; their other figures, and every
# spec of specs/zoo checked at two sizes, are in specs/models.tsv (tests/test_model_zoo.py).
FVCORE_TOTALS = [("convnext_tiny_torchvision.yaml", "convnext_tiny", (224, 197)),
                 ("fcn_resnet50_torchvision.yaml", "fcn_resnet50", (520, 224)),
                 ("lraspp_mobilenet_v3_large_torchvision.yaml", "lraspp_mobilenet_v3_large", (520, 224))]


def design(spec: str, name: str = "main", side: int | None = None):
    shape = None if side is None else (side, side, 3)
    return analyze(load(SPECS / "zoo" / spec), shape).design(name)


def macs_by_framework_layer(result) -> tuple[int, int]:
    """(MACs of conv-like layers, MACs of dense layers): fvcore's conv and linear."""
    conv_macs = sum(r.cost.macs for r in result.rows if r.role == "layer" and r.kind in CONV_KINDS)
    linear_macs = sum(r.cost.macs for r in result.rows if r.role == "layer" and r.kind == "dense")
    return conv_macs, linear_macs


@pytest.mark.parametrize("spec, name, model", KERAS_SPECS)
def test_keras_parameters(spec, name, model):
    reference = KERAS[model]
    result = design(spec, name)
    assert list(result.input) == [reference["input"], reference["input"], 3]
    total = result.total
    assert (total.params, total.trainable_params, total.non_trainable_params) == (
        reference["total"], reference["trainable"], reference["non_trainable"])


@pytest.mark.parametrize("spec, model", TORCHVISION_SPECS)
def test_torchvision_parameters_and_fvcore_macs(spec, model):
    reference = TORCHVISION[model]
    result = design(spec, TORCHVISION_DESIGNS.get(spec, "main"))
    assert list(result.input) == [reference["input"], reference["input"], 3]
    assert result.total.trainable_params == reference["params"]
    assert result.total.non_trainable_params == reference["bn_running_stats"]
    conv_macs, linear_macs = macs_by_framework_layer(result)
    assert (conv_macs, linear_macs) == (reference["conv_macs"], reference["linear_macs"])
    assert result.total.macs == conv_macs + linear_macs


TV_SIZED = [(spec, model, side) for spec, model, sides in FVCORE_TOTALS for side in sides]


@pytest.mark.parametrize("spec, model, side", TV_SIZED)
def test_fvcore_convention_gives_fvcore_total_at_each_size(spec, model, side):
    """Whole networks priced as fvcore prices them: LayerNorm, batchnorm, adaptive pools, bilinear resizes."""
    result = analyze(load(SPECS / "zoo" / spec), (side, side, 3), convention="fvcore").design("main")
    assert result.total.flops == TORCHVISION_SIZES[model, "-", side]["fvcore_total"]


@pytest.mark.parametrize("side", [128, 160, 192, 224])
def test_mobilenet_keras_at_the_resolutions_of_the_mobilenet_paper(side):
    """Width 1.0 at the four resolutions of the paper's Table 7, against Keras (keras_applications.tsv)."""
    reference = KERAS_APPLICATIONS["MobileNet", "alpha=1.0", side]
    result = design("mobilenet_keras.yaml", side=side)
    total = result.total
    assert (total.params, total.trainable_params, total.non_trainable_params, total.macs, result.output) == (
        reference["total"], reference["trainable"], reference["non_trainable"], reference["macs"], reference["output"])


def test_the_seed_inception_module_matches_keras():
    reference = KERAS["seed000_inception_module_28x28x192"]
    total = analyze(load(SPECS / "lightweight_inception.yaml")).design("separable").total
    assert (total.params, total.trainable_params, total.non_trainable_params) == (
        reference["total"], reference["trainable"], reference["non_trainable"])


def test_inception_v3_report_ends_like_the_keras_summary():
    out = run("report", str(SPECS / "zoo" / "inception_v3_keras.yaml")).out.splitlines()
    assert out[-6:-3] == [
        "Total params: 23,851,784",
        "Trainable params: 23,817,352",
        "Non-trainable params: 34,432",
    ]


def test_two_zoo_networks_side_by_side():
    result = run("compare", str(SPECS / "zoo" / "mobilenet_v2_vs_resnet50.yaml"), "--exact")
    assert result.code == 0
    table = result.out.split("\nat a glance\n")[0]
    lines = {line.split("│")[1].strip(): line for line in table.splitlines() if line.startswith("│ ")}
    assert "3,538,984 ★" in lines["mobilenet_v2"]
    assert "25,636,712" in lines["resnet50 (baseline)"]


@pytest.mark.parametrize("name, single",
                         [("mobilenet_v2", "mobilenet_v2_keras.yaml"), ("resnet50", "resnet50_keras.yaml")])
def test_side_by_side_designs_are_the_single_network_specs(name, single):
    """The two-network spec repeats each network's blocks: row for row, it must stay the same network."""
    pair, alone = design("mobilenet_v2_vs_resnet50.yaml", name), design(single)
    assert [(r.path, r.kind, r.output, r.cost) for r in pair.rows] == [(r.path, r.kind, r.output, r.cost)
                                                                       for r in alone.rows]


def keras_at_197() -> dict[str, dict]:
    lines = [line for line in (REFERENCE / "keras_197.tsv").read_text().splitlines() if not line.startswith("#")]
    return {row.pop("model"): row for row in csv.DictReader(lines, delimiter="\t")}


KERAS_197 = keras_at_197()


@pytest.mark.parametrize("spec, name, model", KERAS_SPECS)
def test_keras_specs_stay_exact_at_197(spec, name, model):
    """At an odd size, where Keras's correct_pad differs from a fixed pad: parameters, MACs, last map."""
    reference = KERAS_197[model]
    result = analyze(load(SPECS / "zoo" / spec), (197, 197, 3)).design(name)
    total = result.total
    assert (total.params, total.trainable_params, total.non_trainable_params, total.macs) == (
        int(reference["total"]), int(reference["trainable"]), int(reference["non_trainable"]), int(reference["macs"]))
    last_map = [row.output for row in result.rows if len(row.output) == 3][-1]
    assert "x".join(map(str, last_map)) == reference["feature_map"]
