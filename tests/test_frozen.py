"""`trainable: false` (format 1.2): frozen weights on layers, block calls, branches and defaults, in every figure."""

import pytest
from conftest import run

from costcalc import analyze, loads
from costcalc.device.training import training

SPEC = """\
input: [8, 8, 3]
defaults:
  batchnorm: {trainable: false}
blocks:
  cbr:
    args: {f: 8}
    layers:
      - conv: {filters: $f, kernel: 3, bias: false}
      - batchnorm
      - relu
layers:
  - cbr: {trainable: false}
  - cbr: {f: 16}
  - conv: {filters: 4, kernel: 1, trainable: false}
  - branches: {a: [dense: {units: 10}], b: [dense: {units: 10}]}
    merge: add
    trainable: false
  - dense: {units: 10}
"""


def figures(design):
    return {row.path: (row.cost.trainable_params, row.cost.non_trainable_params) for row in design.rows}


def test_frozen_weights_are_non_trainable_everywhere_they_are_frozen():
    design = analyze(loads(SPEC)).design("main")
    found = figures(design)
    assert found["cbr1/conv1"] == (0, 27 * 8)             # inside a frozen block call
    assert found["cbr1/batchnorm2"] == (0, 4 * 8)          # a frozen batchnorm: γ, β, mean and variance
    assert found["cbr2/conv1"] == (9 * 8 * 16, 0)          # a block call left trainable
    assert found["cbr2/batchnorm2"] == (0, 4 * 16)         # frozen by defaults
    assert found["conv3"] == (0, 16 * 4 + 4)               # on the layer
    assert found["branches4/a/dense1"] == found["branches4/b/dense1"] == (0, 4 * 10 + 10)
    assert found["dense5"] == (10 * 10 + 10, 0)
    assert (design.total.trainable_params, design.total.non_trainable_params) == (1152 + 110, 216 + 32 + 64 + 68 + 100)


def test_training_figures_follow_the_frozen_weights():
    design = analyze(loads(SPEC)).design("main")
    step = training(design, optimizer="adam")
    assert step.gradient_bytes == 4 * 1262
    assert step.optimizer_bytes == 2 * 4 * 1262
    assert step.weights_bytes == 4 * design.total.params
    # weight gradients only where weights are trainable: cbr2's conv and the last dense
    assert step.weight_grad_macs == 8 * 8 * 16 * 72 + 8 * 8 * 10 * 10


def test_a_frozen_spec_means_nothing_else():
    thawed = analyze(loads(SPEC.replace("trainable: false", "trainable: true"))).design("main")
    frozen = analyze(loads(SPEC)).design("main")
    assert (frozen.total.macs, frozen.total.flops, frozen.total.params) == (
        thawed.total.macs, thawed.total.flops, thawed.total.params)
    assert thawed.total.non_trainable_params == 2 * 8 + 2 * 16


@pytest.mark.parametrize("layers, message", [
    ("  - relu: {trainable: false}\n",
     "spec.yaml:3:23: relu has no weights to freeze: trainable applies to a layer with weights, a block call or"
     " branches; remove trainable: here"),
    ("  - conv: {filters: 4, kernel: 1, trainable: 0}\n", "spec.yaml:3:46: trainable must be true or false, got 0"),
])
def test_a_misplaced_trainable_is_positioned(spec_file, layers, message):
    out = run("report", spec_file("input: [8, 8, 3]\nlayers:\n" + layers))
    assert (out.code, out.err) == (2, message + "\n")


def test_defaults_refuse_trainable_on_a_kind_without_weights(spec_file):
    out = run("report", spec_file("input: [8, 8, 3]\ndefaults:\n  relu: {trainable: false}\nlayers: [relu]\n"))
    assert out.err == ("spec.yaml:3:21: relu has no weights to freeze: trainable applies to a layer with weights, a"
                       " block call or branches; remove trainable: from defaults for relu\n")


def test_pytorch_export_freezes_the_frozen_layers(spec_file):
    # the module this writes, built with torch 2.14.1, has 8 trainable parameters (the batchnorm's γ and β) and 112
    # frozen (the conv's), as costcalc counts them (the batchnorm's 8 moving statistics are buffers in torch)
    path = spec_file("input: [8, 8, 3]\nlayers:\n  - conv: {filters: 4, kernel: 3, trainable: false}\n  - batchnorm\n")
    out = run("export", path, "--to", "pytorch", "-o", "model.py")
    assert out.code == 0, out.err
    code = open("model.py", encoding="utf-8").read()
    assert "self.conv1 = nn.Conv2d(3, 4, 3, padding=1).requires_grad_(False)\n" in code
    assert "self.batchnorm2 = nn.BatchNorm2d(4, eps=1e-3)\n" in code
