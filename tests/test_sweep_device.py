"""costcalc sweep --memory / --device: each variant's bytes, peak memory, weights and latency, as report gives them."""

import csv
import io
import json

import pytest
from conftest import run

from costcalc.errors import CostcalcError
from costcalc.sweep.device import OnDevice
from costcalc.sweep.run import sweep

MOBILENET = "specs/zoo/mobilenet_keras.yaml"
TWO = ["--vary", "alpha=0.25,1.0", "--vary", "resolution=128"]
SMALL = """\
params: {width: 8}
input: [16, 16, 3]
layers:
  - conv: {filters: $width, kernel: 3, bias: false}
  - batchnorm
  - relu
  - global_avgpool
  - dense: {units: 10}
"""


def report_totals(*settings: str, device: str | None = None) -> dict:
    """The totals of `costcalc report SPEC --set … --memory --format json`, one variant the ordinary way."""
    args = [arg for setting in settings for arg in ("--set", setting)] + (["--device", device] if device else [])
    out = run("report", MOBILENET, *args, "--memory", "--format", "json")
    assert out.code == 0, out.err
    return json.loads(out.out)["designs"][0]["totals"]


def sweep_json(*args: str) -> dict:
    out = run("sweep", MOBILENET, *args, "--format", "json")
    assert out.code in (0, 1), out.err
    return json.loads(out.out)


def test_every_variant_moves_the_bytes_report_gives_it():
    variants = sweep_json(*TWO, "--memory")["variants"]
    figures = [{key: v[key] for key in ("bytes_moved", "peak_activation_bytes", "weights_bytes")} for v in variants]
    assert figures == [  # weights: 475,544 and 4,253,864 parameters at 4 bytes
        {"bytes_moved": 13_052_928, "peak_activation_bytes": 532_544, "weights_bytes": 1_902_176},
        {"bytes_moved": 60_968_640, "peak_activation_bytes": 2_130_176, "weights_bytes": 17_015_456},
    ]
    for found, alpha in zip(figures, ("0.25", "1.0")):
        totals = report_totals(f"alpha={alpha}", "resolution=128")
        assert found == {"bytes_moved": totals["bytes_moved"], "peak_activation_bytes": totals["live_bytes"],
                         "weights_bytes": totals["weight_bytes_read"]}
    assert [(v["batch"], v["latency_s"]) for v in variants] == [(1, {}), (1, {})]


def test_dtypes_fusion_and_the_batch_are_those_of_report():
    options = ["--dtype", "float16", "--weight-dtype", "int8", "--fused", "--batch", "4"]
    variant = sweep_json(*TWO, "--memory", *options)["variants"][1]
    out = run("report", MOBILENET, "--set", "alpha=1.0", "--set", "resolution=128", "--memory", *options,
              "--format", "json")
    totals = json.loads(out.out)["designs"][0]["totals"]
    assert (variant["batch"], variant["bytes_moved"], variant["peak_activation_bytes"], variant["weights_bytes"]) == (
        4, totals["bytes_moved"], totals["live_bytes"], totals["weight_bytes_read"])


def test_the_latency_per_device_is_that_of_compare():
    variants = sweep_json(*TWO, "--device", "jetson-nano", "--device", "a100")["variants"]
    for variant, alpha in zip(variants, ("0.25", "1.0")):
        out = run("compare", MOBILENET, "--set", f"alpha={alpha}", "--set", "resolution=128",
                  "--device", "jetson-nano", "--device", "a100", "--format", "json")
        assert variant["latency_s"] == json.loads(out.out)["designs"][0]["latency_s"]
        assert list(variant["latency_s"]) == ["jetson-nano", "a100"]
    assert variants[0]["latency_s"]["jetson-nano"] < variants[1]["latency_s"]["jetson-nano"]


def test_the_table_csv_and_markdown_carry_the_figures():
    table = run("sweep", MOBILENET, *TWO, "--device", "jetson-nano")
    assert table.code == 0
    lines = table.out.splitlines()
    assert "bytes moved" in lines[2] and "peak memory" in lines[2] and "jetson-nano time" in lines[2]
    assert "batch 1; latency is a roofline estimate (docs/latency.md)" in lines
    rows = list(csv.DictReader(io.StringIO(run("sweep", MOBILENET, *TWO, "--device", "jetson-nano",
                                               "--format", "csv").out)))
    variants = sweep_json(*TWO, "--device", "jetson-nano")["variants"]
    assert list(rows[0])[-7:] == ["activation_bytes", "batch", "bytes_moved", "peak_activation_bytes", "weights_bytes",
                                  "latency_s_jetson-nano", "fits"]
    assert [int(row["bytes_moved"]) for row in rows] == [v["bytes_moved"] for v in variants]
    assert [float(row["latency_s_jetson-nano"]) for row in rows] == [v["latency_s"]["jetson-nano"] for v in variants]
    markdown = run("sweep", MOBILENET, *TWO, "--memory", "--exact", "--format", "markdown").out
    assert f"| {variants[1]['bytes_moved']:,} | {variants[1]['peak_activation_bytes']:,} |" in markdown


