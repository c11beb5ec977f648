"""costcalc sweep --measure: every variant timed on onnxruntime (a test extra, run in CI) beside its estimate, in
every format; torch where installed. Times vary with the machine, so the tests check what is timed, how it is
shown and how a latency limit reads it, not the figures."""

import csv
import importlib.util
import io
import json
import re

import jsonschema
import pytest
from conftest import ROOT, run

from costcalc.device.measured import Timed
from costcalc.device.settings import DeviceSettings
from costcalc.errors import CostcalcError
from costcalc.runtimes.machine import machine_name
from costcalc.sweep.device import Measure, OnDevice
from costcalc.sweep.render import measured_notes
from costcalc.sweep.run import Variant, sweep

MOBILENET = "specs/zoo/mobilenet_keras.yaml"
SMALL = ["--vary", "alpha=0.25,0.5", "--vary", "resolution=64"]
MEASURE = ["--measure", "--rounds", "1", "--device", "a100"]


def sweep_of(*args: str, fmt: str = "text") -> str:
    result = run("sweep", MOBILENET, *SMALL, *MEASURE, *args, "--format", fmt)
    assert result.code in (0, 1), result.err
    return result.out


def test_the_library_measures_every_variant_beside_its_estimate():
    text = (ROOT / MOBILENET).read_text(encoding="utf-8")
    found = sweep(text, MOBILENET, [("alpha", ["0.25", "0.5"]), ("resolution", ["64"])],
                  on_device=OnDevice(devices=("a100",), measure=Measure("onnxruntime", threads=1, rounds=2)))
    assert [v.values for v in found.variants] == [(0.25, 64), (0.5, 64)]
    assert all(v.measured and v.measured.rounds == 2 and v.measured.median_s > 0 for v in found.variants)
    assert (found.measured.runtime, found.measured.threads, found.measured.rounds, found.measured.fused) == (
        "onnxruntime", 1, 2, True)
    first = found.variants[0]  # the estimate is fused, as onnxruntime runs the model
    fused = sweep(text, MOBILENET, [("alpha", ["0.25"]), ("resolution", ["64"])],
                  on_device=OnDevice(DeviceSettings(fused=True), devices=("a100",)))
    assert first.on_device == fused.variants[0].on_device
    assert first.error_percent("a100") == pytest.approx(
        100 * (first.on_device.latency_s["a100"] / first.measured.median_s - 1))


def test_the_table_and_markdown_show_measured_and_error_columns():
    lines = sweep_of().splitlines()
    header = next(line for line in lines if "alpha" in line)
    assert [cell.strip() for cell in header.strip("┃").split("┃")][-3:] == ["a100 time", "measured", "a100 error"]
    rows = [line for line in lines if line.startswith("│")]
    assert len(rows) == 2 and all(row.rstrip(" │").endswith("%") for row in rows)
    assert ("measured: onnxruntime " in sweep_of() and
            "CPU, 1 thread, batch 1, float32, the median of 1 interleaved round after a warm-up; "
            "error: the estimate (fused, as it runs the model) against it" in sweep_of())
    markdown = sweep_of(fmt="markdown")
    assert "| a100 time | measured | a100 error |" in markdown


