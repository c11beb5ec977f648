"""Each layer kind's shape and cost formulas, against brute-force counts on small shapes."""

import itertools

import pytest

from costcalc import analyze, loads
from costcalc.model.ops import OPS, AvgPool, Conv, Dense, Depthwise, MaxPool, Separable, adaptive_windows


def brute_conv_macs(h, w, c, filters, k, stride, pad, dilation=1, groups=1):
    """Count multiply-accumulates by walking every output position and kernel tap."""
    out_h = (h + 2 * pad - dilation * (k - 1) - 1) // stride + 1
    out_w = (w + 2 * pad - dilation * (k - 1) - 1) // stride + 1
    macs = 0
    for _y, _x, _f, _ci, _ky, _kx in itertools.product(
        range(out_h), range(out_w), range(filters), range(c // groups), range(k), range(k)
    ):
        macs += 1
    return (out_h, out_w, filters), macs


@pytest.mark.parametrize("h, w, c, filters, k, stride, pad, dilation, groups", [
    (5, 5, 3, 4, 3, 1, 0, 1, 1),
    (6, 7, 4, 2, 3, 2, 1, 1, 2),
    (9, 9, 2, 2, 3, 1, 2, 2, 1),
    (4, 6, 6, 6, 1, 3, 0, 1, 3),
])
def test_conv_agrees_with_brute_force(h, w, c, filters, k, stride, pad, dilation, groups):
    conv = Conv(filters=filters, kernel=(k, k), stride=(stride, stride), padding=(pad,) * 4,
                dilation=(dilation, dilation), groups=groups)
    shape, macs = brute_conv_macs(h, w, c, filters, k, stride, pad, dilation, groups)
    assert conv.infer((h, w, c)) == shape
    assert conv.macs((h, w, c), shape) == macs


def brute_landed(size, k, stride, before, dilation, outputs):
    """Count (output, tap) pairs along one axis whose tap reads inside the input, walking every pair."""
    return sum(0 <= o * stride + j * dilation - before < size for o in range(outputs) for j in range(k))


@pytest.mark.parametrize("h, w, k, stride, padding, dilation", [
    (14, 14, 3, 1, 24, 24), (14, 14, 3, 1, 12, 12), (7, 9, 3, 2, "same", 1), (8, 8, 3, 2, "same", 1),
    (28, 28, 5, 1, "same", 1), (10, 6, 3, 2, 0, 1), (9, 11, 3, 1, 4, 2), (5, 5, 7, 3, "same", 1),
])
def test_landed_counts_the_taps_that_fall_on_the_input(h, w, k, stride, padding, dilation):
    """A conv's landed pairs, against a walk over every output and tap (`same` puts the smaller half before)."""
    conv = Conv(filters=4, kernel=(k, k), stride=(stride, stride), dilation=(dilation, dilation),
                padding="same" if padding == "same" else (padding,) * 4)
    out = conv.infer((h, w, 8))
    befores = [(max((-(-size // stride) - 1) * stride + dilation * (k - 1) + 1 - size, 0) // 2
                if padding == "same" else padding) for size in (h, w)]
    expected = (brute_landed(h, k, stride, befores[0], dilation, out[0])
                * brute_landed(w, k, stride, befores[1], dilation, out[1]))
    assert conv.landed((h, w, 8), out) == expected
    assert conv.landed_macs((h, w, 8), out) == expected * 8 * 4


def test_landed_pairs_of_an_aspp_conv():
    """DeepLabV3's ASPP on a 14×14 map: at dilation 24 only the centre tap reads the input; at 12, 18 of the 42
    pairs of each axis do (14 + 2 + 2)."""
    for dilation, landed in ((24, 14 * 14), (12, 18 * 18), (1, 40 * 40)):
        conv = Conv(filters=256, kernel=(3, 3), dilation=(dilation, dilation), padding=(dilation,) * 4)
        assert conv.landed((14, 14, 960), (14, 14, 256)) == landed


def test_same_padding_is_ceil_of_size_over_stride():
    conv = Conv(filters=8, kernel=(5, 5), stride=(2, 3))
    assert conv.infer((7, 7, 3)) == (4, 3, 8)
    assert conv.infer((1, 1, 3)) == (1, 1, 8)  # Keras: a kernel larger than the input is fine with same


def test_depthwise_and_separable_formulas():
    depthwise = Depthwise(kernel=(3, 3), multiplier=2)
    assert depthwise.infer((10, 10, 8)) == (10, 10, 16)
    assert depthwise.macs((10, 10, 8), (10, 10, 16)) == 10 * 10 * 16 * 9
    assert depthwise.params((10, 10, 8), (10, 10, 16)) == (9 * 16 + 16, 0)
    separable = Separable(filters=32, kernel=(3, 3), multiplier=2, bias=True)
    assert separable.macs((10, 10, 8), (10, 10, 32)) == 10 * 10 * (16 * 9 + 16 * 32)
    assert separable.params((10, 10, 8), (10, 10, 32)) == (9 * 16 + 16 * 32 + 32, 0)


@pytest.mark.parametrize("k, c_out", [(3, 16), (3, 64), (5, 32), (7, 256)])
def test_separable_saving_identity(k, c_out):
    """k²·C·Cout / (k²·C + C·Cout) = k²·Cout / (k² + Cout)."""
    c, h = 48, 14
    standard = Conv(filters=c_out, kernel=(k, k)).macs((h, h, c), (h, h, c_out))
    separable = Separable(filters=c_out, kernel=(k, k)).macs((h, h, c), (h, h, c_out))
    assert standard * (k * k + c_out) == separable * (k * k * c_out)


def test_dense_on_a_vector_and_on_the_last_axis():
    dense = Dense(units=10)
    assert dense.infer((64,)) == (10,)
    assert dense.macs((64,), (10,)) == 640
    assert dense.infer((4, 4, 64)) == (4, 4, 10)
    assert dense.macs((4, 4, 64), (4, 4, 10)) == 4 * 4 * 64 * 10
    assert dense.params((4, 4, 64), (4, 4, 10)) == (650, 0)


@pytest.mark.parametrize("h, k, s, pad, expected", [
    (112, 3, 2, 0, 56),   # torchvision GoogLeNet: MaxPool2d(3, 2, ceil_mode=True) on 112 → 56
    (5, 2, 2, 0, 3),
    (6, 3, 2, 1, 4),      # (6 + 2 − 3) / 2 = 2.5 → ceil 3, + 1 = 4; last window starts at 6 < 6 + 1
    (5, 2, 2, 1, 3),      # ceil((5 + 2 − 2) / 2) + 1 = 4, but the 4th window starts at 6 ≥ 5 + 1: dropped
])
def test_ceil_mode_follows_pytorch(h, k, s, pad, expected):
    pool = MaxPool(size=(k, k), stride=(s, s), padding=(pad,) * 4, ceil_mode=True)
    assert pool.infer((h, h, 3)) == (expected, expected, 3)


def test_pool_stride_defaults_to_size_and_ceil_mode_ignores_same():
    assert AvgPool(size=(2, 2)).infer((7, 7, 3)) == (4, 4, 3)
    assert AvgPool(size=(2, 2), padding=(0, 0, 0, 0)).infer((7, 7, 3)) == (3, 3, 3)
    assert MaxPool(size=(3, 3), stride=(2, 2), ceil_mode=True).infer((7, 7, 1)) == (4, 4, 1)


@pytest.mark.parametrize("size, out, expected", [(7, 7, 7), (7, 1, 7), (10, 3, 12), (5, 3, 7)])
def test_adaptive_windows_are_pytorchs(size, out, expected):
    """Window i spans floor(i·size/out) to ceil((i+1)·size/out)."""
    assert adaptive_windows(size, out) == expected


def analyze_one(layers: str, input_shape="[8, 8, 4]"):
    return analyze(loads(f"input: {input_shape}\nlayers:\n{layers}", "t.yaml")).designs[0]


def test_batchnorm_params_follow_keras():
    design = analyze_one("  - batchnorm\n  - batchnorm: {scale: false}\n  - batchnorm: {center: false, scale: false}\n")
    assert [(r.cost.trainable_params, r.cost.non_trainable_params) for r in design.rows] == [(8, 8), (4, 8), (0, 8)]


def test_shapes_of_the_shape_only_kinds():
    design = analyze_one("  - zeropad: {padding: [0, 1, 2, 3]}\n  - global_avgpool: {keepdims: true}\n"
                         "  - flatten\n  - dropout: {rate: 0.5}\n  - dense: {units: 3, activation: softmax}\n")
    assert [r.output for r in design.rows] == [(9, 13, 4), (1, 1, 4), (4,), (4,), (3,)]


def test_multiply_broadcasts_squeeze_and_excitation():
    design = analyze_one(
        "  - branches:\n      x: []\n      se: [global_avgpool, dense: {units: 2}, relu, dense: {units: 4}, sigmoid]\n"
        "    merge: multiply\n")
    merge = design.rows[-1]
    assert (merge.kind, merge.output, merge.cost.flops) == ("multiply", (8, 8, 4), 8 * 8 * 4)


def test_every_kind_is_documented():
    from conftest import ROOT

    docs = (ROOT / "docs" / "spec-format.md").read_text(encoding="utf-8")
    assert [kind for kind in OPS if f"`{kind}`" not in docs] == []
