"""Kernels and shapes, calibrated efficiencies, and `costcalc devices calibrate`."""

import json
import os

import pytest
from conftest import ROOT, run

from costcalc.count.engine import analyze
from costcalc.device.calibrate import calibrate
from costcalc.device.kernels import Samples, kernel, stages
from costcalc.device.latency import latency
from costcalc.device.profiles import parse_devices, read_devices
from costcalc.device.traffic import memory
from costcalc.errors import CostcalcError
from costcalc.spec.reader import loads
from costcalc.spec.timings import read_timings

DATA = ROOT / "tests" / "data" / "calibrate"
REFERENCE = ROOT / "tests" / "data" / "reference"


def one_layer(layer: str, shape: str):
    return analyze(loads(f"input: {shape}\nlayers: [{layer}]")).designs[0]


@pytest.mark.parametrize("layer, shape, expected", [
    ("conv: {filters: 64, kernel: 1}", "[56, 56, 256]", ("conv 1x1", (3136, 64, 256))),
    ("conv: {filters: 128, kernel: 3, stride: 2}", "[56, 56, 64]", ("conv", (784, 128, 576))),
    ("conv: {filters: 128, kernel: 3, groups: 32}", "[28, 28, 128]", ("conv grouped", (784, 4, 36))),
    ("conv: {filters: 64, kernel: 3, dilation: 2}", "[28, 28, 64]", ("conv dilated", (784, 64, 576))),
    ("conv: {filters: 64, kernel: 1, dilation: 2}", "[28, 28, 64]", ("conv 1x1", (784, 64, 64))),
    ("depthwise: {kernel: 5, multiplier: 2}", "[14, 14, 32]", ("depthwise", (196, 64, 25))),
    ("separable: {filters: 64, kernel: 3}", "[14, 14, 32]", ("separable", (196, 64, 32))),
    ("conv_transpose: {filters: 16, kernel: 2, stride: 2}", "[7, 7, 32]", ("conv_transpose", (49, 64, 32))),
    ("dense: {units: 1000}", "[2048]", ("dense", (1, 1000, 2048))),
    ("maxpool: {size: 3, stride: 2}", "[112, 112, 64]", ("maxpool", (3136, 64, 9))),
    ("batchnorm", "[28, 28, 96]", ("batchnorm", (784, 96, 1))),
    ("global_avgpool", "[7, 7, 512]", ("global_avgpool", (1, 512, 1))),
])
def test_a_layer_is_named_by_its_kernel_and_sized_as_a_matrix_multiply(layer, shape, expected):
    design = one_layer(layer, shape)
    assert kernel(design.rows[0]) == expected
    name, (m, n, k) = expected
    assert kernel(design.rows[0], batch=8) == (name, (8 * m, n, k))


def test_the_nearest_timed_shape_is_nearest_in_log2_and_the_first_of_equals():
    samples = Samples(((64, 64, 64, 0.5), (4096, 64, 64, 0.9), (256, 256, 256, 0.7), (4096, 64, 64, 0.1)))
    assert samples.nearest((128, 64, 64)) == 0.5  # 1 doubling from the first, 5 from the second
    assert samples.nearest((2048, 64, 64)) == 0.9  # the later (4096, 64, 64) is as near: the first wins
    assert samples.nearest((300, 200, 300)) == 0.7


def test_a_shape_far_from_every_timed_one_is_not_calibrated():
    """A dense layer on one vector (M = 1) reads its weights once per output; on a 56×56 map (M = 3136)
    it is a matrix multiply, which the vector's efficiency must not speak for."""
    samples = Samples(((1, 1000, 2048, 0.02),))
    assert samples.nearest((8, 1000, 2048)) == 0.02  # 3 doublings: near enough
    assert samples.nearest((16, 1000, 2048)) is None  # 4 doublings: NEAR, not nearer
    assert samples.nearest((3136, 384, 96)) is None
    device = parse_devices({"devices": {"d": {"tflops": {"float32": 1}, "bandwidth_gbs": 1, "source": "s",
                                              "efficiency": {"compute": 0.5},
                                              "kernels": {"dense": [[1, 1000, 2048, 0.02]]}}}},
                           "test")["d"]
    vector, mapped = (one_layer("dense: {units: 1000}", shape).rows[0] for shape in ("[2048]", "[56, 56, 2048]"))
    found = device.efficiency(vector), device.efficiency(mapped), device.efficiency(vector, batch=64)
    assert found == (0.02, 0.5, 0.5)