def test_a_latency_limit_marks_what_fits_and_exceeded_everywhere_is_exit_1():
    variants = sweep_json(*TWO, "--device", "jetson-nano")["variants"]
    between = (variants[0]["latency_s"]["jetson-nano"] + variants[1]["latency_s"]["jetson-nano"]) / 2
    data = sweep_json(*TWO, "--device", "jetson-nano", "--max-latency", f"{between * 1e6:.0f}us")
    assert [v["fits"] for v in data["variants"]] == [True, False]
    assert data["largest_that_fits"]["values"] == {"alpha": 0.25, "resolution": 128}
    out = run("sweep", MOBILENET, *TWO, "--device", "jetson-nano", "--max-latency", "1us")
    assert out.code == 1
    assert out.out.splitlines()[-1] == "0 of 2 variants fit their budget; none fits"


def test_a_latency_limit_holds_on_every_device():
    fast_only = sweep_json(*TWO, "--device", "a100", "--device", "jetson-nano", "--max-latency", "1ms")
    assert [v["fits"] for v in fast_only["variants"]] == [False, False]
    assert [v["fits"] for v in sweep_json(*TWO, "--device", "a100", "--max-latency", "1ms")["variants"]] == [True, True]


def test_training_figures_are_those_of_compare_and_a_train_memory_limit_counts_adam_by_default():
    data = sweep_json(*TWO, "--max-train-memory", "40MiB")
    # adam: weights + gradients + 2 states per trainable parameter, at 4 bytes, + every tensor saved for backward
    assert [(v["training"]["memory_bytes"], v["fits"]) for v in data["variants"]] == [
        (1_902_176 + 1_880_288 + 2 * 1_880_288 + 5_675_680, True), (89_876_064, False)]
    for variant, alpha in zip(data["variants"], ("0.25", "1.0")):
        out = run("compare", MOBILENET, "--set", f"alpha={alpha}", "--set", "resolution=128", "--training", "adam",
                  "--format", "json")
        assert variant["training"] == json.loads(out.out)["designs"][0]["training"]
    rows = list(csv.DictReader(io.StringIO(run("sweep", MOBILENET, *TWO, "--training", "sgd", "--format", "csv").out)))
    assert [(row["training_optimizer"], int(row["training_memory_bytes"])) for row in rows] == [
        ("sgd", 1_902_176 + 1_880_288 + 5_675_680), ("sgd", 56_020_256)]
    table = run("sweep", MOBILENET, *TWO, "--training", "sgd").out.splitlines()
    assert "train memory" in table[2] and "training: forward and backward, sgd optimizer" in table[-1]


def test_a_memory_limit_computes_the_figures_without_memory():
    data = sweep_json(*TWO, "--max-peak-memory", "2MiB", "--max-weights-bytes", "4MB")
    assert [(v["limits"], v["fits"]) for v in data["variants"]] == [
        ({"peak_memory": 2 * 2**20, "weights_bytes": 4_000_000}, True),
        ({"peak_memory": 2 * 2**20, "weights_bytes": 4_000_000}, False)]
    assert all("bytes_moved" in v for v in data["variants"])


@pytest.mark.parametrize("args, message", [
    (["--max-latency", "5ms"], "--max-latency: a latency limit needs a device to estimate on; give --device NAME"
                               " (costcalc devices lists them)"),
    (["--device", "jetson-nanno"], "no device 'jetson-nanno'; did you mean 'jetson-nano'?"),
    (["--plot", "latency"], "--plot latency draws the estimate on one device; give one --device NAME"),
])
def test_what_cannot_be_computed_is_refused(args, message):
    out = run("sweep", MOBILENET, *TWO, *args)
    assert (out.code, out.err) == (2, message + "\n")


def test_the_spec_budget_limits_device_figures_too():
    result = sweep(SMALL + "budget: {peak_memory: 20000}\n", "spec.yaml", [("width", ["4", "8", "16"])])
    # the peak is the batchnorm's: it reads the conv's 16 x 16 x width output and writes as many, at 4 bytes
    assert [(v.on_device.peak_activation_bytes, v.limits, v.fits) for v in result.variants] == [
        (8192, {"peak_memory": 20000}, True), (16384, {"peak_memory": 20000}, True),
        (32768, {"peak_memory": 20000}, False)]
    with pytest.raises(CostcalcError) as error:
        sweep(SMALL + "budget: {latency: 5ms}\n", "spec.yaml", [("width", ["4", "8"])])
    assert str(error.value) == ("spec.yaml:9:19: a latency limit needs a device to estimate on; give --device NAME"
                                " (costcalc devices lists them)")


def test_a_spec_device_is_found():
    text = SMALL + "devices:\n  tiny: {title: Tiny, tflops: {float32: 0.001}, bandwidth_gbs: 1, source: made up}\n"
    result = sweep(text, "spec.yaml", [("width", ["4", "8"])], on_device=OnDevice(devices=("tiny",)))
    assert [list(v.on_device.latency_s) for v in result.variants] == [["tiny"], ["tiny"]]


def test_a_device_figure_is_plotted():
    out = run("sweep", MOBILENET, "--vary", "alpha=0.25,0.5,1.0", "--vary", "resolution=128", "--plot", "peak_memory")
    assert out.code == 0 and out.out.splitlines()[0] == f"{MOBILENET}: peak memory against alpha"
    out = run("sweep", MOBILENET, "--vary", "alpha=0.25,0.5,1.0", "--vary", "resolution=128", "--plot", "latency",
              "--device", "jetson-nano")
    assert out.code == 0 and out.out.splitlines()[0] == f"{MOBILENET}: estimated latency on jetson-nano against alpha"
