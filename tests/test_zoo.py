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
    return {row["model"]: {k: int(v) for k, v in row.items() if k != "model"} for row in csv.DictReader(lines, delimiter="\t")}


KERAS = table("keras.tsv")
TORCHVISION = table("torchvision.tsv")

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


def design(spec: str, name: str = "main"):
    return analyze(load(SPECS / "zoo" / spec)).design(name)


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
    conv_macs = sum(r.cost.macs for r in result.rows if r.role == "layer" and r.kind in CONV_KINDS)
    linear_macs = sum(r.cost.macs for r in result.rows if r.role == "layer" and r.kind == "dense")
    assert (conv_macs, linear_macs) == (reference["conv_macs"], reference["linear_macs"])
    assert result.total.macs == conv_macs + linear_macs


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


@pytest.mark.parametrize("name, single", [("mobilenet_v2", "mobilenet_v2_keras.yaml"), ("resnet50", "resnet50_keras.yaml")])
def test_side_by_side_designs_are_the_single_network_specs(name, single):
    """The two-network spec repeats each network's blocks: row for row, it must stay the same network."""
    pair, alone = design("mobilenet_v2_vs_resnet50.yaml", name), design(single)
    assert [(r.path, r.kind, r.output, r.cost) for r in pair.rows] == [(r.path, r.kind, r.output, r.cost) for r in alone.rows]


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


FAMILY_SPECS = {"efficientnet_keras.yaml"}  # B0 to B7 against Keras in tests/test_sweep.py


def test_every_zoo_spec_is_tested():
    tested = {spec for spec, *_ in KERAS_SPECS + TORCHVISION_SPECS} | FAMILY_SPECS
    assert tested == {path.name for path in (SPECS / "zoo").glob("*.yaml")}