def test_a_dense_layer_on_a_map_far_from_every_timed_dense_takes_the_nearest_1x1_conv():
    """ConvNeXt's dense layers at 7×7×768 → 3072, which no timed dense shape is near, ran at 0.32 of torch's peak,
    as its 1×1 convs at 7×7 did, not at the device's compute efficiency."""
    device = parse_devices({"devices": {"d": {"tflops": {"float32": 1}, "bandwidth_gbs": 1, "source": "s",
                                              "efficiency": {"compute": 1},
                                              "kernels": {"dense": [[1600, 384, 96, 0.43], [1, 1000, 1536, 1.0]],
                                                          "conv 1x1": [[49, 2048, 1024, 0.27]]}}}}, "test")["d"]
    late, early, head = (one_layer(f"dense: {{units: {units}}}", shape).rows[0]
                         for units, shape in ((3072, "[7, 7, 768]"), (384, "[40, 40, 96]"), (1000, "[1536]")))
    assert (device.efficiency(late), device.efficiency(early), device.efficiency(head)) == (0.27, 0.43, 1.0)
    conv = one_layer("conv: {filters: 3072, kernel: 1}", "[7, 7, 768]").rows[0]
    alone = parse_devices({"devices": {"d": {"tflops": {"float32": 1}, "bandwidth_gbs": 1, "source": "s",
                                             "kernels": {"dense": [[1600, 384, 96, 0.43]]}}}}, "test")["d"]
    assert (alone.efficiency(late), alone.efficiency(conv)) == (0.5, 0.5)  # no 1×1 conv timed: the device's

def base_device():
    return read_devices(str(DATA / "base.json"))["round"]


def test_calibration_takes_the_overhead_from_the_smallest_layer_and_the_peak_from_the_fastest():
    timings = read_timings(str(DATA / "timings.json"))
    timed = [(analyze(spec).designs[0], seconds) for spec, seconds in timings.layers]
    device = calibrate(timed, base_device(), "float32", "fitted", timings.runtime)
    # The tiny relu took 1 µs beyond its 0.64 ns of memory time; the 3×3 conv reached 2 TFLOP/s
    # past the overhead, twice the base's peak; the 1×1 conv reached 0.5 TFLOP/s, a quarter of it;
    # the large relu took less than its memory time (cache), so it runs at efficiency 1.
    assert device.overhead_s == 1e-6
    assert device.flops_per_s == {"float32": 2e12}
    assert device.kernels == {"relu": ((1, 8, 1, 1.0), (3136, 64, 1, 1.0)), "conv 1x1": ((3136, 64, 64, 0.25),),
                              "conv": ((784, 64, 576, 1.0),)}
    assert (device.name, device.bytes_per_s, device.memory_efficiency, device.compute_efficiency) == (
        "fitted", 100e9, 1.0, 1.0)
    assert device.source == "made up for the tests; calibrated with 4 layers timed on a made-up runtime " \
                            "(costcalc devices calibrate)"


def test_a_layer_without_flops_gives_no_row_and_counts_for_the_overhead_only(tmp_path):
    timings = tmp_path / "t.json"
    timings.write_text(json.dumps({"layers": [{"input": [1, 1, 8], "layer": "relu", "seconds": 1.00064e-6},
                                              {"input": [7, 7, 512], "layer": "flatten", "seconds": 5e-6},
                                              {"input": [7, 7, 512], "layer": "dropout", "seconds": 3e-6}]}))
    result = run("devices", "calibrate", str(timings), "--devices", str(DATA / "base.json"), "--device", "round")
    assert result.code == 0, result.err
    device = json.loads(result.out)["devices"]["round-calibrated"]
    assert (device["kernels"], device["overhead_us"]) == ({"relu": [[1, 8, 1, 1.0]]}, 1.0)


