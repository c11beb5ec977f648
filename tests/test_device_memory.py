"""Bytes moved and peak activation memory (costcalc.device.traffic), checked against figures by hand
and against an independent simulation that walks the spec tree rather than the report's rows."""

from fractions import Fraction

import pytest
from conftest import SPECS

from costcalc.count.engine import analyze
from costcalc.device.traffic import Traffic, intensity, memory
from costcalc.model.ops import numel
from costcalc.model.tree import INPUT, Group, Join, Layer
from costcalc.spec.reader import load, loads


def designs(path):
    return {d.name: d for d in analyze(load(SPECS / path)).designs}


def test_bytes_of_the_bottleneck_designs_unfused_at_float32():
    found = {name: memory(d).traffic[""].total for name, d in designs("bottleneck_5x5.yaml").items()}
    assert found == {"standard": 1_316_992, "bottleneck": 866_496, "separable": 1_951_360}


def test_the_standard_conv_reads_its_input_and_weights_and_writes_its_output():
    traffic = memory(designs("bottleneck_5x5.yaml")["standard"]).traffic
    # 28·28·192 floats in, (5·5·192·32 + 32) weights, 28·28·32 out, 4 bytes each
    assert traffic["conv1"] == Traffic(602_112, 614_528, 100_352)
    assert traffic[""] == traffic["conv1"]


def test_peak_memory_of_the_bottleneck_chains_at_float32():
    found = {name: memory(d).peak for name, d in designs("bottleneck_5x5.yaml").items()}
    assert found == {"standard": 702_464, "bottleneck": 652_288, "separable": 1_204_224}


def test_weights_bytes_are_the_model_size_at_the_weight_dtype():
    bottleneck = designs("bottleneck_5x5.yaml")["bottleneck"]
    assert memory(bottleneck, 4, 1).weights_bytes == 3_088 + 12_832
    assert memory(bottleneck, 2, 1).traffic[""] == Traffic(2 * (150_528 + 12_544), 15_920, 2 * (12_544 + 25_088))


def test_peak_memory_of_googlenet_3a_by_hand():
    # reduced: while the pool branch's maxpool runs, the input (602,112) waits for it, beside the
    # finished 1x1 (200,704), 3x3 (401,408) and 5x5 (100,352) outputs and the maxpool's own 602,112.
    # naive: at the concat, four branch outputs (1,304,576 bytes) and the concatenation (as much).
    found = {name: memory(d).peak for name, d in designs("googlenet_3a.yaml").items()}
    assert found == {"reduced": 1_906_688, "naive": 2_609_152}


def test_intensity_is_an_exact_fraction():
    standard = designs("bottleneck_5x5.yaml")["standard"]
    traffic = memory(standard).traffic[""]
    assert intensity(standard.total.flops, traffic) == Fraction(standard.total.flops, 1_316_992)
    assert intensity(0, Traffic()) is None


FUSED = """
input: [4, 4, 2]
designs:
  main:
    - conv: {filters: 3, kernel: 1, bias: false}
    - batchnorm: {}
    - relu: {}
    - maxpool: {size: 2}
"""


def test_fused_folds_batchnorm_and_activation_into_the_conv_and_gives_it_a_bias():
    design = analyze(loads(FUSED)).designs[0]
    unfused, fused = memory(design), memory(design, fused=True)
    conv = Traffic(4 * 4 * 2 * 4, 2 * 3 * 4, 4 * 4 * 3 * 4)
    pool = Traffic(4 * 4 * 3 * 4, 0, 2 * 2 * 3 * 4)
    assert unfused.traffic["conv1"] == conv
    assert unfused.traffic["batchnorm2"] == Traffic(192, 4 * 3 * 4, 192)
    assert fused.traffic["conv1"] == Traffic(conv.read, conv.weights + 3 * 4, conv.written)
    assert fused.traffic["batchnorm2"] == fused.traffic["relu3"] == Traffic()
    assert fused.traffic[""] == fused.traffic["conv1"] + pool
    assert (unfused.peak, fused.peak) == (192 + 192, 128 + 192)
    assert (unfused.weights_bytes, fused.weights_bytes) == ((6 + 12) * 4, (6 + 3) * 4)  # bn: γ, β, mean, var → a bias


