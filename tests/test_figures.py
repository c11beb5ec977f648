"""Every figure in the table at the end of the spec format comes out exactly, in table and json."""

import json

import pytest
from conftest import SPECS, run

from costcalc import analyze, load, loads

# spec, design, output, MACs, trainable params: counted by running Keras / PyTorch equivalents.
FIGURES = [
    ("bottleneck_5x5.yaml", "standard", [28, 28, 32], 120_422_400, 153_632),
    ("bottleneck_5x5.yaml", "bottleneck", [28, 28, 32], 12_443_648, 15_920),
    ("bottleneck_5x5.yaml", "separable", [28, 28, 32], 8_580_096, 11_168),
    ("googlenet_3a.yaml", "reduced", [28, 28, 256], 128_049_152, 163_696),
    ("googlenet_3a.yaml", "naive", [28, 28, 416], 303_464_448, 387_296),
    ("lightweight_inception.yaml", "separable", [28, 28, 352], 8_881_152, 11_552),
]


@pytest.mark.parametrize("spec, design, output, macs, params", FIGURES)
def test_library_gives_the_figure(spec, design, output, macs, params):
    result = analyze(load(SPECS / spec)).design(design)
    assert list(result.output) == output
    assert result.total.macs == macs
    assert result.total.trainable_params == params
    assert result.total.non_trainable_params == 0


@pytest.mark.parametrize("spec, design, output, macs, params", FIGURES)
def test_json_gives_the_figure(spec, design, output, macs, params):
    result = run("report", str(SPECS / spec), "--design", design, "--format", "json")
    assert result.code == 0
    totals = json.loads(result.out)["designs"][0]
    assert totals["output"] == output
    assert totals["totals"]["macs"] == macs
    assert totals["totals"]["trainable_params"] == params


@pytest.mark.parametrize("spec, design, output, macs, params", FIGURES)
def test_table_gives_the_figure(spec, design, output, macs, params):
    result = run("report", str(SPECS / spec), "--design", design)
    assert result.code == 0
    assert f"MACs: {macs:,} (" in result.out
    assert f"Trainable params: {params:,}\n" in result.out
    assert "×".join(map(str, output)) in result.out


def test_the_bottleneck_arithmetic_of_the_seed():
    """(28·28·16)·192·(1·1) + (28·28·32)·16·(5·5) = 2,408,448 + 10,035,200."""
    rows = analyze(load(SPECS / "bottleneck_5x5.yaml")).design("bottleneck").rows
    assert [row.cost.macs for row in rows] == [2_408_448, 10_035_200]


def test_branch_subtotals_of_inception_3a():
    rows = {row.path: row.cost.macs for row in analyze(load(SPECS / "googlenet_3a.yaml")).design("reduced").rows}
    assert rows["3a/1x1"] == 28 * 28 * 64 * 192
    assert rows["3a/3x3"] == 28 * 28 * 96 * 192 + 28 * 28 * 128 * 96 * 9
    assert rows["3a/5x5"] == 12_443_648
    assert rows["3a/pool"] == 28 * 28 * 32 * 192
    assert rows["3a"] == 128_049_152


def test_the_standard_lightweight_inception():
    """Same branch widths with 1×1 reductions and full 3×3 / 5×5 convolutions."""
    total = analyze(load(SPECS / "lightweight_inception.yaml")).design("standard").total
    per_pixel = 192 * 32 + (192 * 32 + 32 * 64 * 9) + (192 * 32 + 32 * 64 * 25)
    assert total.macs == 28 * 28 * per_pixel == 69_042_176
    assert total.trainable_params == per_pixel + 32 * 3 + 64 * 2 == 88_288


def test_costcalc_flops_convention_kind_by_kind():
    """docs/conventions.md: 2 per MAC, 1 per bias addition, 1 per pooled window element, concat free."""
    design = analyze(load(SPECS / "googlenet_3a.yaml")).design("reduced")
    conv_outputs = 28 * 28 * (64 + 96 + 128 + 16 + 32 + 32)  # every conv has a bias
    assert design.breakdown == {
        "conv": 2 * 128_049_152, "dense": 0, "bias": conv_outputs, "batchnorm": 0, "norm": 0, "activation": 0,
        "pooling": 28 * 28 * 192 * 3 * 3, "resize": 0, "merge": 0,
    }
    assert design.total.flops == 2 * 128_049_152 + 288_512 + 1_354_752 == 257_741_568


def test_costcalc_flops_of_batchnorm_activation_and_add():
    spec = loads("input: [4, 4, 8]\nlayers:\n  - batchnorm\n  - branches: {main: [relu], shortcut: []}\n"
                 "    merge: add\n", "t.yaml")
    design = analyze(spec).designs[0]
    elements = 4 * 4 * 8
    assert design.breakdown["batchnorm"] == 2 * elements
    assert design.breakdown["activation"] == elements
    assert design.breakdown["merge"] == elements  # two branches: one addition per output element