def test_a_calibrated_kernel_sets_the_compute_time_and_others_keep_the_device_efficiency():
    data = {"devices": {"fitted": {"tflops": {"float32": 2}, "bandwidth_gbs": 100, "source": "s",
                                   "efficiency": {"compute": 0.5, "memory": 1}, "overhead_us": 1,
                                   "kernels": {"conv 1x1": [[3136, 64, 64, 0.25], [50176, 64, 64, 0.05]]}}}}
    device = parse_devices(data, "test")["fitted"]
    design = analyze(loads("input: [56, 56, 64]\nlayers:\n  - conv: {filters: 64, kernel: 1, bias: false}\n"
                           "  - conv: {filters: 64, kernel: 3, bias: false}")).designs[0]
    estimates = latency(design, memory(design), device, "float32")
    first, second = (estimates[row.path] for row in design.rows)
    assert first.efficiency == 0.25 and first.compute_s == pytest.approx(25_690_112 / (2e12 * 0.25))
    assert second.efficiency == 0.5 and second.compute_s == pytest.approx(231_211_008 / (2e12 * 0.5))
    assert first.seconds == pytest.approx(first.compute_s + 1e-6)


def test_a_separable_layer_runs_as_a_depthwise_then_a_1x1_conv_and_others_as_their_one_kernel():
    separable = one_layer("separable: {filters: 64, kernel: 3, multiplier: 2}", "[14, 14, 32]").rows[0]
    assert stages(separable) == [("depthwise", (196, 64, 9), 196 * 64 * 9), ("conv 1x1", (196, 64, 64), 196 * 64 * 64)]
    assert stages(separable, batch=4) == [("depthwise", (784, 64, 9), 4 * 196 * 64 * 9),
                                          ("conv 1x1", (784, 64, 64), 4 * 196 * 64 * 64)]
    assert separable.cost.macs == 196 * 64 * 9 + 196 * 64 * 64
    conv = one_layer("conv: {filters: 64, kernel: 3}", "[14, 14, 32]").rows[0]
    assert stages(conv) == [("conv", (196, 64, 288), 196 * 64 * 288)]


def test_a_separable_layer_takes_each_kernels_efficiency_for_its_part_and_an_overhead_for_each():
    """Its compute time is the depthwise part's at the depthwise rows' efficiency plus the pointwise part's at the
    1×1 conv rows': 2 × 56,448 FLOPs at 0.1 and 2 × 401,408 at 0.4 of 2 TFLOP/s, and two overheads of 1 µs."""
    data = {"devices": {"fitted": {"tflops": {"float32": 2}, "bandwidth_gbs": 100, "source": "s",
                                   "efficiency": {"compute": 0.5, "memory": 1}, "overhead_us": 1,
                                   "kernels": {"depthwise": [[196, 32, 9, 0.1]], "conv 1x1": [[196, 64, 32, 0.4]]}}}}
    device = parse_devices(data, "test")["fitted"]
    design = one_layer("separable: {filters: 64, kernel: 3, bias: false}", "[14, 14, 32]")
    found = latency(design, memory(design), device, "float32")[design.rows[0].path]
    assert found.compute_s == pytest.approx(112_896 / (2e12 * 0.1) + 802_816 / (2e12 * 0.4))
    assert found.efficiency == pytest.approx(915_712 / (112_896 / 0.1 + 802_816 / 0.4))
    assert (found.overhead_s, found.seconds) == (2e-6, pytest.approx(found.compute_s + 2e-6))
    del data["devices"]["fitted"]["kernels"]
    uncalibrated = latency(design, memory(design), parse_devices(data, "test")["fitted"], "float32")
    assert (uncalibrated[design.rows[0].path].overhead_s, uncalibrated[design.rows[0].path].efficiency) == (2e-6, 0.5)


