"""The built-in devices' efficiencies fitted to published latencies (docs/latency.md, The built-in devices):
the fit reproduced from tests/data/reference/published_latency.tsv, and `costcalc devices` saying, in every
format, which devices' efficiencies are fitted and which assumed."""

import json
import sys

import pytest
from conftest import ROOT, run

from costcalc.count.engine import analyze
from costcalc.device.profiles import builtin_devices
from costcalc.device.published import SHARES, Published, estimate, fit, layers
from costcalc.device.settings import DeviceSettings
from costcalc.spec.reader import load

sys.path.insert(0, str(ROOT / "tools"))
from fit_published_latency import figures, fitted_entry, read_published, table

DEVICES_JSON = json.loads((ROOT / "costcalc" / "device" / "devices.json").read_text(encoding="utf-8"))["devices"]


@pytest.fixture(scope="module")
def fits():
    """device -> (its rows of the file, its figures, the fit)."""
    found = {}
    for device, rows in read_published().items():
        published = figures(rows)
        found[device] = rows, published, fit(published)
    return found


def test_every_published_figure_has_its_source_and_a_role_chosen_before_the_fit(fits):
    for device, (rows, _, _) in fits.items():
        assert device in DEVICES_JSON
        assert "fit" in {r["role"] for r in rows} <= {"fit", "held-out"}
        assert all(r["source"].startswith("https://") for r in rows)


def test_refitting_the_committed_figures_gives_devices_json(fits):
    for device, (rows, _, result) in fits.items():
        assert DEVICES_JSON[device]["fitted"] == fitted_entry(result, rows)
    assert {name for name, entry in DEVICES_JSON.items() if "fitted" in entry} == set(fits)


def test_coral_usb_fits_vgg_but_not_the_mobilenets_that_run_from_its_on_chip_memory(fits):
    _, published, result = fits["coral-usb"]
    assert (result.compute, result.memory, result.overhead_us) == (0.112, 1.0, 0)
    assert {n: round(100 * e) for n, e in result.errors.items()} == {
        "mobilenet_v1": 1074, "vgg16": -1, "mobilenet_v2": 1232, "vgg19": 2}
    assert result.held_out == ("mobilenet_v2", "vgg19") and round(100 * result.median_error, 1) == 616.7


def test_mlperf_resnet50_fits_the_a100_and_misses_where_a_batch_is_not_what_the_roofline_scales(fits):
    errors = {device: {n: round(100 * e) for n, e in fits[device][2].errors.items()}
              for device in ("a100", "l4", "jetson-agx-orin", "h100")}
    assert errors == {
        "a100": {"resnet50 Offline": 30, "resnet50 SingleStream": 7, "resnet50 MultiStream": 7},
        "l4": {"resnet50 Offline": 135, "resnet50 SingleStream": -4, "resnet50 MultiStream": 94},
        "jetson-agx-orin": {"resnet50 SingleStream": 0, "resnet50 MultiStream": 130},
        "h100": {"resnet50 Offline": 48}}


def test_a_fit_serves_its_dtype_only(fits):
    """a100's fit (int8, TensorRT) serves int8 estimates; float16 keeps the assumed 0.5 / 0.7 / 5 µs."""
    spec = "specs/zoo/resnet50_torchvision.yaml"
    _, published, result = fits["a100"]
    single = next(f for f in published if f.network == "resnet50 SingleStream")
    int8 = json.loads(run("compare", spec, "--device", "a100", "--dtype", "int8", "--fused", "--format", "json").out)
    assert int8["designs"][0]["latency_s"]["a100"] == pytest.approx(
        estimate(single.layers, result.compute, result.memory, result.overhead_us), rel=1e-12)
    half = json.loads(run("compare", spec, "--device", "a100", "--dtype", "float16", "--fused", "--format", "json").out)
    design = analyze(load(ROOT / spec)).designs[0]
    assumed = estimate(layers(design, builtin_devices()["a100"], DeviceSettings("float16", fused=True)), 0.5, 0.7, 5)
    assert half["designs"][0]["latency_s"]["a100"] == pytest.approx(assumed, rel=1e-12)
    board = run("explain", spec, "--device", "a100", "--dtype", "int8", "--layer", "fc").out
    assert "on a100 (int8): peak 624 TFLOP/s, 2039 GB/s, efficiency 1 / 1, overhead 5 µs" in board
    board = run("explain", spec, "--device", "a100", "--dtype", "float16", "--layer", "fc").out
    assert "on a100 (float16): peak 312 TFLOP/s, 2039 GB/s, efficiency 0.5 / 0.7, overhead 5 µs" in board


def test_docs_latency_shows_every_networks_estimate_and_error(fits):
    docs = (ROOT / "docs" / "latency.md").read_text(encoding="utf-8")
    for device, (rows, published, result) in fits.items():
        assert "\n".join(table(published, result)) in docs
        held_out = f"→ {100 * result.median_error:.1f}% |" if result.held_out else "none held out |"
        summary = f"| {rows[0]['dtype']} | {result.compute:g} / {result.memory:g} / {result.overhead_us:g} µs | "
        assert any(line.startswith(f"| {device} |") and summary in line and line.endswith(held_out)
                   for line in docs.splitlines()), device


