"""Registry coverage: every model torchvision's registry and keras.applications ship is in the zoo (specs/models.tsv).

tests/data/reference/torchvision_registry.tsv and keras_registry.tsv list the registries (tools/registries.py,
with their provenance). Every torchvision classification, segmentation and video model is a manifest row or in
NOT_YET (tools/zoo_table.py; docs/zoo.md lists it) with its reason; detection (keypoint R-CNN included) and
optical flow are out of scope (issue 27: they need dynamic operations).
A quantizable model (quantized_*) is its float twin between a QuantStub and a DeQuantStub, which hold no
weights: built with quantize=False it has the twin's parameters and MACs (torchvision_quantized.tsv, measured
by tools/recount_torchvision.py --quantized), so the twin's row covers it; after torch's convert the int8
operators are not what fvcore or costcalc count, so no figure of that model is claimed.
"""

import importlib.util
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import registries
from zoo_table import COVERED, NOT_YET, REFERENCE, keras_rows, manifest, registry, rows_of, torchvision_rows

OUT_OF_SCOPE = {"detection", "optical_flow"}  # dynamic operations (proposals, iterative refinement)
QUANTIZED = "quantization"

TORCHVISION = registry("torchvision")
KERAS = list(registry("keras"))
ZOO = {(entry.framework, entry.model) for entry in manifest()}


def in_zoo(name: str) -> bool:
    return ("torchvision", name) in ZOO


def test_the_registry_lists_every_module_and_the_zoo_only_registry_names():
    assert set(TORCHVISION.values()) == {*COVERED, *OUT_OF_SCOPE, QUANTIZED}
    assert len(TORCHVISION) == 121
    assert {name for framework, name in ZOO if framework == "torchvision"} <= set(TORCHVISION)


def test_every_classification_segmentation_and_video_model_is_in_the_zoo_or_not_yet():
    wanted = {name for name, module in TORCHVISION.items() if module in COVERED}
    assert {name for name in wanted if not in_zoo(name)} == set(NOT_YET)


def test_not_yet_is_only_what_is_missing():
    done = sorted(name for name in NOT_YET if in_zoo(name))
    assert done == [], f"in specs/models.tsv now: remove {done} from NOT_YET"
    assert all(TORCHVISION.get(name) in COVERED for name in NOT_YET)


def test_a_quantizable_model_has_its_float_twins_figures_and_the_twin_is_covered():
    measured = {row["model"]: row for row in rows_of(REFERENCE / "torchvision_quantized.tsv")}
    quantized = [name for name, module in TORCHVISION.items() if module == QUANTIZED]
    assert sorted(measured) == sorted(quantized)
    for name in quantized:
        twin = name.removeprefix("quantized_")
        assert TORCHVISION[twin] == "classification", name
        assert in_zoo(twin) or twin in NOT_YET, name
        row = measured[name]
        if in_zoo(twin):
            figures = {k: int(v) for k, v in row.items() if k not in ("model", "input", "output")}
            reference = torchvision_rows()[twin, row["input"]]
            assert figures | {"output": row["output"]} == {k: reference[k] for k in figures} | {
                "output": "x".join(map(str, reference["output"]))}, name


def test_every_keras_application_is_in_the_zoo():
    assert len(KERAS) == 40
    assert {name for framework, name in ZOO if framework == "keras"} == set(KERAS)
    assert {model for model, args, _ in keras_rows() if args == "-"} == set(KERAS)


@pytest.mark.skipif(importlib.util.find_spec("torchvision") is None, reason="torchvision is not installed: the "
                    "committed torchvision_registry.tsv stands in")
def test_the_committed_torchvision_registry_is_the_installed_ones():
    import torchvision
    if not torchvision.__version__.startswith("0.29.1"):
        pytest.skip(f"torchvision {torchvision.__version__}: the list is of 0.29.1")
    assert dict(registries.torchvision_rows()[1]) == TORCHVISION


@pytest.mark.skipif(importlib.util.find_spec("keras") is None, reason="Keras is not installed: the committed "
                    "keras_registry.tsv stands in")
def test_the_committed_keras_applications_are_the_installed_ones():
    import keras
    if keras.__version__ != "3.15.1":
        pytest.skip(f"Keras {keras.__version__}: the list is of 3.15.1")
    assert dict(registries.keras_rows()[1]) == registry("keras")