# An independent count: walk the spec tree itself (not the report's rows), give every tensor
# a lifetime [written, last read] on a clock of steps, and take the largest sum over the clock.
def simulate(nodes, shape):
    tensors = []  # [elements, born, died]
    clock, moved = [0], [0]

    def new(elements):
        tensors.append([elements, clock[0], clock[0]])
        return len(tensors) - 1

    def read(tensor):
        tensors[tensor][2] = clock[0]
        moved[0] += tensors[tensor][0]

    def step(reads, out, weights=0):
        clock[0] += 1
        for tensor in reads:
            read(tensor)
        moved[0] += weights + numel(out)
        return new(numel(out)), out

    def walk(node, tensor, shape, names):
        if getattr(node, "source", None):
            tensor, shape = names[node.source]
        if isinstance(node, Join):
            reads = [names[name] for name in node.sources]
            out = node.merge.infer({f"{name}#{i}": s for i, (name, (_, s)) in enumerate(zip(node.sources, reads))})
            result = step([t for t, _ in reads], out)
        elif isinstance(node, Layer):
            out = node.op.infer(shape)
            result = step([tensor], out, sum(node.op.params(shape, out)))
        elif isinstance(node, Group):
            result = group(node, tensor, shape, names)
        else:
            ends = [group(branch, tensor, shape, names) for branch in node.branches]
            out = node.merge.infer({branch.name: s for branch, (_, s) in zip(node.branches, ends)})
            result = step([t for t, _ in ends], out)
        if node.keep:
            names[node.keep] = result
        return result

    def group(node, tensor, shape, names):
        outer, names[INPUT] = names.get(INPUT), (tensor, shape)
        for child in node.children:
            tensor, shape = walk(child, tensor, shape, names)
        names[INPUT] = outer
        return tensor, shape

    tensor = new(numel(shape))
    names = {INPUT: (tensor, shape)}
    for node in nodes:
        tensor, shape = walk(node, tensor, shape, names)
    tensors[tensor][2] = clock[0] + 1
    peak = max(sum(e for e, born, died in tensors if born <= t <= died) for t in range(1, clock[0] + 1))
    return 4 * moved[0], 4 * peak


@pytest.mark.parametrize("path", ["bottleneck_5x5.yaml", "googlenet_3a.yaml", "zoo/resnet50_torchvision.yaml",
                                  "zoo/mobilenet_v2_torchvision.yaml", "zoo/googlenet_torchvision.yaml",
                                  "../tests/data/every_kind.yaml", "zoo/mobilenet_v2_keras.yaml",
                                  "zoo/mobilenet_v2_vs_resnet50.yaml"])
def test_bytes_and_peak_agree_with_an_independent_simulation(path):
    spec = load(SPECS / path)
    for design in analyze(spec).designs:
        found = memory(design)
        assert (found.traffic[""].total, found.peak) == simulate(spec.designs[design.name], spec.input)


def test_the_zoo_figures_themselves():
    # pinned, so that a change to the zoo specs or to the counting shows here
    resnet = memory(designs("zoo/resnet50_torchvision.yaml")["main"])
    mobilenet = memory(designs("zoo/mobilenet_v2_torchvision.yaml")["main"])
    assert (resnet.traffic[""].total, resnet.peak) == RESNET50
    assert (mobilenet.traffic[""].total, mobilenet.peak) == MOBILENET_V2


RESNET50 = (426_012_224, 9_633_792)  # peak: in layer1.0, downsample, conv3 and bn3 outputs, 56·56·256 floats each
MOBILENET_V2 = (173_085_504, 9_633_792)  # peak: features.2's expansion conv and bn, 112·112·96 floats each


def test_group_rows_sum_their_layers_and_take_the_most_live_memory():
    design = designs("googlenet_3a.yaml")["reduced"]
    found = memory(design)
    layers = [r.path for r in design.rows if r.role in ("layer", "merge")]
    assert found.traffic["3a"] == sum((found.traffic[p] for p in layers), Traffic())
    assert found.live["3a"] == max(found.live[p] for p in layers) == found.peak
    assert found.traffic["3a/3x3"] == found.traffic["3a/3x3/conv1"] + found.traffic["3a/3x3/conv2"]


NAMED = """
input: [4, 4, 2]
layers:
  - conv: {filters: 4, kernel: 1, as: a}
  - conv: {filters: 8, kernel: 1}
  - conv: {filters: 4, kernel: 1, as: b}
  - {merge: add, from: [a, b], name: add}
"""


def test_a_named_tensor_lives_until_its_last_reader():
    design = analyze(loads(NAMED)).designs[0]
    found = memory(design)
    # in 16-pixel planes: input 2, a 4, then 8, b 4, the sum 4; while b is written, a (4), the 8 and b (4) are live
    assert [found.live[r.path] // 4 // 16 for r in design.rows] == [2 + 4, 4 + 8, 4 + 8 + 4, 4 + 4 + 4]
    assert found.traffic["add"] == Traffic(4 * 16 * (4 + 4), 0, 4 * 16 * 4)
    assert (found.traffic[""].total, found.peak) == simulate(loads(NAMED).designs["main"], (4, 4, 2))


def test_from_keeps_the_input_alive_and_nothing_folds_into_a_named_output():
    text = """
input: [4, 4, 2]
layers:
  - conv: {filters: 8, kernel: 1, bias: false, as: x}
  - batchnorm: {}
  - relu: {}
  - conv: {filters: 2, kernel: 1, from: input}
"""
    design = analyze(loads(text)).designs[0]
    unfused, fused = memory(design), memory(design, fused=True)
    assert unfused.live["conv4"] == 4 * 16 * (2 + 2)  # the input, read again, beside the new output
    # x is named, so the batchnorm reads it and writes its own; the relu after it has no conv to fold into
    assert fused.traffic["batchnorm2"] == unfused.traffic["batchnorm2"] != Traffic()
    assert fused.traffic["relu3"] == unfused.traffic["relu3"] != Traffic()
    assert (unfused.traffic[""].total, unfused.peak) == simulate(loads(text).designs["main"], (4, 4, 2))
