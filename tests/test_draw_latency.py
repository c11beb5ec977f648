"""draw --device: boxes filled by their share of the design's estimated latency on a device, at a batch."""

import math
import xml.etree.ElementTree as ET

import pytest
from conftest import SPECS, run
from test_draw import at_root, design  # noqa: F401 (at_root: every test runs at the repository's root)

from costcalc import analyze, loads
from costcalc.device.figures import on_device
from costcalc.device.latency import latency
from costcalc.device.profiles import builtin_devices
from costcalc.device.settings import DeviceSettings
from costcalc.device.traffic import memory
from costcalc.draw.geometry import CHAR_W, diagram_of
from costcalc.draw.svg import svg
from costcalc.draw.timing import latency_fill

SVG = "{http://www.w3.org/2000/svg}"
A100 = builtin_devices()["a100"]
COMPUTE = 19.5e12 * 0.5    # a100's float32 peak (datasheet) × the default compute efficiency, FLOP/s
MEMORY = 2039e9 * 0.7      # its bandwidth × the default memory efficiency, bytes/s
OVERHEAD = 5e-6            # the default per-layer overhead, s


def separable_times(batch: int) -> tuple[float, float]:
    """The roofline by hand for the separable design of bottleneck_5x5.yaml (28×28×192 at float32): the depthwise
    5×5 (7,676,928 FLOPs; 602,112 bytes in and out per sample, 19,968 of weights) is memory-bound, the 1×1 conv
    to 32 channels (9,658,880 FLOPs; 602,112 in, 24,704 of weights, 100,352 out) compute-bound."""
    depthwise = max(batch * 7_676_928 / COMPUTE, (batch * 2 * 602_112 + 19_968) / MEMORY) + OVERHEAD
    pointwise = max(batch * 9_658_880 / COMPUTE, (batch * (602_112 + 100_352) + 24_704) / MEMORY) + OVERHEAD
    return depthwise, pointwise


@pytest.mark.parametrize("batch", [1, 8])
def test_each_box_is_filled_by_its_share_of_the_roofline_latency(batch):
    separable = design(SPECS / "bottleneck_5x5.yaml", "separable")
    fill = latency_fill(on_device(separable, DeviceSettings(batch=batch), A100))
    estimates = latency(separable, memory(separable, 4, 4, False, batch), A100, "float32", batch)
    depthwise, pointwise = separable_times(batch)
    assert estimates["depthwise1"].seconds == pytest.approx(depthwise, rel=1e-12)
    assert estimates[""].seconds == pytest.approx(depthwise + pointwise, rel=1e-12)
    assert fill.shares == {"depthwise1": estimates["depthwise1"].seconds / estimates[""].seconds,
                           "conv2": estimates["conv2"].seconds / estimates[""].seconds}
    assert fill.shares["depthwise1"] == pytest.approx(depthwise / (depthwise + pointwise), rel=1e-12)
    boxes = {box.path: box for box in diagram_of(separable, fill=fill).boxes}
    assert boxes["depthwise1"].share == fill.shares["depthwise1"]


def test_the_batch_changes_the_shares_as_the_roofline_says():
    separable = design(SPECS / "bottleneck_5x5.yaml", "separable")
    one, eight = (latency_fill(on_device(separable, DeviceSettings(batch=b), A100)).shares for b in (1, 8))
    assert round(one["depthwise1"], 4) == 0.4944    # 5.858 µs of 11.848 µs
    assert round(eight["depthwise1"], 4) == 0.4765  # 11.764 µs of 24.689 µs: the fixed overhead weighs less
    macs = diagram_of(separable).boxes[1].share
    assert round(macs, 4) == 0.4386                 # 3,763,200 of 8,580,096 MACs, whatever the batch


def test_the_legend_and_each_tooltip_say_what_the_fill_is():
    text = run("draw", "specs/bottleneck_5x5.yaml", "--design", "separable", "--device", "a100", "--batch", "8",
               "-o", "-").out
    root = ET.fromstring(text)
    caption = "fill: share of the estimated latency on a100 at batch 8, 24.7 µs (float32); device a100: built-in"
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "legend"] == [caption]
    tips = {g.get("data-path"): g.find(f"{SVG}title") for g in root.iter(f"{SVG}g")}
    assert tips["input"] is None
    assert tips["depthwise1"].text == ("depthwise1 · depthwise\n28×28×192\n3.8M MACs · 5.0K params\n"
                                       "11.8 µs on a100, memory-bound; 47.6% of the design's 24.7 µs")
    assert tips["conv2"].text.endswith("12.9 µs on a100, compute-bound; 52.4% of the design's 24.7 µs")
    assert float(root.get("width")) == max(16 + 7 * 70, math.ceil(32 + CHAR_W * len(caption)))  # the caption fits