def test_a_timed_separable_layer_gives_no_row_since_its_time_does_not_say_which_kernel_took_it(tmp_path):
    timings = tmp_path / "t.json"
    timings.write_text(json.dumps({"layers": [
        {"input": [1, 1, 8], "layer": "relu", "seconds": 1.00064e-6},
        {"input": [14, 14, 32], "layer": {"separable": {"filters": 64, "kernel": 3}}, "seconds": 40e-6},
        {"input": [14, 14, 32], "layer": {"depthwise": {"kernel": 3}}, "seconds": 10e-6}]}))
    result = run("devices", "calibrate", str(timings), "--devices", str(DATA / "base.json"), "--device", "round")
    assert result.code == 0, result.err
    assert sorted(json.loads(result.out)["devices"]["round-calibrated"]["kernels"]) == ["depthwise", "relu"]


@pytest.mark.parametrize("kernels, message", [
    ({"conv": [[1, 2, 3]]}, "test: device 'd': kernels.conv: [1, 2, 3] is not [M, N, K, efficiency]; M, N and K "
                            "are positive integers; see docs/latency.md, Calibrating"),
    ({"conv": [[1, 2, 0, 0.5]]}, "test: device 'd': kernels.conv: [1, 2, 0, 0.5] is not [M, N, K, efficiency]; "
                                 "M, N and K are positive integers; see docs/latency.md, Calibrating"),
    ({"conv": [[1, 2, 3, 1.5]]}, "test: device 'd': kernels.conv: efficiency is 1.5; give a share between 0 and 1"),
    ({"conv": [[1, 2, 3, "x"]]}, "test: device 'd': kernels.conv: efficiency is 'x'; give a share between 0 and 1"),
    ({"conv": []}, "test: device 'd': kernels.conv is []; give a list of rows; [M, N, K, efficiency]; see "
                   "docs/latency.md, Calibrating"),
])
def test_malformed_kernels_are_refused_with_the_device_and_kernel(kernels, message):
    data = {"devices": {"d": {"tflops": {"float32": 1}, "bandwidth_gbs": 1, "source": "s", "kernels": kernels}}}
    with pytest.raises(CostcalcError) as caught:
        parse_devices(data, "test")
    assert str(caught.value) == message


def test_devices_calibrate_prints_a_devices_file_that_reads_back(tmp_path, golden):
    result = run("devices", "calibrate", str(DATA / "timings.json"), "--devices", str(DATA / "base.json"),
                 "--device", "round", "--name", "fitted")
    assert result.code == 0, result.err
    golden("devices_calibrate.json", result.out)
    saved = tmp_path / "fitted.json"
    saved.write_text(result.out)
    assert read_devices(str(saved))["fitted"].kernels["conv 1x1"] == ((3136, 64, 64, 0.25),)
    listed = json.loads(run("devices", "--devices", str(saved), "--format", "json").out)["devices"]["fitted"]
    assert listed["kernels"] == {"relu": [[1, 8, 1, 1.0], [3136, 64, 1, 1.0]], "conv 1x1": [[3136, 64, 64, 0.25]],
                                 "conv": [[784, 64, 576, 1.0]]}


@pytest.mark.parametrize("timings, message", [
    ('{"layers": []}', ": expected an object with a non-empty 'layers' list; see docs/latency.md, Calibrating"),
    ('{"layers": [\n  {"input": [8], "layer": "relu"}]}',
     ": layers[0]: expected input, layer and seconds, found {'input': [8], 'layer': 'relu'}"),
    ('{"layers": [{"input": [8], "layer": "relu", "seconds": 0}]}',
     ": layers[0]: seconds is 0; give a positive number"),
    ('{"layers": [{"input": [8], "layer": "rellu", "seconds": 1}]}',
     ": layers[0]: unknown layer kind 'rellu'; did you mean 'relu'?"),
    ('{"layers": [{"input": [8], "layer": {"branches": {"a": [], "b": []}, "merge": "add"}, "seconds": 1}]}',
     ": layers[0]: a timing is of one layer, found {'branches': {'a': [], 'b': []}, 'merge': 'add'}; "
     "time each layer alone"),
    ('{"layers": [{"input": [8, 8, 3], "layer": {"conv": {"filters": 4}}, "seconds": 1}]}',
     ": layers[0]: conv needs option 'kernel'; required options of conv: kernel, filters"),
    ('{"dtype": "int4", "layers": [{"input": [8], "layer": "relu", "seconds": 1}]}',
     ": dtype 'int4' is not one of float32, float16, bfloat16, int8, float64"),
    ('{"layers": [' + ", ".join(['{"input": [8], "layer": "relu", "seconds": 1}'] * 1_001) + ']}',
     ": 1,001 timed layers, more than 1,000, the limit for a timings file; a few hundred layers calibrate a device"),
    ('{"layers": [\n  {"input": [8], }]}',
     ":2:18: Expecting property name enclosed in double quotes; a timings file is JSON"),
])
def test_a_bad_timings_file_is_refused_with_where_and_why(tmp_path, timings, message):
    path = tmp_path / "t.json"
    path.write_text(timings)
    result = run("devices", "calibrate", str(path), "--device", "a100")
    assert (result.code, result.out) == (2, "")
    assert result.err == f"{path}{message}\n"


