"""`costcalc diff --memory / --device`: bytes moved, peak activation memory, weights bytes and latency, old → new."""

import json

import pytest
from conftest import ROOT, run

SPEC, WIDER = "specs/bottleneck_5x5.yaml", "tests/data/bottleneck_wider.yaml"
PAIR = ("--design", "standard", "--design", "bottleneck")


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def diff_json(*args: str) -> dict:
    result = run("diff", *args, "--format", "json")
    assert (result.code, result.err) == (0, "")
    return json.loads(result.out)


def change(old, new) -> dict:
    return {"old": old, "new": new, "change_percent": round(100 * (new - old) / old, 4)}


def test_memory_gives_the_documented_bytes_and_peaks_old_to_new():
    data = diff_json(SPEC, *PAIR, "--memory")
    (pair,) = data["designs"]
    totals = pair["totals"]
    assert data["batch"] == 1
    assert totals["bytes_moved"] == change(1_316_992, 866_496)
    assert totals["peak_activation_bytes"] == change(702_464, 652_288)
    assert totals["weights_bytes"] == change(4 * 153_632, 4 * (192 * 16 + 16 + 16 * 25 * 32 + 32))
    assert totals["latency_s"] == {}
    assert totals["macs"] == change(120_422_400, 12_443_648)  # the counts as before


def test_batch_scales_the_activations_parts_and_not_the_weights():
    totals = diff_json(SPEC, *PAIR, "--memory", "--batch", "4")["designs"][0]["totals"]
    weights = (614_528, 63_680)
    assert totals["weights_bytes"] == change(*weights)
    assert totals["peak_activation_bytes"] == change(4 * 702_464, 4 * 652_288)
    assert totals["bytes_moved"] == change(4 * (1_316_992 - weights[0]) + weights[0],
                                           4 * (866_496 - weights[1]) + weights[1])
    assert totals["bytes_moved"]["old"] == 3_424_384
    assert totals["macs"] == change(120_422_400, 12_443_648)  # per sample, as report's


def test_weight_dtype_and_dtype():
    totals = diff_json(SPEC, *PAIR, "--memory", "--dtype", "float16", "--weight-dtype", "int8")["designs"][0]["totals"]
    assert totals["weights_bytes"] == change(153_632, 15_920)
    assert totals["bytes_moved"] == change(702_464 // 2 + 153_632, (866_496 - 63_680) // 2 + 15_920)
    assert totals["peak_activation_bytes"] == change(702_464 // 2, 652_288 // 2)


def test_fused_folds_the_new_relu_of_two_specs():
    unfused = diff_json(SPEC, WIDER, "--design", "bottleneck", "--memory")["designs"][0]["totals"]
    fused = diff_json(SPEC, WIDER, "--design", "bottleneck", "--memory", "--fused")["designs"][0]["totals"]
    # new: conv 1x1 to 24 (602,112 + 18,528 + 75,264), conv 5x5 (75,264 + 76,928 + 100,352), relu (100,352 twice)
    assert unfused["bytes_moved"] == change(866_496, 1_149_152)
    assert fused["bytes_moved"] == change(866_496, 1_149_152 - 2 * 100_352)


def test_device_adds_the_latency_on_each_device_as_compare_estimates_it():
    args = (*PAIR, "--device", "a100", "--device", "raspberry-pi-5")
    data = diff_json(SPEC, *args)
    totals = data["designs"][0]["totals"]
    compared = {d["name"]: d["latency_s"] for d in json.loads(
        run("compare", SPEC, "--device", "a100", "--device", "raspberry-pi-5", "--format", "json").out)["designs"]}
    for device in ("a100", "raspberry-pi-5"):
        old, new = compared["standard"][device], compared["bottleneck"][device]
        assert totals["latency_s"][device] == {"old": old, "new": new,
                                               "change_percent": round(100 * (new - old) / old, 4)}
    # on the a100 every conv here is compute-bound: FLOPs / (19.5 TFLOP/s × 0.5) + 5 µs per layer
    a100 = totals["latency_s"]["a100"]
    assert a100["old"] == pytest.approx(totals["flops"]["old"] / (19.5e12 * 0.5) + 5e-6)
    assert a100["new"] == pytest.approx(totals["flops"]["new"] / (19.5e12 * 0.5) + 2 * 5e-6)
    assert totals["bytes_moved"] == change(1_316_992, 866_496)


def test_text_csv_and_markdown_show_every_device_figure():
    args = (SPEC, *PAIR, "--device", "a100")
    lines = run("diff", *args, "--exact").out.splitlines()
    table = [line for line in lines if "bytes" in line or "latency" in line or "batch" in line]
    assert table == [
        "│ standard → bottleneck │ activation_bytes      │     100,352 │    150,528 │ +50.0% │",
        "│ standard → bottleneck │ bytes_moved           │   1,316,992 │    866,496 │ -34.2% │",
        "│ standard → bottleneck │ peak_activation_bytes │     702,464 │    652,288 │  -7.1% │",
        "│ standard → bottleneck │ weights_bytes         │     614,528 │     63,680 │ -89.6% │",
        "│ standard → bottleneck │ latency_s_a100        │     29.7 µs │    12.6 µs │ -57.7% │",
        "device figures for a batch of 1; latency is a roofline estimate (docs/latency.md)",
    ]
    csv = run("diff", *args, "--format", "csv").out.splitlines()
    assert "standard → bottleneck,,total,bytes_moved,1316992,866496,-34.2064" in csv
    assert "standard → bottleneck,,total,peak_activation_bytes,702464,652288,-7.1429" in csv
    assert "standard → bottleneck,,total,weights_bytes,614528,63680,-89.6376" in csv
    assert [line.split(",")[3] for line in csv if "latency" in line] == ["latency_s_a100"]
    markdown = run("diff", *args, "--format", "markdown").out
    assert "| **standard → bottleneck** | **bytes_moved** | **1.3 MiB** | **846.2 KiB** | **-34.2%** |" in markdown
    assert "| **standard → bottleneck** | **latency_s_a100** | **29.7 µs** | **12.6 µs** | **-57.7%** |" in markdown


def test_without_device_options_nothing_is_added():
    plain = run("diff", SPEC, WIDER, "--format", "json").out
    assert plain == run("diff", SPEC, WIDER, "--format", "json", "--batch", "4", "--fused").out
    assert "batch" not in json.loads(plain) and "bytes_moved" not in plain


def test_an_unknown_device_is_bad_input():
    result = run("diff", SPEC, *PAIR, "--device", "a10O")
    assert (result.code, result.out, result.err) == (2, "", "no device 'a10O'; did you mean 'a100'?\n")


def test_a_device_of_the_new_spec(spec_file):
    old = spec_file("input: [8, 8, 4]\nlayers:\n  - conv: {filters: 4, kernel: 1}\n", "old.yaml")
    new = spec_file("input: [8, 8, 4]\nlayers:\n  - conv: {filters: 8, kernel: 1}\n"
                    "devices:\n  board: {tflops: {float32: 1}, bandwidth_gbs: 1, source: test}\n", "new.yaml")
    latency = json.loads(run("diff", old, new, "--device", "board", "--format", "json").out)[
        "designs"][0]["totals"]["latency_s"]["board"]
    # memory-bound at 1 GB/s × 0.7: (input 256 + weights 20 + output 256) × 4 bytes, then 8 channels out
    assert latency["old"] == pytest.approx(4 * (256 + 20 + 256) / 0.7e9 + 5e-6)
    assert latency["new"] == pytest.approx(4 * (256 + 40 + 512) / 0.7e9 + 5e-6)
