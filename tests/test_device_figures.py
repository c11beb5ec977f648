"""Every figure of a device is checked wherever the device comes from (a spec's `devices:`, a
`--devices` file, a calibrated file): the right type, finite, in range, with its position; what
`devices calibrate` writes reads back. A hostile figure can neither pass a budget nor crash a command.
"""

import json
from math import log2

import pytest
from conftest import run
from hypothesis import given, settings
from hypothesis import strategies as st

import costcalc.device.kernels as kernels
from costcalc.device.kernels import NEAR, Samples

DEVICE = "{tflops: {float32: 10}, bandwidth_gbs: 100, source: x, FIGURE}"
SPEC = "input: [32, 32, 3]\ndevices:\n  evil: " + DEVICE + "\nlayers: [{conv: {filters: 8, kernel: 3}}]\n"
# not check: it refuses a spec's own device named by --device (test_gate)
COMMANDS = [["report", "--format", "json"], ["report"], ["report", "--format", "html"], ["draw", "-o", "-"],
            ["explain"], ["compare"]]


@pytest.mark.parametrize("figure, column, message", [
    ("overhead_us: -1000000", 77, "overhead_us is -1000000; give a number from 0 up to 1,000,000,000"),
    ('overhead_us: "-1e9"', 77, "overhead_us is '-1e9'; give a number from 0 up to 1,000,000,000"),
    ("overhead_us: .inf", 77, "overhead_us is inf; give a number from 0 up to 1,000,000,000"),
    ("overhead_us: .nan", 77, "overhead_us is nan; give a number from 0 up to 1,000,000,000"),
    ("overhead_us: 1.0e+10", 77, "overhead_us is 10000000000.0; give a number from 0 up to 1,000,000,000"),
    ("estimated: 5", 75, "estimated is 5; give a list of the figures that are estimates; such as [\"bandwidth_gbs\"]"),
    ("efficiency: {compute: .nan}", 86, "efficiency.compute is nan; give a share between 0 and 1"),
    ("efficiency: {compute: 1.0e-300}", 86,
     "efficiency.compute is 1e-300; give a share between 0 and 1 (at least 1e-06)"),
    ("efficiency: 0.5", 76, "efficiency is 0.5; give an object; give tflops (per dtype), bandwidth_gbs and source; "
                            "see docs/latency.md"),
    ("title: [x]", 71, "title is ['x']; give a text of at most 100 characters"),
    ("title: " + "t" * 101, 71, f"title is '{'t' * 29}…{'t' * 30}'; give a text of at most 100 characters"),
])
def test_a_bad_figure_in_a_spec_device_is_refused_where_it_stands(spec_file, figure, column, message):
    path = spec_file(SPEC.replace("FIGURE", figure))
    for command in COMMANDS:
        result = run(command[0], path, "--device", "evil", *command[1:])
        assert (result.code, result.out, result.err) == (2, "", f"spec.yaml:3:{column}: device 'evil': {message}\n")