def test_an_unknown_base_device_is_a_usage_error():
    result = run("devices", "calibrate", str(DATA / "timings.json"), "--device", "a101")
    assert (result.code, result.err) == (2, "no device 'a101'; did you mean 'a100'?\n")


def test_explain_says_which_calibrated_kernel_set_the_efficiency():
    result = run("explain", "specs/bottleneck_5x5.yaml", "--design", "bottleneck", "--layer", "conv1", "--device",
                 "cpu-1-thread-calibrated", "--devices", str(REFERENCE / "latency_torch_cpu_devices.json"))
    assert result.code == 0, result.err
    assert ("  on cpu-1-thread-calibrated (float32): peak 0.201994 TFLOP/s, 45.391 GB/s, efficiency 0.4164 "
            "(calibrated: conv 1x1) / 1, overhead 1.72 µs\n"
            "  compute = FLOPs / (peak × efficiency) = 4,829,440 / (0.201994e12 × 0.4164) = 57.4 µs\n") in result.out
    plain = run("explain", "specs/bottleneck_5x5.yaml", "--design", "bottleneck", "--layer", "conv1", "--device",
                "cpu-1-thread", "--devices", str(REFERENCE / "latency_torch_cpu_devices.json")).out
    assert "efficiency 1 / 1, overhead 330 ns" in plain and "calibrated" not in plain


def test_devices_names_what_a_calibrated_device_covers():
    out = run("devices", "--devices", str(REFERENCE / "latency_torch_cpu_devices.json"), "--format", "markdown").out
    assert ("/latency_torch_cpu_devices.json); calibrated kernels: conv 1x1, conv, conv grouped, depthwise, maxpool, "
            "avgpool, batchnorm, relu, dense (169 shapes)  \n") in out
    assert out.rstrip().endswith("cpu-1-thread-calibrated: calibrated to layers timed on a runtime (costcalc devices "
                                 "calibrate)")
    assert "a device fitted to layers timed on a runtime: costcalc devices calibrate" in out
    assert ("| cpu-1-thread-calibrated | x86_64 Linux (measured) | 0.201994 | — | — | — | 45.391 | 100%† | 100% "
            "| 1.72 µs |") in out
    assert "† calibrated: each kernel's efficiency by its shape; this one for the rest" in out


@pytest.mark.parametrize("command, noun", [(("devices", "--devices"), "devices"),
                                           (("devices", "calibrate", "--device", "a100"), "timings")])
def test_a_devices_or_timings_file_that_is_no_file_or_too_large_is_refused(tmp_path, command, noun):
    fifo, large, binary = tmp_path / "fifo", tmp_path / "large.json", tmp_path / "binary.json"
    os.mkfifo(fifo)
    large.write_bytes(b" " * (8 * 2**20 + 1))
    binary.write_bytes(b'{"x\xff": 1}')
    expected = {str(tmp_path): f"is a directory, not a {noun} file",
                str(fifo): f"not a regular file (a pipe, socket or device); give a {noun} file",
                str(large): f"larger than 8 MiB, the limit for a {noun} file",
                str(binary): f"not UTF-8 text (byte 3 is 0xff); a {noun} file is JSON"}
    for path, message in expected.items():
        args = (*command, path) if command[-1] == "--devices" else (*command[:2], path, *command[2:])
        result = run(*args)
        assert (result.code, result.err) == (2, f"{path}: {message}\n")