def test_the_fit_finds_the_efficiencies_that_made_the_times_and_never_looks_at_the_held_out():
    layers = [((2e-3, 1e-3, False), (1e-4, 3e-4, False), (5e-5, 0.0, True)), ((1e-5, 4e-5, False),) * 40,
              ((3e-3, 2e-4, False), (2e-4, 2e-3, False))]
    compute, memory, overhead = SHARES[30], SHARES[17], 20
    made = [Published(f"n{i}", estimate(one, compute, memory, overhead), i == 2, one) for i, one in enumerate(layers)]
    result = fit(made)
    assert (result.compute, result.memory, result.overhead_us) == (compute, memory, overhead)
    assert max(abs(e) for e in result.errors.values()) < 1e-9
    skewed = fit([*made[:2], Published("n2", 10 * made[2].seconds, True, layers[2])])
    assert (skewed.compute, skewed.memory, skewed.overhead_us) == (compute, memory, overhead)
    assert skewed.errors["n2"] == pytest.approx(-0.9) and skewed.median_error == pytest.approx(0.9)


def test_a_figure_no_published_time_decides_stays_the_assumed_one():
    """Two memory-bound networks decide the memory efficiency and the overhead, not the compute efficiency: it
    stays the grid's nearest to the assumed 0.5."""
    one, ten = ((1e-9, 1e-3, False),), ((1e-9, 1e-4, False),) * 10
    result = fit([Published(n, estimate(layers, 1.0, SHARES[35], 20), False, layers) for n, layers in (("a", one),
                                                                                                      ("b", ten))])
    assert (result.compute, result.memory, result.overhead_us) == (0.501, SHARES[35], 20)


def test_devices_says_which_efficiencies_are_fitted_and_which_assumed_in_every_format(golden):
    assumed = [name for name, d in builtin_devices().items() if d.fitted is None]
    data = json.loads(run("devices", "--format", "json").out)["devices"]
    assert data["coral-usb"]["efficiency_from"].startswith(
        "int8: compute 11%, memory 100%, overhead 0 ns, fitted to 2 published latencies, median error 616.7% on 2 "
        "held out; fit: mobilenet_v1, vgg16;")
    assert data["h100"]["efficiency_from"].startswith(
        "int8: compute 100%, memory 100%, overhead 0 ns, fitted to 1 published latency, none held out, 48% error on "
        "it; other dtypes: the columns' (assumed); fit: resnet50 Offline; held out: none")
    assert data["coral-usb"]["fitted"]["median_error_percent"] == 616.7
    assert all(data[name]["efficiency_from"] == "assumed, no published measurement (docs/latency.md, The built-in "
                                                "devices)" and "fitted" not in data[name] for name in assumed)
    text, markdown = run("devices", columns=200).out, run("devices", "--format", "markdown").out
    for shown in (text, markdown):
        assert "efficiency and overhead:" in shown
        assert "  jetson-nano: assumed, no published measurement" in shown
        assert "  coral-usb: int8: compute 11%, memory 100%, overhead 0 ns, fitted to 2 published latencies" in shown
        assert "coral-usb‡" in shown and "‡ fitted to published latencies at one dtype" in shown
    golden("devices.txt", text)
    golden("devices.md", markdown)
    golden("devices.json", run("devices", "--format", "json").out)


@pytest.mark.parametrize("fitted, error", [
    ({"figures": -1, "held_out": 0}, "fitted: figures and held_out must be counts, not [-1, 0]; how many published "
                                     "latencies the fit used, and how many it held out"),
    ({"figures": 1, "held_out": 0, "efficiency": {"compute": 1, "memory": 1}, "dtype": ["int8"]},
     "fitted.dtype is ['int8']; give the dtype the fit was made at; one of float32, float16, bfloat16, int8, float64"),
    ({"figures": 1, "held_out": 0, "efficiency": {"compute": 2, "memory": 1}, "dtype": "int8"},
     "fitted.efficiency.compute is 2; give a share between 0 and 1"),
])
def test_a_devices_file_with_a_bad_fitted_record_is_one_line(tmp_path, fitted, error):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"devices": {"mine": {"tflops": {"float32": 1}, "bandwidth_gbs": 1, "source": "x",
                                                     "fitted": fitted}}}))
    result = run("devices", "--devices", str(path))
    assert (result.code, result.err) == (2, f"{path}: device 'mine': {error}\n")


def test_a_device_calibrated_from_a_fitted_one_keeps_its_calibrated_figures(tmp_path):
    """A calibrated device's overhead and efficiencies come from its timed layers, at every dtype, even where its base
    had a fit (calibrate keeps the base's record; it no longer applies)."""
    timings = ROOT / "tests" / "data" / "reference" / "torch_cpu_layer_timings.json"
    result = run("devices", "calibrate", str(timings), "--device", "a100", "--name", "mine")
    assert result.code == 0, result.err
    path = tmp_path / "mine.json"
    path.write_text(result.out)
    mine = json.loads(result.out)["devices"]["mine"]
    board = run("explain", "specs/bottleneck_5x5.yaml", "--design", "bottleneck", "--layer", "conv1",
                "--device", "mine", "--devices", str(path), "--dtype", "int8").out
    assert mine["overhead_us"] == 1.723 and "/ 0.7, overhead 1.72 µs" in board  # a100's int8 fit: 1 / 1, 5 µs
    data = json.loads(run("devices", "--devices", str(path), "--format", "json").out)["devices"]["mine"]
    assert data["efficiency_from"] == "calibrated to layers timed on a runtime (costcalc devices calibrate)"