@pytest.mark.parametrize("figure, message", [
    ({"tflops": {"float32": float("nan")}}, "tflops.float32 is nan; give a positive number up to 1,000,000,000"),
    ({"tflops": {"float32": float("inf")}}, "tflops.float32 is inf; give a positive number up to 1,000,000,000"),
    ({"tflops": {"float32": 1e-300}}, "tflops.float32 is 1e-300; give a positive number up to 1,000,000,000"),
    ({"tflops": {}}, "tflops is empty; give a figure per dtype: {float32: 8.1}"),
    ({"bandwidth_gbs": 10**400}, "bandwidth_gbs is an integer of about 401 digits; give a positive "
                                 "number up to 1,000,000,000"),
    ({"source": 5}, "source is 5; give a text of at most 1,000 characters"),
    ({"source": "s" * 1001}, f"source is '{'s' * 29}…{'s' * 30}'; give a text of at most 1,000 characters"),
    ({"title": "\x1b[2J" * 100}, "title is '" + "\\x1b[2J" * 4 + "\\…2J" + "\\x1b[2J" * 4 + "'; give a text of at most "
                                "100 characters"),
    ({"overhead_us": -1}, "overhead_us is -1; give a number from 0 up to 1,000,000,000"),
    ({"kernels": {"conv": [[1, 2, 3, float("nan")]]}}, "kernels.conv: efficiency is nan; give a share between 0 and 1"),
    ({"kernels": {"conv": [[1, 2, 10**101, 0.5]]}}, "kernels.conv: [1, 2, an integer of about 102 digits, 0.5]"
                                                     " is not [M, N, K, efficiency]; M, N and K are "
                                                     "positive integers; see docs/latency.md, Calibrating"),
    ({"kernels": {"conv": [[1, 2, 3, 0.5]] * 1001}}, "kernels hold 1,001 rows, more than 1,000, the limit; a few "
                                                     "hundred timed layers calibrate a device"),
])
def test_a_bad_figure_in_a_devices_file_is_refused(tmp_path, figure, message):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"devices": {"mine": {"tflops": {"float32": 1}, "bandwidth_gbs": 10, "source": "s",
                                                     **figure}}}))
    result = run("check", "specs/bottleneck_5x5.yaml", "--devices", str(path), "--device", "mine",
                 "--max-latency", "1ms")
    assert (result.code, result.err) == (2, f"{path}: device 'mine': {message}\n")


def test_a_device_name_longer_than_a_name_is_refused_in_a_file_a_spec_and_a_new_device(tmp_path, spec_file):
    """A device's name is at most 100 characters (docs/spec-format.md, Limits): tables show it whole. A name given
    to a device about to be timed is refused before any timing."""
    name, shown = "d" * 101, f"'{'d' * 29}…{'d' * 30}'"
    limit = "a name longer than 100 characters, the limit for a device's name"
    path = tmp_path / "long.json"
    path.write_text(json.dumps({"devices": {name: {"tflops": {"float32": 1}, "bandwidth_gbs": 10, "source": "s"}}}))
    result = run("devices", "--devices", str(path))
    assert (result.code, result.out, result.err) == (2, "", f"{path}: device {shown}: {limit}\n")
    spec = spec_file(SPEC.replace("evil", name).replace("FIGURE", "overhead_us: 1"))
    result = run("report", spec, "--device", name)
    assert (result.code, result.out, result.err) == (2, "", f"spec.yaml:3:106: device {shown}: {limit}\n")
    for command in (["devices", "measure"], ["devices", "calibrate", "--runtime", "onnxruntime"]):
        result = run(*command, "--name", name)
        assert (result.code, result.out) == (2, "")
        assert result.err.endswith(f"Invalid value for '--name': {shown} is longer than 100 characters, the limit for "
                                   "a device's name\n")


