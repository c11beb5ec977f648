"""`costcalc devices calibrate --runtime`: a grid of layers timed here (onnxruntime, a test extra run in CI; torch
where installed), fitted into a device that reads back and estimates. Times vary with the machine, so the tests
check what is timed and recorded, not the figures; the base device is a fixed one, not this machine measured."""

import importlib.util
import json

import jsonschema
import pytest
from conftest import ROOT, run

import costcalc
from costcalc.count.engine import analyze
from costcalc.device.calibrate import calibrate
from costcalc.device.figures import on_device
from costcalc.device.kernels import kernel, stages
from costcalc.device.profiles import builtin_devices, parse_devices, read_devices
from costcalc.device.profiles import entry as entry_of
from costcalc.device.settings import DeviceSettings
from costcalc.device.traffic import memory
from costcalc.errors import CostcalcError
from costcalc.runtimes.grid import FAMILIES, GRIDS, POINTS, grid
from costcalc.runtimes.machine import machine_name
from costcalc.runtimes.onnx_rt import OnnxRuntime
from costcalc.show.device import calibrated_on
from costcalc.spec.reader import loads
from costcalc.tasks.calibrate import network_fit
from costcalc.units import seconds

BASE = ROOT / "tests" / "data" / "calibrate" / "base.json"