def test_the_caption_names_the_weight_dtype_and_fusion_and_a_fused_layer_takes_its_compute_time():
    spec = loads("name: n\ninput: [28, 28, 64]\nlayers:\n  - conv: {filters: 64, kernel: 3, bias: false}\n"
                 "  - batchnorm\n  - relu\n")
    result = analyze(spec).design("main")
    fill = latency_fill(on_device(result, DeviceSettings("float16", "int8", fused=True, batch=2), A100))
    estimates = latency(result, memory(result, 2, 1, True, 2), A100, "float16", 2)
    relu = estimates["relu3"]
    assert (relu.bound, relu.memory_s, relu.overhead_s) == ("fused", 0.0, 0.0)
    assert relu.seconds == pytest.approx(2 * result.rows[2].cost.flops / (312e12 * 0.5), rel=1e-12)
    assert fill.shares["relu3"] == relu.seconds / estimates[""].seconds
    assert fill.notes["relu3"] == ("relu3 · relu\n28×28×64\n0 MACs · 0 params\n"
                                   "0.643 ns on a100, fused: its compute time only; <0.1% of the design's 5.74 µs")
    assert fill.notes["conv1"].endswith("5.74 µs on a100, compute-bound; >99.9% of the design's 5.74 µs")
    assert fill.caption.endswith("(float16, int8 weights, fused); device a100: built-in")


def test_a_folded_branch_is_filled_by_the_sum_of_its_layers_times():
    reduced = design(SPECS / "googlenet_3a.yaml", "reduced")
    fill = latency_fill(on_device(reduced, DeviceSettings(), A100))
    estimates = latency(reduced, memory(reduced, 4), A100, "float32")
    layers = [path for path in memory(reduced, 4).steps if path.startswith("3a/3x3/")]
    assert layers == ["3a/3x3/conv1", "3a/3x3/conv2"]  # each with its relu (`activation:`)
    assert fill.shares["3a/3x3"] == pytest.approx(sum(estimates[p].seconds for p in layers) / estimates[""].seconds,
                                                  rel=1e-12)
    boxes = diagram_of(reduced, 1, fill).boxes
    assert [b.path for b in boxes] == ["input", "3a/1x1", "3a/3x3", "3a/5x5", "3a/pool", "3a/concat"]
    assert sum(b.share for b in boxes[1:]) == pytest.approx(1, rel=1e-12)
    assert "mostly compute-bound;" in boxes[2].note


def test_without_a_device_the_picture_is_the_macs_one():
    reduced = design(SPECS / "googlenet_3a.yaml", "reduced")
    plain = run("draw", "specs/googlenet_3a.yaml", "--design", "reduced", "-o", "-").out
    assert plain == svg(diagram_of(reduced), "GoogLeNet inception (3a), with and without 1x1 reductions — reduced")
    assert "<title>" not in plain.partition("</title>")[2]  # no tooltips
    assert run("draw", "specs/googlenet_3a.yaml", "--design", "reduced", "--dtype", "float16", "-o", "-").out == plain


def test_the_fill_follows_the_latency_not_the_macs():
    """On a T4, MobileNetV2's depthwise layers take 12.5% of the estimated time but 6.9% of the MACs."""
    result = design(SPECS / "zoo" / "mobilenet_v2_torchvision.yaml")
    fill = latency_fill(on_device(result, DeviceSettings(), builtin_devices()["t4"]))
    depthwise = [row for row in result.rows if row.kind == "depthwise"]
    by_time = sum(fill.shares[row.path] for row in depthwise)
    by_macs = sum(row.cost.macs for row in depthwise) / result.total.macs
    assert (round(by_time, 3), round(by_macs, 3)) == (0.125, 0.069)
    boxes = {box.path: box for box in diagram_of(result, fill=fill).boxes}
    assert boxes[depthwise[0].path].share == fill.shares[depthwise[0].path]


def test_the_html_page_carries_the_latency_picture(tmp_path):
    page = tmp_path / "s.html"
    assert run("draw", "specs/bottleneck_5x5.yaml", "-d", "separable", "--device", "a100", "-o", str(page)).code == 0
    text = page.read_text(encoding="utf-8")
    assert "fill: share of the estimated latency on a100 at batch 1, 11.8 µs (float32)" in text
    assert "5.86 µs on a100, memory-bound; 49.4% of the design's 11.8 µs" in text


@pytest.mark.parametrize("args, message", [
    (["--batch", "8"], "Error: --batch changes only the latency fill, which needs a device: "
                       "add --device NAME (costcalc devices lists them)"),
    (["--batch", "1"], "Error: --batch changes only the latency fill, which needs a device: "
                       "add --device NAME (costcalc devices lists them)"),
    (["--fused"], "Error: --fused changes only the latency fill, which needs a device: "
                  "add --device NAME (costcalc devices lists them)"),
    (["--weight-dtype", "int8"], "Error: --weight-dtype changes only the latency fill, which needs a device: "
                                 "add --device NAME (costcalc devices lists them)"),
    (["--batch", "0", "--device", "a100"], "Error: Invalid value for '--batch': 0 is not in the range x>=1."),
    (["--device", "a10"], "no device 'a10'; did you mean 'a100'?"),
    (["--device", "t4", "--dtype", "bfloat16"],
     "device 't4' has no throughput figure for bfloat16; it has: float32, float16, int8; choose one with --dtype"),
])
def test_draw_device_errors(args, message):
    result = run("draw", "specs/bottleneck_5x5.yaml", "-o", "-", *args)
    assert result.code == 2
    assert result.err.splitlines()[-1] == message
    assert result.out == ""