def test_a_deeply_nested_devices_or_timings_file_is_refused(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"devices": ' + "[" * 100_000 + "]" * 100_000 + "}")
    result = run("devices", "--devices", str(path))
    assert (result.code, result.err) == (2, f"{path}: nested too deeply; a devices file is JSON of a few levels\n")
    result = run("devices", "calibrate", str(path), "--device", "t4")
    assert (result.code, result.err) == (2, f"{path}: nested too deeply; a timings file is JSON of a few levels\n")


@pytest.mark.parametrize("seconds, message", [
    ("1e308", "device 'fitted': overhead_us is inf; give a number from 0 up to 1,000,000,000"),
    ("Infinity", "layers[0]: seconds is inf; give a positive number"),
])
def test_calibrate_writes_no_figure_that_would_not_read_back(tmp_path, seconds, message):
    timings = tmp_path / "timings.json"
    timings.write_text('{"layers": [{"input": [8, 8, 4], "layer": "relu", "seconds": ' + seconds + "}, "
                       '{"input": [8, 8, 4], "layer": {"conv": {"filters": 4, "kernel": 3}}, "seconds": 1e-3}]}')
    result = run("devices", "calibrate", str(timings), "--device", "t4", "--name", "fitted")
    assert (result.code, result.out, result.err) == (2, "", f"{timings}: {message}\n")


TWO_LAYERS = [{"input": [8, 8, 4], "layer": "relu", "seconds": 1e-6},
              {"input": [8, 8, 4], "layer": {"conv": {"filters": 4, "kernel": 3}}, "seconds": 1e-4}]


@pytest.mark.parametrize("runtime", ["r" * 301, ["\x1b[2J"]])
def test_a_timings_files_runtime_is_a_short_text(tmp_path, runtime):
    """It becomes part of the calibrated device's source, which a reader sees."""
    timings = tmp_path / "timings.json"
    timings.write_text(json.dumps({"runtime": runtime, "layers": TWO_LAYERS}))
    result = run("devices", "calibrate", str(timings), "--device", "t4")
    shown = f"'{'r' * 29}…{'r' * 30}'" if isinstance(runtime, str) else "['\\x1b[2J']"
    assert (result.code, result.out, result.err) == (
        2, "", f"{timings}: runtime is {shown}; give a text of at most 300 characters; what timed the layers, such as "
               "'torch 2.14.1, CPU, 1 thread'\n")


def test_calibrating_a_device_of_the_longest_source_elides_it_to_fit(tmp_path):
    """The calibrated source is the base's and what calibrated it; at most 1,000 characters, so it reads back."""
    devices, timings = tmp_path / "mine.json", tmp_path / "timings.json"
    devices.write_text(json.dumps({"devices": {"mine": {"tflops": {"float32": 1}, "bandwidth_gbs": 10,
                                                        "source": "a" * 500 + "z" * 500}}}))
    timings.write_text(json.dumps({"runtime": "r" * 300, "layers": TWO_LAYERS}))
    result = run("devices", "calibrate", str(timings), "--devices", str(devices), "--device", "mine")
    assert result.code == 0, result.err
    source = json.loads(result.out)["devices"]["mine-calibrated"]["source"]
    made = f"; calibrated with 2 layers timed on {'r' * 300} (costcalc devices calibrate)"
    assert source == "a" * 317 + "…" + "z" * 317 + made  # 365 characters of `made`
    assert len(source) == 1000


def test_calibrating_a_device_of_the_longest_name_names_it_within_the_limit(tmp_path):
    devices, timings = tmp_path / "mine.json", tmp_path / "timings.json"
    devices.write_text(json.dumps({"devices": {"m" * 100: {"tflops": {"float32": 1}, "bandwidth_gbs": 10,
                                                           "source": "s"}}}))
    timings.write_text(json.dumps({"layers": TWO_LAYERS}))
    result = run("devices", "calibrate", str(timings), "--devices", str(devices), "--device", "m" * 100)
    assert result.code == 0, result.err
    assert list(json.loads(result.out)["devices"]) == ["m" * 44 + "…" + "m" * 44 + "-calibrated"]


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(*[st.sampled_from([1, 2, 3, 16, 64, 4096, 65536])] * 3,
                               st.floats(0.01, 1)), min_size=1, max_size=40),
       shapes=st.lists(st.tuples(*[st.integers(1, 100_000)] * 3), min_size=1, max_size=20))
def test_the_kernel_lookup_is_the_nearest_timed_shape(rows, shapes):
    """The k-d tree finds what a search of every row finds: the nearest in log2 (M, N, K), the first of
    equals, none beyond NEAR."""
    samples = Samples(rows)
    for shape in shapes:
        at = [log2(size) for size in shape]
        distances = [sum((log2(size) - x) ** 2 for size, x in zip(row[:3], at)) for row in rows]
        first = min(range(len(rows)), key=distances.__getitem__)
        assert samples.nearest(shape) == (rows[first][3] if distances[first] < NEAR**2 else None)


def test_a_layer_looks_its_kernel_up_once_per_shape(monkeypatch):
    """Each distinct shape is searched for once, in about log(rows) steps, however many layers have it."""
    searched = []
    search = kernels._search
    monkeypatch.setattr(kernels, "_search", lambda node, at, best: searched.append(1) or search(node, at, best))
    rows = Samples([(m, 16 * m, 8, 0.5) for m in range(1, 1001)])
    assert rows.nearest((5, 80, 8)) == 0.5
    once = len(searched)
    assert [rows.nearest((5, 80, 8)) for _ in range(100)] == [0.5] * 100
    assert len(searched) == once < 100  # of 2,001 nodes (1,000 rows and their empty leaves)