def test_calibrate_on_onnxruntime_writes_a_device_that_reads_back_and_report_uses(tmp_path):
    result = run("devices", "calibrate", "--runtime", "onnxruntime", "--grid", "tiny", "--devices", str(BASE),
                 "--device", "round", "--name", "ort")
    assert result.code == 0, result.err
    assert result.err.startswith("calibrated ort on 7 timed units of the tiny grid, network factor ")
    saved = tmp_path / "ort.json"
    saved.write_text(result.out)
    device = read_devices(str(saved))["ort"]
    # the grid's kernels, and the pointwise convs ("conv 1x1") of the tiny network profiled whole
    assert (device.fusion, set(device.kernels)) == ("onnxruntime", {"conv", "depthwise", "dense", "add", "relu",
                                                                    "conv 1x1"})
    made = device.calibrated_on
    assert (made["runtime"], made["threads"], made["version"]) == ("onnxruntime", 1, importlib.import_module(
        "onnxruntime").__version__)
    assert set(made) == {"runtime", "version", "threads", "machine", "cpus", "date"} and made["date"].endswith(" UTC")
    assert made["machine"] == machine_name()
    assert 0.1 <= device.network_factor <= 10
    assert device.probe[0] == "examples/bottleneck_5x5 separable" and 0 < device.probe[1] < 1  # the tiny network
    report = run("report", "specs/bottleneck_5x5.yaml", "--devices", str(saved), "--device", "ort", "--fused")
    assert report.code == 0 and "device ort: --devices" in report.out
    data = json.loads(run("devices", "--devices", str(saved), "--format", "json").out)
    schema = json.loads((ROOT / "costcalc" / "schemas" / "output-devices.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["devices"]["ort"]["calibrated_on"] == made and data["devices"]["ort"]["fusion"] == "onnxruntime"
    assert device.channel_block == OnnxRuntime(1).channel_block()  # this machine's, whatever its instructions
    listed = run("devices", "--devices", str(saved), "--format", "markdown").out
    assert "ort: calibrated to layers timed on a runtime (costcalc devices calibrate); on onnxruntime " in listed
    blocks = (f"channels in blocks of {device.channel_block} (pools and grouped convs off them run unblocked); "
              if device.channel_block else "")
    assert f"fused as onnxruntime runs layers; {blocks}network factor {device.network_factor:g}" in listed
    assert f"; probe examples/bottleneck_5x5 separable, {seconds(device.probe[1])} a run then (measure times it " \
           "again)" in listed


def pooled(channels: int):
    return analyze(loads(f"input: [8, 8, {channels}]\nlayers: [{{conv: {{filters: {channels}, kernel: 1}}}}, "
                         "{avgpool: {size: 3, stride: 1, padding: same}}]")).designs[0]


def test_onnxruntime_s_channel_block_is_the_one_its_layout_pools_in(tmp_path):
    """The block found divides the channels of every pool onnxruntime runs in its NCHWc layout: a pool on three
    blocks joins it, one on three and a half does not (on a machine without the layout, no pool joins it)."""
    import onnx

    runtime = OnnxRuntime(1)
    block = runtime.channel_block()

    def blocked(channels: int) -> bool:
        path = str(tmp_path / f"{channels}.onnx")
        runtime.session(pooled(channels), 1, optimized=path)
        return any(node.op_type == "AveragePool" and node.domain == "com.microsoft.nchwc"
                   for node in onnx.load(path).graph.node)

    if block is None:
        assert not blocked(48) and not blocked(64)
    else:
        assert block in (4, 8, 16, 32, 64) and blocked(3 * block) and not blocked(3 * block + block // 2)
        assert block < 8 or not blocked(block // 2)



def batchnorm_then_relu(channels: int):
    return analyze(loads(f"input: [28, 28, {channels}]\nlayers: [{{conv: {{filters: {channels}, kernel: 3}}}}, "
                         "{maxpool: {size: 3, stride: 1, padding: same}}, batchnorm, relu, "
                         "{conv: {filters: 32, kernel: 1}}]")).designs[0]


@pytest.mark.parametrize("channels, block, folds", [(128, 16, True), (48, 16, True), (44, 16, False), (44, 4, True),
                                                    (44, None, True)])
def test_on_onnxruntime_a_relu_folds_into_a_batchnorm_on_its_blocks(channels, block, folds):
    """DenseNet's batchnorm, ReLU, conv: onnxruntime's NCHWc transformer makes a batchnorm on channels its block
    divides a Conv and fuses the ReLU into it (`batchnorm3_bn_nchwc`); off its blocks both run as nodes of their
    own. Where the block is not known, it is taken to divide them."""
    design = batchnorm_then_relu(channels)
    assert ("relu4" in memory(design, fused=True, fold_adds=True, block=block).folded) is folds
    assert "relu4" not in memory(design, fused=True).folded  # elsewhere only a conv or dense layer is a host
    assert "batchnorm3" not in memory(design, fused=True, fold_adds=True, block=block).folded


def test_onnxruntime_fuses_a_relu_into_a_batchnorm_on_its_blocks_as_the_estimate_folds_it(tmp_path):
    import onnx

    runtime = OnnxRuntime(1)
    block = runtime.channel_block()
    if block is None:
        pytest.skip("onnxruntime has no NCHWc layout on this machine: it fuses no activation into a batchnorm")
    for channels in (128, 44):
        path = str(tmp_path / f"{channels}.onnx")
        runtime.session(batchnorm_then_relu(channels), 1, optimized=path)
        relu_runs = any(node.op_type == "Relu" for node in onnx.load(path).graph.node)
        folds = "relu4" in memory(batchnorm_then_relu(channels), fused=True, fold_adds=True, block=block).folded
        assert relu_runs is not folds, channels

@pytest.mark.parametrize("layer, shape, block, name", [
    ("avgpool: {size: 3, stride: 1, padding: same}", "[28, 28, 44]", 16, "avgpool unblocked"),
    ("avgpool: {size: 3, stride: 1, padding: same}", "[28, 28, 88]", 16, "avgpool unblocked"),
    ("avgpool: {size: 3, stride: 1, padding: same}", "[28, 28, 88]", 8, "avgpool"),
    ("avgpool: {size: 3, stride: 1, padding: same}", "[28, 28, 44]", None, "avgpool"),
    ("maxpool: {size: 3, stride: 2}", "[56, 56, 24]", 16, "maxpool unblocked"),
    ("maxpool: {size: 3, stride: 2}", "[56, 56, 64]", 16, "maxpool"),
    ("conv: {filters: 44, kernel: 1}", "[28, 28, 44]", 16, "conv 1x1"),
    ("global_avgpool", "[7, 7, 44]", 16, "global_avgpool"),
    ("conv: {filters: 104, kernel: 3, groups: 13}", "[28, 28, 104]", 16, "conv grouped unblocked"),  # 8 a group
    ("conv: {filters: 104, kernel: 3, groups: 13}", "[28, 28, 104]", 8, "conv grouped"),
    ("conv: {filters: 96, kernel: 3, groups: 6}", "[28, 28, 48]", 16, "conv grouped unblocked"),  # 8 in, 16 out
    ("conv: {filters: 48, kernel: 3, groups: 6}", "[28, 28, 96]", 16, "conv grouped unblocked"),  # 16 in, 8 out
    ("conv: {filters: 96, kernel: 3, groups: 3}", "[28, 28, 48]", 16, "conv grouped"),  # 16 in, 32 out
    ("depthwise: {kernel: 3}", "[28, 28, 44]", 16, "depthwise"),
])
def test_a_pool_on_channels_the_block_does_not_divide_runs_the_unblocked_kernel(layer, shape, block, name):
    row = analyze(loads(f"input: {shape}\nlayers: [{{{layer}}}]" if ":" in layer else
                        f"input: {shape}\nlayers: [{layer}]")).designs[0].rows[0]
    assert kernel(row, block=block)[0] == name and stages(row, block=block)[0][0] == name


def test_a_device_with_a_channel_block_takes_the_unblocked_rows_for_such_pools_and_keeps_it():
    entry = {"tflops": {"float32": 1}, "bandwidth_gbs": 10, "source": "s", "channel_block": 16,
             "kernels": {"avgpool": [[784, 48, 9, 0.5]], "avgpool unblocked": [[784, 48, 9, 0.01]]}}
    device = parse_devices({"devices": {"d": entry}}, "test")["d"]
    on = {c: analyze(loads(f"input: [28, 28, {c}]\nlayers: [{{avgpool: {{size: 3, stride: 1, padding: same}}}}]"))
          .designs[0].rows[0] for c in (44, 48)}
    assert (device.efficiency(on[44]), device.efficiency(on[48])) == (0.01, 0.5)
    assert entry_of(device)["channel_block"] == 16 and "channel_block" not in entry_of(builtin_devices()["a100"])
    for block in (0, "16", True, 2048):
        with pytest.raises(CostcalcError, match=r"channel_block is .*; give the channels a block holds, 1 to 1024"):
            parse_devices({"devices": {"bad": {**entry, "channel_block": block}}}, "test")


def test_onnxruntime_computes_a_conv_s_taps_on_the_input_and_every_tap_of_a_depthwise():
    """On onnxruntime a conv (grouped too, on channels its blocks divide) computes only the taps that fall on the
    input; a depthwise, a grouped conv off the blocks and every kernel on torch compute them all. The estimate's
    compute time is the FLOPs computed at the peak."""
    design = analyze(loads("""input: [14, 14, 960]
layers:
  - {conv: {filters: 960, kernel: 3, dilation: 24, padding: 24, bias: false, name: aspp}}
  - {conv: {filters: 960, kernel: 3, groups: 60, bias: false, name: blocked}}
  - {conv: {filters: 960, kernel: 3, groups: 120, bias: false, name: unblocked}}
  - {depthwise: {kernel: 3, bias: false, name: dw}}
""")).designs[0]
    entry = {"tflops": {"float32": 1}, "bandwidth_gbs": 1e6, "source": "s", "efficiency": {"compute": 1}}
    ort = parse_devices({"devices": {"d": {**entry, "fusion": "onnxruntime", "channel_block": 16}}}, "test")["d"]
    torch = parse_devices({"devices": {"d": {**entry, "channel_block": 16}}}, "test")["d"]
    rows = {row.path: row for row in design.rows}
    computed = {path: ort.work(rows[path]) for path in ("aspp", "blocked", "unblocked", "dw")}
    assert computed == {"aspp": 2 * 14 * 14 * 960 * 960, "blocked": 2 * 40 * 40 * 16 * 960,
                        "unblocked": rows["unblocked"].cost.flops, "dw": rows["dw"].cost.flops}
    assert rows["aspp"].cost.flops == 9 * computed["aspp"]
    assert all(torch.work(row) == row.cost.flops for row in rows.values() if row.op is not None)
    estimates = on_device(design, DeviceSettings(fused=True), ort).estimates
    assert estimates["aspp"].compute_s == pytest.approx(computed["aspp"] / 1e12)


def test_a_runtime_that_blocks_channels_times_pools_off_its_blocks_and_a_grouped_conv_on_them():
    plain, blocked = grid("small", True), grid("small", True, 16)
    extra = [unit for unit in blocked if unit not in plain]
    assert len(blocked) == len(plain) + len(extra) == 180
    pools = [(shape[2], kind) for shape, layers in extra if (kind := next(iter(layers[0]))) in ("maxpool", "avgpool")]
    assert sorted(pools) == [(56, "avgpool"), (56, "maxpool"), (104, "avgpool"), (104, "maxpool"), (200, "avgpool"),
                             (200, "maxpool")]
    grouped = [shape[2] for shape, layers in extra if f'"groups": {shape[2] // 16},' in json.dumps(layers)]
    assert grouped == [96, 96, 192, 192, 48, 48] and len(extra) == 12  # fused, and as a residual
    assert blocked[:len(plain)] == plain  # timed after the rest, which keep their order and tails
    by_eight = {shape[-1] for shape, _ in grid("small", True, 8)} - {shape[-1] for shape, _ in plain}
    assert sorted(by_eight) == [52, 100, 196] and grid("small", True, 1) == plain


@pytest.mark.parametrize("threads, clock", [(1, "this thread's CPU time"), (2, "the wall clock")])
def test_the_budget_stops_the_timing_and_says_how_many_were_timed(threads, clock):
    device, timed = costcalc.calibrate_runtime("onnxruntime", threads, builtin_devices()["a100"], grid="tiny",
                                               budget_s=1e-9)
    assert timed == 1  # the first unit is always timed
    assert f"(tiny grid, 1 of 7 units, timed by {clock})" in device.source
    assert (device.name, device.calibrated_on["threads"]) == (f"onnxruntime-{threads}-thread{'s' * (threads > 1)}",
                                                              threads)


@pytest.mark.parametrize("args, message", [
    ((), "Error: give TIMINGS (a timings file) or --runtime onnxruntime|torch, not neither\n"),
    (("t.json", "--runtime", "onnxruntime"), "Error: give TIMINGS (a timings file) or --runtime onnxruntime|torch, "
                                             "not both\n"),
    (("t.json",), "Error: calibrating TIMINGS needs the device to calibrate: --device NAME\n"),
    (("t.json", "--device", "a100", "--threads", "2", "--grid", "full"),
     "Error: --threads, --grid time a grid here: give them with --runtime, not with TIMINGS\n"),
    (("--runtime", "tvm"), "Error: Invalid value for '--runtime': 'tvm' is not one of 'onnxruntime', 'torch'.\n"),
    (("--runtime", "onnxruntime", "--budget", "5"),
     "Error: Invalid value for '--budget': '5': give a positive time in seconds or minutes, such as 90s or 5m\n"),
])
def test_calibrate_usage_errors_are_one_line(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.json").write_text('{"layers": [{"input": [8], "layer": "relu", "seconds": 1e-6}]}')
    result = run("devices", "calibrate", *args)
    assert (result.code, result.out) == (2, "")
    assert result.err.splitlines()[-1] + "\n" == message


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="torch is installed here")
def test_without_torch_calibrate_says_what_to_install():
    result = run("devices", "calibrate", "--runtime", "torch", "--device", "a100")
    assert (result.code, result.err) == (
        2, "costcalc devices calibrate --runtime torch needs torch, which is not installed: pip install torch\n")


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed: the torch runtime")
def test_calibrate_on_torch_times_single_layers_unfused():
    device, timed = costcalc.calibrate_runtime("torch", device=builtin_devices()["a100"], grid="tiny")
    assert (timed, device.fusion, device.calibrated_on["runtime"]) == (5, None, "torch")


def test_the_grids_cover_every_family_and_only_the_fused_units_differ_on_onnxruntime():
    assert [len(grid(name, False)) for name in GRIDS] == [5, 141, 357]
    assert [len(grid(name, True)) for name in GRIDS] == [7, 168, 425]
    small = {json.dumps(layers) for _, layers in grid("small", False)}
    assert all(json.dumps(FAMILIES[f](*POINTS[0])[1]) in small for f in FAMILIES)
    for unit in grid("full", True):  # every unit is a spec costcalc reads
        analyze(loads(json.dumps({"input": unit[0], "layers": unit[1]})))


def test_no_grid_side_is_a_zoo_networks():
    """The grid's sides are chosen apart from the networks' (at 224, 299 and 520), so no unit is a network's layer."""
    networks = {224, 112, 56, 28, 14, 7, 299, 149, 147, 73, 71, 35, 17, 8, 520, 260, 130, 65, 33}
    assert not {side for side, _ in POINTS} & networks


RESIDUAL = """
input: [20, 20, 48]
layers:
  - branches:
      shortcut: []
      residual: [{conv: {filters: 48, kernel: 3, bias: false}}, batchnorm]
    merge: add
  - relu
"""


def test_an_add_folds_into_the_conv_before_it_where_the_device_fuses_as_onnxruntime():
    design = analyze(loads(RESIDUAL)).designs[0]
    plain, folded = memory(design, fused=True), memory(design, fused=True, fold_adds=True)
    add = next(row.path for row in design.rows if row.role == "merge")
    assert add not in plain.folded and add in folded.folded and "relu2" in folded.folded
    conv = next(row.path for row in design.rows if row.role == "layer" and row.op.kind == "conv")
    elements = 20 * 20 * 48
    assert folded.traffic[conv].read == plain.traffic[conv].read + 4 * elements  # the shortcut read by the conv
    # the add (reading two, writing one) and the ReLU after it (one and one) move nothing; the conv reads one more
    assert folded.traffic[""].total == plain.traffic[""].total - 4 * (3 + 2 - 1) * elements
    assert memory(design, fold_adds=True).folded == frozenset()  # unfused: nothing folds
    ort = parse_devices({"devices": {"ort": {"tflops": {"float32": 1}, "bandwidth_gbs": 10, "source": "s",
                                             "fusion": "onnxruntime"}}}, "test")["ort"]
    estimates = on_device(design, DeviceSettings(fused=True), ort).estimates
    assert estimates[add].bound == "fused" and on_device(design, DeviceSettings(fused=True), ort).memory == folded


MADE = {"runtime": "onnxruntime", "version": "1.32.0", "threads": 1, "machine": "x86_64 AMD EPYC", "cpus": 2,
        "date": "2026-12-06 20:24 UTC"}


@pytest.mark.parametrize("entry, message", [
    ({"fusion": "tvm"}, "test: device 'd': fusion is 'tvm'; give the runtime whose fusion the estimates follow; "
                        "one of onnxruntime, or leave it out"),
    ({"network_factor": 0}, "test: device 'd': network_factor is 0; give a number from 0.1 to 10"),
    ({"network_overhead_us": -1}, "test: device 'd': network_overhead_us is -1; give a number from 0 up to "
                                  "1,000,000,000"),
    ({"network_overhead_us": "2"}, "test: device 'd': network_overhead_us is '2'; give a number from 0 up to "
                                   "1,000,000,000"),
    ({"calibrated_on": {"runtime": "x"}},
     "test: device 'd': calibrated_on is {'runtime': 'x'}; give runtime, version, threads, machine, cpus, date "
     "(costcalc devices calibrate --runtime writes it)"),
    ({"calibrated_on": {**MADE, "machine": "x" * 101}},
     f"test: device 'd': calibrated_on.machine is '{'x' * 29}…{'x' * 30}'; give a text of at most 100 characters; "
     "costcalc devices calibrate --runtime writes it"),
    ({"calibrated_on": {**MADE, "threads": 0}},
     "test: device 'd': calibrated_on.threads is 0; give an integer from 1 to 256; costcalc devices calibrate "
     "--runtime writes it"),
    ({"calibrated_on": {**MADE, "cpus": "2"}},
     "test: device 'd': calibrated_on.cpus is '2'; give an integer from 1 to 100,000; costcalc devices calibrate "
     "--runtime writes it"),
    ({"probe": {"network": "examples/zoo/mobilenet_v2_torchvision"}},
     "test: device 'd': probe is {'network': 'examples/zoo/mobilenet_v2_torchvision'}; give network and seconds "
     "(costcalc devices calibrate --runtime writes it)"),
    ({"probe": {"network": "n", "seconds": float("nan")}},
     "test: device 'd': probe.seconds is nan; give a positive number up to 1,000,000,000"),
])
def test_a_bad_calibration_record_is_refused(entry, message):
    with pytest.raises(CostcalcError) as caught:
        parse_devices({"devices": {"d": {"tflops": {"float32": 1}, "bandwidth_gbs": 1, "source": "s", **entry}}},
                      "test")
    assert str(caught.value) == message


def _explain_standard_on(tmp_path, figures: dict):
    """`explain` of the bottleneck example's standard design on a device of `figures`, saved as a devices file."""
    saved = tmp_path / "two.json"
    saved.write_text(json.dumps({"devices": {"two": figures}}))
    result = run("explain", "specs/bottleneck_5x5.yaml", "--design", "standard", "--device", "two", "--devices",
                 str(saved))
    assert result.code == 0, result.err
    return result


def test_a_kernel_inside_a_network_pays_the_network_overhead_and_the_device_says_so(tmp_path):
    """With network_overhead_us a design's kernels each add that overhead, not the single layer's; the devices
    file keeps it, `costcalc devices` says it, and explain's board shows it."""
    design = analyze(loads("input: [20, 20, 48]\nlayers: [{conv: {filters: 48, kernel: 3}}, relu]")).designs[0]
    entry = {"tflops": {"float32": 1}, "bandwidth_gbs": 10, "source": "s", "overhead_us": 5}
    devices = parse_devices({"devices": {"one": entry, "two": {**entry, "network_overhead_us": 0.5}}}, "test")
    one, two = (on_device(design, DeviceSettings(), devices[n]).estimates for n in ("one", "two"))
    assert [(one[p].overhead_s, two[p].overhead_s) for p in ("conv1", "relu2")] == [(5 * 1e-6, 0.5 * 1e-6)] * 2
    assert two[""].seconds == pytest.approx(one[""].seconds - 2 * 4.5e-6)
    assert entry_of(devices["two"])["network_overhead_us"] == 0.5 and "network_overhead_us" not in entry_of(
        devices["one"])
    assert calibrated_on(devices["two"]) == "; overhead 500 ns a kernel inside a network"
    result = _explain_standard_on(tmp_path, {**entry, "network_overhead_us": 0.5})
    assert "efficiency 0.5 / 0.7, overhead 500 ns" in result.out


def test_the_network_factor_multiplies_every_layer_and_explain_shows_it(tmp_path):
    design = analyze(loads("input: [20, 20, 48]\nlayers: [{conv: {filters: 48, kernel: 3}}, relu]")).designs[0]
    entry = {"tflops": {"float32": 1}, "bandwidth_gbs": 10, "source": "s"}
    devices = parse_devices({"devices": {"one": entry, "two": {**entry, "network_factor": 1.25}}}, "test")
    one, two = (on_device(design, DeviceSettings(), devices[n]).estimates for n in ("one", "two"))
    assert all(two[p].seconds == pytest.approx(1.25 * one[p].seconds) for p in one)
    result = _explain_standard_on(tmp_path, {**entry, "network_factor": 1.25})
    assert "  time    = (max(compute, memory) + overhead) × network factor 1.25 = (max(" in result.out


def test_the_network_slope_scales_the_factor_with_a_design_s_macs(tmp_path):
    """network_factor 1.25 and network_slope 0.5: a design of M MACs takes 1.25 × (M / 1e9)^0.5 times its layers'
    sum; explain shows that factor, the listing the rule, and the devices file keeps the slope."""
    design = analyze(loads("input: [20, 20, 48]\nlayers: [{conv: {filters: 48, kernel: 3}}, relu]")).designs[0]
    entry = {"tflops": {"float32": 1}, "bandwidth_gbs": 10, "source": "s"}
    devices = parse_devices({"devices": {"one": entry, "two": {**entry, "network_factor": 1.25,
                                                               "network_slope": 0.5}}}, "test")
    one, two = (on_device(design, DeviceSettings(), devices[n]).estimates for n in ("one", "two"))
    factor = 1.25 * (design.total.macs / 1e9) ** 0.5  # 8,294,400 MACs: 0.1138
    assert all(two[p].seconds == pytest.approx(factor * one[p].seconds) for p in one)
    assert entry_of(devices["two"])["network_slope"] == 0.5 and "network_slope" not in entry_of(devices["one"])
    result = _explain_standard_on(tmp_path, {**entry, "network_factor": 1.25, "network_slope": 0.5})
    assert "× network factor 0.433774 = (max(" in result.out  # 1.25 × (120,422,400 / 1e9)^0.5
    assert calibrated_on(devices["two"]) == ("; network factor 1.25 × (MACs / 1e9)^0.5 (every design's latency × it, "
                                             "at the design's MACs)")
    for slope in (2, "0.5", True):
        with pytest.raises(CostcalcError, match=r"network_slope is .*; give a number from -1 to 1"):
            parse_devices({"devices": {"bad": {**entry, "network_slope": slope}}}, "test")


def test_the_network_fit_finds_the_factor_and_a_kernel_s_overhead_inside_a_network():
    """Networks timed at 1.3 × (their estimate less their kernels' overhead + 3 µs a kernel) give factor 1.3 and
    3 µs; an overhead beyond the single layer's (10 µs) or below 0 is held there and the factor fitted again at it
    (least squares on the relative error); two networks fit the factor alone, at the single layer's overhead;
    none give 1."""
    device = parse_devices({"devices": {"d": {"tflops": {"float32": 1}, "bandwidth_gbs": 10, "source": "s",
                                              "overhead_us": 10}}}, "test")["d"]
    conv = "{conv: {filters: 32, kernel: 3}}"
    designs = [analyze(loads(f"input: [{side}, {side}, 32]\nlayers: [{', '.join([conv] * n)}]")).designs[0]
               for side, n in ((8, 4), (16, 1), (32, 3), (64, 2))]
    estimates = [on_device(d, DeviceSettings(), device).estimates[""] for d in designs]
    kernels = [round(e.overhead_s / 10e-6) for e in estimates]
    assert kernels == [4, 1, 3, 2]

    def timed(inside, factor=1.3):
        return [(d, factor * (e.seconds - e.overhead_s + k * inside)) for d, e, k in zip(designs, estimates, kernels)]

    def refit(whole, inside):
        shares = [(e.seconds - e.overhead_s + k * inside) / seconds for e, k, (_, seconds) in
                  zip(estimates, kernels, whole)]
        return float(f"{sum(shares) / sum(x * x for x in shares):.4g}")

    factor, inside = network_fit(timed(3e-6), device, False)
    assert (factor, inside) == (1.3, pytest.approx(3e-6, rel=1e-9))
    beyond = timed(25e-6)
    assert network_fit(beyond, device, False) == (refit(beyond, 10e-6), 10e-6)
    below = [(d, seconds - k * 2e-6) for (d, seconds), k in zip(timed(0.0), kernels)]
    assert network_fit(below, device, False) == (refit(below, 0.0), 0.0)
    assert refit(below, 0.0) != 1.3
    assert network_fit(timed(3e-6)[:2], device, False) == (refit(timed(3e-6)[:2], 10e-6), None)
    assert network_fit([], device, False) == (1.0, None)


def test_a_unit_of_several_steps_calibrates_its_last_less_the_others_estimates():
    """Squeeze-and-excitation's gating is timed with the pool that makes its gate: the multiply's row is fitted to
    the unit's time less the pool's estimate, so the unit is estimated at the time it took."""
    base = parse_devices({"devices": {"b": {"tflops": {"float32": 1}, "bandwidth_gbs": 10, "source": "s",
                                            "efficiency": {"memory": 1}}}}, "test")["b"]
    units = (([20, 20, 48], [{"global_avgpool": {"keepdims": True}}]), FAMILIES["squeeze-excitation gating"](20, 48),
             ([1, 1, 8], ["relu"]))
    pool, gated, tiny = (analyze(loads(json.dumps({"input": shape, "layers": layers}))).designs[0]
                         for shape, layers in units)
    fitted = calibrate([(tiny, 2e-6), (pool, 1e-3), (gated, 3e-3)], base, "float32", "f", "a test", merge=True)
    assert set(fitted.kernels) == {"relu", "global_avgpool", "multiply"}
    estimate = on_device(gated, DeviceSettings(), fitted).estimates
    assert estimate[""].seconds == pytest.approx(3e-3, rel=1e-3)
    assert estimate["branches1/multiply"].seconds == pytest.approx(2e-3, rel=1e-3)


def test_a_network_profiled_whole_gives_a_row_per_fused_unit_at_its_own_shape():
    """On onnxruntime a conv's batchnorm, ReLU and the add after it are one unit: the profiler's seconds of their
    rows add up, and the unit's efficiency is its FLOPs at the peak (the conv's without the taps in the padding)
    over its time less the overhead. A layer the profiler gave no time gives no row."""
    base = parse_devices({"devices": {"b": {"tflops": {"float32": 1}, "bandwidth_gbs": 1000, "source": "s",
                                            "efficiency": {"memory": 1}}}}, "test")["b"]
    network = analyze(loads("""input: [28, 28, 64]
layers:
  - branches: {shortcut: [], residual: [{conv: {filters: 64, kernel: 3, bias: false, name: c}}, batchnorm]}
    merge: add
  - relu
  - {conv: {filters: 32, kernel: 1, name: p}}
  - global_avgpool
""")).designs[0]
    paths = [row.path for row in network.rows if row.role in ("layer", "merge")]
    assert paths == ["branches1/residual/c", "branches1/residual/batchnorm2", "branches1/add", "relu2", "p",
                     "global_avgpool4"]
    seconds = dict(zip(paths, (1e-3, 2e-4, 3e-4, 0.0, 4e-4, 0.0)))
    tiny = analyze(loads("input: [1, 1, 8]\nlayers: [relu]")).designs[0]
    fitted = calibrate([(tiny, 1e-5)], base, "float32", "f", "a test", fusion="onnxruntime", merge=True,
                       networks=[(network, seconds)])
    flops = {row.path: row.cost.flops for row in network.rows}
    landed = 2 * 82 * 82 * 64 * 64  # 3×3 at 28×28, `same`: 28 · 3 − 2 of each axis's taps fall on the input
    unit, overhead = landed + sum(flops[path] for path in paths[1:4]), fitted.overhead_s
    assert fitted.kernels["conv"] == ((784, 64, 576, float(f"{unit / 1e12 / (1.5e-3 - overhead):.4g}")),)
    pointwise = flops["p"] / 1e12 / (4e-4 - overhead)
    assert fitted.kernels["conv 1x1"] == ((784, 32, 64, float(f"{pointwise:.4g}")),)
    assert "global_avgpool" not in fitted.kernels


def test_an_add_folds_into_the_last_conv_of_a_block_and_of_a_named_tensor_it_alone_reads():
    """onnxruntime fuses a conv with the add that is its one reader, however the spec groups them: the residual's
    conv inside a block (torchvision's ResNets), or named with `as:` and merged by name (torchvision's
    MobileNetV3). Where another row reads the named tensor too, the conv's output is kept and the add is its own."""
    in_block = analyze(loads("""input: [20, 20, 48]
blocks:
  path: {layers: [{conv: {filters: 48, kernel: 3, bias: false}}, batchnorm]}
layers:
  - branches: {shortcut: [], residual: [path: {}]}
    merge: add
  - relu
""")).designs[0]
    assert {"branches1/add", "relu2"} <= memory(in_block, fused=True, fold_adds=True).folded
    named = """input: [20, 20, 48]
layers:
  - {conv: {filters: 48, kernel: 1, bias: false}}
  - {batchnorm: {as: result}}
  - {merge: add, from: [result, input]}
"""
    folded = memory(analyze(loads(named)).designs[0], fused=True, fold_adds=True).folded
    assert folded == {"batchnorm2", "merge3"}
    read_twice = analyze(loads(named + "  - {conv: {filters: 8, kernel: 1, from: result}}\n")).designs[0]
    assert memory(read_twice, fused=True, fold_adds=True).folded == {"batchnorm2"}


def test_a_zero_padding_folds_into_the_conv_after_it_on_onnxruntime():
    """Keras pads before a valid strided conv; onnxruntime's pad fusion makes the conv pad as it reads. Before a
    pooling it stays, and only a device of onnxruntime folds it."""
    design = analyze(loads("""input: [21, 21, 16]
layers: [{zeropad: {padding: [0, 1, 0, 1]}}, {depthwise: {kernel: 3, stride: 2}}, {zeropad: {padding: 1}},
         {maxpool: {size: 3, stride: 2}}]
""")).designs[0]
    folded, plain = memory(design, fused=True, fold_adds=True), memory(design, fused=True)
    assert (folded.folded, plain.folded) == ({"zeropad1"}, frozenset())
    assert folded.traffic["depthwise2"].read == plain.traffic["depthwise2"].read - 4 * (22 * 22 - 21 * 21) * 16


@pytest.mark.parametrize("activation, folds", [("relu6", True), ("hsigmoid", True), ("hswish", True),
                                               ("silu", False), ("gelu", False)])
def test_on_onnxruntime_only_the_activations_it_fuses_fold_into_a_conv(activation, folds):
    """onnxruntime 1.32 runs a hardswish after a conv in the conv's node (but as the graph's last node), a SiLU as
    QuickGelu and a GELU as Gelu after the Conv."""
    spec = f"input: [20, 20, 48]\nlayers: [{{conv: {{filters: 48, kernel: 3}}}}, batchnorm, {activation}]"
    design = analyze(loads(spec)).designs[0]
    last = design.rows[-1].path
    assert (last in memory(design, fused=True, fold_adds=True).folded) is folds
    assert last in memory(design, fused=True).folded  # --fused on any other device folds every activation


ON_A_VECTOR = {"relu": True, "sigmoid": True, "tanh": True, "hsigmoid": True, "leaky_relu": True, "elu": True,
               "relu6": False, "hswish": False, "silu": False, "gelu": False, "softmax": False, "batchnorm": False}
ON_A_MAP = {"relu": True, "relu6": True, "hswish": True, "batchnorm": True, "gelu": False, "silu": False,
            "elu": False, "softmax": False}


@pytest.mark.parametrize("shape, layer, folds", [("[64]", layer, folds) for layer, folds in ON_A_VECTOR.items()]
                         + [("[8, 8, 16]", layer, folds) for layer, folds in ON_A_MAP.items()])
def test_on_onnxruntime_what_folds_into_a_dense_layer_is_what_it_fuses(shape, layer, folds):
    """onnxruntime 1.32's profile: a dense layer on a vector is a Gemm, fused with ReLU, sigmoid, tanh, hard
    sigmoid, leaky ReLU and ELU into one FusedGemm; ReLU6 (Clip), a hardswish, SiLU, GELU, softmax and a batchnorm
    after it run as nodes of their own. On a feature map the export writes a 1×1 Conv, which fuses as a conv."""
    spec = f"input: {shape}\nlayers: [{{dense: {{units: 32}}}}, {layer}, {{dense: {{units: 8}}}}]"
    design = analyze(loads(spec)).designs[0]
    assert (design.rows[1].path in memory(design, fused=True, fold_adds=True).folded) is folds
    assert design.rows[1].path in memory(design, fused=True).folded  # on any other device with --fused


def test_the_library_names_the_grids_it_knows():
    with pytest.raises(CostcalcError, match="^'huge' is not a grid; one of tiny, small, full$"):
        costcalc.calibrate_runtime("onnxruntime", grid="huge")


@pytest.mark.parametrize("threads, best, expected", [(1, True, 1.0), (2, True, 1.0), (1, False, 3.0), (2, False, 3.0)])
def test_a_whole_network_is_the_median_of_its_rounds_at_any_threads(monkeypatch, threads, best, expected):
    """A run's time is its least round (best) or the median of its rounds; a whole network is timed by the median,
    as `measure` reports, at one thread too."""
    from costcalc.runtimes import Runtime, layers

    rounds = iter([4.0, 1.0, 3.0, 5.0, 2.0])
    monkeypatch.setattr(layers, "calls_for", lambda run, target_s, most: 3)
    monkeypatch.setattr(layers, "median_seconds", lambda run, calls, clock: next(rounds))
    assert layers.seconds_of(lambda: None, threads, rounds=5, best=best) == expected

    class Fake(Runtime):
        def build(self, design, batch=1):
            return lambda: None

        def layer_seconds(self, design, batch=1):
            return {}

    asked = []
    monkeypatch.setattr(layers, "seconds_of", lambda run, threads, target_s, rounds, best: asked.append(best) or 1.0)
    layers.time_networks(Fake(threads), [(str(ROOT / "specs" / "bottleneck_5x5.yaml"), None)])
    assert asked == [False]


@pytest.mark.parametrize("threads, expected", [(1, [3.0, 1.0, 2.0]), (2, [2.5, 1.0, 1.5])])
def test_at_more_threads_each_unit_is_timed_twice_last_first_and_keeps_the_faster(monkeypatch, threads, expected):
    """A disturbance of the wall clock slows a run of units in a row; the second pass, in the other order, gives
    them another chance (at one thread the thread's CPU time does not see it: one pass)."""
    from costcalc.runtimes import Runtime, layers

    calls = []
    times = iter([3.0, 1.0, 2.0, 1.5, 4.0, 2.5])  # the first pass, then the second: units 3, 2, 1

    def timed(run, threads):
        calls.append(run())
        return next(times)

    class Fake(Runtime):
        def build(self, design, batch=1):
            return lambda: design.rows[0].input[-1]

    monkeypatch.setattr(layers, "seconds_of", timed)
    units = [([4, 4, channels], ["relu"]) for channels in (8, 16, 24)]
    found = layers.time_units(Fake(threads), units, budget_s=60)
    assert [seconds for _, seconds in found] == expected
    assert calls == [8, 16, 24] + [24, 16, 8] * (threads > 1)
    calls.clear()
    times = iter([3.0, 1.0, 2.0])
    assert len(layers.time_units(Fake(threads), units, budget_s=0)) == 1 and calls == [8]  # the budget spent