def test_json_carries_the_measurement_and_meets_its_schema():
    data = json.loads(sweep_of(fmt="json"))
    schema = json.loads((ROOT / "costcalc" / "schemas" / "output-sweep.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["measured"]["runtime"] == "onnxruntime" and data["measured"]["fused"] is True
    for variant in data["variants"]:
        measured = variant["measured"]
        assert measured["low_s"] <= measured["measured_s"] <= measured["high_s"] and measured["rounds"] == 1
        estimate = variant["latency_s"]["a100"]
        assert measured["error_percent"]["a100"] == pytest.approx(100 * (estimate / measured["measured_s"] - 1))
    assert json.loads(run("sweep", MOBILENET, *SMALL, "--format", "json").out)["measured"] is None


def test_a_device_calibrated_elsewhere_is_named_with_what_it_was_made_on(tmp_path):
    made = {"runtime": "torch", "version": "2.14.1", "threads": 2, "machine": "x86_64 Elsewhere", "cpus": 8,
            "date": "2026-12-06 20:15 UTC"}
    saved = tmp_path / "made.json"
    saved.write_text(json.dumps({"devices": {"away": {"tflops": {"float32": 1}, "bandwidth_gbs": 10, "source": "s",
                                                      "calibrated_on": made}}}))
    args = ("sweep", MOBILENET, *SMALL, "--measure", "--rounds", "1", "--devices", str(saved), "--device", "away",
            "--device", "a100")
    version = importlib.import_module("onnxruntime").__version__
    caveat = (f"away: the device was calibrated on torch 2.14.1, 2 threads, x86_64 Elsewhere; this is onnxruntime "
              f"{version}, 1 thread, {machine_name()}: for an estimate of this runtime here, costcalc devices "
              "calibrate --runtime onnxruntime --threads 1")
    assert json.loads(run(*args, "--format", "json").out)["measured"]["caveats"] == [caveat]
    assert caveat in " ".join(run(*args).out.split())
    assert json.loads(sweep_of(fmt="json"))["measured"]["caveats"] == []


def test_a_device_calibrated_here_at_another_speed_is_named_with_its_probe(tmp_path):
    """Its probe is timed once among the variants; a device without one, or made elsewhere, times none."""
    version = importlib.import_module("onnxruntime").__version__
    here = {"runtime": "onnxruntime", "version": version, "threads": 1, "machine": machine_name(), "cpus": 2,
            "date": "2026-12-06 23:00 UTC"}
    saved = tmp_path / "made.json"
    saved.write_text(json.dumps({"devices": {"here": {
        "tflops": {"float32": 1}, "bandwidth_gbs": 10, "source": "s", "calibrated_on": here,
        "probe": {"network": "examples/bottleneck_5x5 separable", "seconds": 1e-6}}}}))
    args = ("sweep", MOBILENET, *SMALL, "--measure", "--rounds", "1", "--devices", str(saved), "--device", "here",
            "--device", "a100")
    (caveat,) = json.loads(run(*args, "--format", "json").out)["measured"]["caveats"]
    assert re.fullmatch(r"here: this machine ran examples/bottleneck_5x5 separable, a network of the calibration, "
                        r"in [0-9.]+ [mµ]s, [0-9.e+-]+ times the 1 µs it took when here was calibrated: it runs slower "
                        "than then, or slower among these designs, and estimates on the device may be off by as much; "
                        "time again when the machine is steadier, or calibrate again", caveat)


def test_devices_that_share_a_probe_time_it_once_and_each_is_set_against_its_own_time(tmp_path, monkeypatch):
    from costcalc.runtimes import timing

    version = importlib.import_module("onnxruntime").__version__
    here = {"runtime": "onnxruntime", "version": version, "threads": 1, "machine": machine_name(), "cpus": 2,
            "date": "2026-12-06 23:00 UTC"}
    entry = {"tflops": {"float32": 1}, "bandwidth_gbs": 10, "source": "s", "calibrated_on": here}
    network = "examples/bottleneck_5x5 separable"
    saved = tmp_path / "made.json"
    saved.write_text(json.dumps({"devices": {"early": {**entry, "probe": {"network": network, "seconds": 1e-6}},
                                             "late": {**entry, "probe": {"network": network, "seconds": 1.0}}}}))
    timed_keys = []

    def interleaved(runs, rounds, settle_s):
        timed_keys.extend(runs)
        return {name: Timed(0.001, 0.001, 0.001, rounds) for name in runs}

    monkeypatch.setattr(timing, "interleaved", interleaved)
    found = json.loads(run("sweep", MOBILENET, *SMALL, "--measure", "--rounds", "1", "--devices", str(saved),
                           "--device", "early", "--device", "late", "--format", "json").out)
    assert [key for key in timed_keys if key.startswith("probe of ")] == [f"probe of {network}"]
    assert [caveat[:caveat.index(":")] + caveat[caveat.index(" times the"):caveat.index(" it took")]
            for caveat in found["measured"]["caveats"]] == ["early times the 1 µs", "late times the 1 s"]


def test_variants_whose_rounds_spread_wider_than_the_band_are_named(monkeypatch):
    from costcalc.runtimes import timing

    spreads = iter([Timed(1.0, 0.7, 1.3, 2), Timed(1.0, 0.95, 1.05, 2)])
    monkeypatch.setattr(timing, "interleaved", lambda runs, rounds, settle_s: {name: next(spreads) for name in runs})
    found = sweep((ROOT / MOBILENET).read_text(encoding="utf-8"), MOBILENET, [("alpha", ["0.25", "0.5"]),
                  ("resolution", ["64"])], on_device=OnDevice(devices=("a100",), measure=Measure("onnxruntime")))
    assert measured_notes(found)[-1] == (
        "rounds spread by more than 20% of the median (alpha=0.25, resolution=64 60%): this machine's speed moved "
        "while timing, so an error within that spread says little; time again, or with more --rounds")


def test_csv_has_the_measured_columns():
    rows = list(csv.DictReader(io.StringIO(sweep_of(fmt="csv"))))
    assert len(rows) == 2
    assert list(rows[0])[-5:] == ["measured_s", "low_s", "high_s", "error_percent_a100", "fits"]
    assert all(float(row["measured_s"]) > 0 for row in rows)


def test_a_latency_limit_holds_against_the_measured_time():
    data = json.loads(sweep_of("--max-latency", "1000s", fmt="json"))
    assert [v["fits"] for v in data["variants"]] == [True, True]
    assert data["variants"][0]["limits"] == {"latency": 1000.0}
    timed = Variant((0.5,), "main", None, {"latency": 2_000_000}, None, Timed(0.0015, 0.001, 0.002, 3))
    assert timed.figure("latency") == 1_500_000 and timed.fits  # the estimate (no figures here) is not read
    assert not Variant((0.5,), "main", None, {"latency": 1_000_000}, None, Timed(0.0015, 0.001, 0.002, 3)).fits
    over = run("sweep", MOBILENET, *SMALL, *MEASURE, "--max-latency", "1ns")
    assert over.code == 1 and "fits: the measured latency against the latency limit, not the estimate" in over.out


def test_without_a_device_the_estimate_is_on_this_machine():
    result = run("sweep", MOBILENET, "--vary", "alpha=0.25", "--vary", "resolution=64", "--measure", "--rounds", "1")
    assert result.code == 0, result.err
    assert "device this-machine: this machine by numpy, measured now" in result.out
    assert "this-machine error" in result.out


def test_the_measured_latency_is_plotted():
    result = run("sweep", MOBILENET, *SMALL, *MEASURE, "--plot", "measured_latency", "--max-latency", "1s")
    assert result.code == 0, result.err
    assert result.out.splitlines()[0].startswith(f"{MOBILENET}: measured latency on onnxruntime ")
    assert "budget: measured latency ≤ 1 s" in result.out


@pytest.mark.parametrize(("args", "message"), [
    (["--vary", "alpha=0.25:1.05:0.05", "--measure"],
     "17 variants to measure, more than 16: each is timed for seconds; vary fewer values, or pick one design with "
     "--design\n"),
    (["--vary", "alpha=0.25", "--measure", "--dtype", "float16"],
     "sweep --measure runs float32 models only, not float16; leave out --dtype and --weight-dtype; exported models "
     "are float32\n"),
    (["--vary", "alpha=0.25", "--plot", "measured_latency"],
     "--plot measured_latency draws the time on a runtime; give --measure\n"),
])
def test_what_cannot_be_measured_is_one_line(args, message):
    result = run("sweep", MOBILENET, *args)
    assert (result.code, result.err) == (2, message)


@pytest.mark.parametrize(("args", "message"), [
    (["--threads", "2"], "Error: --threads: these time the variants, with --measure; add --measure"),
    (["--measure", "--fused"], "Error: --fused: with --measure the estimate is fused as the runtime runs the model "
                               "(onnxruntime folds, torch does not); leave out --fused"),
])
def test_flags_that_contradict_measuring_are_usage_errors(args, message):
    result = run("sweep", MOBILENET, "--vary", "alpha=0.25", *args)
    assert result.code == 2 and result.err.splitlines()[-1] == message


def test_more_variants_than_the_limit_are_refused_before_any_is_built():
    text = (ROOT / MOBILENET).read_text(encoding="utf-8")
    with pytest.raises(CostcalcError, match="^17 variants to measure, more than 16"):
        sweep(text, MOBILENET, [("alpha", [str(0.25 + i / 100) for i in range(17)])],
              on_device=OnDevice(measure=Measure()))


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="torch is installed here")
def test_without_torch_sweep_measure_says_what_to_install():
    result = run("sweep", MOBILENET, "--vary", "alpha=0.25", "--measure", "--runtime", "torch")
    assert (result.code, result.err) == (
        2, "costcalc sweep --measure --runtime torch needs torch, which is not installed: pip install torch\n")


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed: the torch runtime")
def test_sweep_measure_on_torch_estimates_unfused():
    data = json.loads(sweep_of("--runtime", "torch", fmt="json"))
    assert (data["measured"]["runtime"], data["measured"]["fused"]) == ("torch", False)
    assert all(v["measured"]["measured_s"] > 0 for v in data["variants"])
