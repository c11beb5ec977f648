"""report --memory / --device, costcalc devices and devices measure, from the command line."""

import json
import subprocess
import sys

import pytest
import yaml
from conftest import ROOT, run

from costcalc.device.latency import layer_estimate
from costcalc.device.profiles import DEFAULT_OVERHEAD_US, builtin_devices

SPEC = "specs/bottleneck_5x5.yaml"


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def test_report_memory_in_json_gives_exact_bytes_and_the_peak_on_the_total_row():
    data = json.loads(run("report", SPEC, "--memory", "--format", "json").out)
    totals = {d["name"]: (d["totals"]["bytes_moved"], d["totals"]["live_bytes"]) for d in data["designs"]}
    assert totals == {"standard": (1_316_992, 702_464), "bottleneck": (866_496, 652_288),
                      "separable": (1_951_360, 1_204_224)}
    conv = data["designs"][1]["rows"][0]
    assert {k: conv[k] for k in ("bytes_read", "weight_bytes_read", "bytes_written", "live_bytes")} == {
        "bytes_read": 602_112, "weight_bytes_read": 12_352, "bytes_written": 50_176, "live_bytes": 652_288}
    assert conv["intensity"] == round(conv["flops"] / 664_640, 3)


def test_report_memory_in_csv_table_and_markdown():
    lines = run("report", SPEC, "--memory", "--design", "separable", "--format", "csv").out.splitlines()
    assert lines[0].endswith(",bytes_read,weight_bytes_read,bytes_written,bytes_moved,intensity,live_bytes")
    assert lines[-1].startswith("separable,,,total,")
    assert lines[-1].endswith(",1204224,44672,702464,1951360,8.884,1204224")
    table = run("report", SPEC, "--memory", "--design", "separable", "--exact").out
    assert ("│ depthwise1 │ depthwise │ 28×28×192 │  4,992 │ 3,763,200 │  43.9% │   602,112 │  19,968 │ 602,112 "
            "│    6.3 │ 1,204,224 │") in table
    markdown = run("report", SPEC, "--memory", "--design", "separable", "--format", "markdown").out
    assert "| read | weights | written | FLOP/B | live |" in markdown


def test_weight_dtype_changes_weights_only():
    data = json.loads(run("report", SPEC, "--memory", "--dtype", "float16", "--weight-dtype", "int8",
                          "--design", "standard", "--format", "json").out)
    totals = data["designs"][0]["totals"]
    assert (totals["bytes_read"], totals["weight_bytes_read"], totals["bytes_written"]) == (301_056, 153_632, 50_176)


def test_report_device_adds_bound_and_time_by_the_roofline():
    data = json.loads(run("report", SPEC, "--device", "a100", "--design", "separable", "--format", "json").out)
    rows = {r["path"]: r for r in data["designs"][0]["rows"]}
    a100 = builtin_devices()["a100"]
    depthwise = layer_estimate(rows["depthwise1"]["flops"], 1_224_192, a100, "float32")
    assert rows["depthwise1"]["bound"] == "memory" == depthwise.bound
    assert rows["depthwise1"]["latency_s"] == depthwise.seconds
    assert depthwise.seconds == pytest.approx(1_224_192 / (2039e9 * 0.7) + DEFAULT_OVERHEAD_US * 1e-6)
    totals = data["designs"][0]["totals"]
    assert totals["latency_s"] == pytest.approx(rows["depthwise1"]["latency_s"] + rows["conv2"]["latency_s"])


def test_an_unknown_device_or_a_missing_dtype_is_one_line_and_exit_2():
    result = run("report", SPEC, "--device", "a10")
    assert (result.code, result.err) == (2, "no device 'a10'; did you mean 'a100'?\n")
    result = run("report", SPEC, "--device", "coral-usb")
    assert (result.code, result.err) == (2, "device 'coral-usb' has no throughput figure for float32; "
                                            "it has: int8; choose one with --dtype\n")


def test_devices_lists_at_least_ten_with_a_source_each():
    devices = builtin_devices()
    assert len(devices) >= 10
    assert all(d.source and d.bytes_per_s > 0 and d.flops_per_s for d in devices.values())
    data = json.loads(run("devices", "--format", "json").out)["devices"]
    assert data["h100"]["tflops"] == {"float32": 67, "float16": 989.5, "bfloat16": 989.5, "int8": 1979}
    table = run("devices").out
    assert "│ raspberry-pi-5   │ Raspberry Pi 5 (4x Cortex-A76 CPU)" in table and "0.1536*" in table


def test_a_users_devices_file_adds_devices(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"devices": {"mine": {"tflops": {"float32": 1}, "bandwidth_gbs": 10,
                                                     "efficiency": {"compute": 1, "memory": 1},
                                                     "overhead_us": 0, "source": "by hand"}}}))
    data = json.loads(run("report", SPEC, "--device", "mine", "--devices", str(path), "--design", "standard",
                          "--format", "json").out)
    totals = data["designs"][0]["totals"]
    assert totals["compute_s"] == totals["flops"] / 1e12
    assert totals["memory_s"] == 1_316_992 / 1e10
    assert totals["bound"] == "compute"
    path.write_text('{"devices": {"bad": {"tflops": {"float32": -1}, "bandwidth_gbs": 1, "source": "x"}}}')
    result = run("devices", "--devices", str(path))
    assert (result.code, result.err) == (2,
                                         f"{path}: device 'bad': tflops.float32 is -1; give a positive number up to "
                                         "1,000,000,000\n")


def test_numpy_is_imported_by_measure_only():
    script = ("import sys\nfrom click.testing import CliRunner\nfrom costcalc.cli import main\n"
              "r = CliRunner().invoke(main, ['report', 'specs/bottleneck_5x5.yaml', '--device', 'a100'])\n"
              "assert r.exit_code == 0, r.output\nr = CliRunner().invoke(main, ['devices'])\n"
              "print('numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout == "False\n"


def test_measure_prints_a_devices_file_that_report_accepts(tmp_path):
    result = run("devices", "measure", "--seconds", "0.1", "--name", "here")
    profile = json.loads(result.out)["devices"]["here"]
    assert profile["tflops"]["float32"] > 0 and profile["bandwidth_gbs"] > 0
    path = tmp_path / "here.json"
    path.write_text(result.out)
    assert run("report", SPEC, "--device", "here", "--devices", str(path)).code == 0


def test_compare_on_two_devices_in_every_format():
    args = ("compare", SPEC, "--device", "a100", "--device", "raspberry-pi-5")
    designs = {d["name"]: d for d in json.loads(run(*args, "--format", "json").out)["designs"]}
    assert {n: (d["bytes_moved"], d["peak_activation_bytes"], d["weights_bytes"]) for n, d in designs.items()} == {
        "standard": (1_316_992, 702_464, 614_528), "bottleneck": (866_496, 652_288, 63_680),
        "separable": (1_951_360, 1_204_224, 44_672)}
    pi = designs["standard"]["latency_s"]["raspberry-pi-5"]
    assert pi == pytest.approx(designs["standard"]["totals"]["flops"] / (0.1536e12 * 0.5) + 5e-6)
    csv_lines = run(*args, "--format", "csv").out.splitlines()
    assert csv_lines[0].endswith(",bytes_moved,peak_activation_bytes,weights_bytes,latency_s_a100,"
                                 "latency_s_raspberry-pi-5")
    assert csv_lines[1].startswith("standard,") and ",1316992,702464,614528," in csv_lines[1]
    table = run(*args).out
    assert "│ standard   │     1.3 MiB │   686.0 KiB │ 600.1 KiB │   29.7 µs │             3.14 ms │" in table
    assert "| design | bytes moved | peak memory | weights | a100 time | raspberry-pi-5 time |" in run(
        *args, "--format", "markdown").out


def test_compare_memory_without_a_device_has_no_latency():
    data = json.loads(run("compare", SPEC, "--memory", "--format", "json").out)
    assert data["designs"][2]["latency_s"] == {} and data["designs"][2]["peak_activation_bytes"] == 1_204_224


def test_explain_device_shows_the_roofline_with_the_numbers_put_in():
    lines = run("explain", SPEC, "--design", "separable", "--device", "a100", "--layer", "depthwise1").out.splitlines()
    assert lines[-8] == "  bytes  = read + weights + written = 602,112 + 19,968 + 602,112 = 1,224,192 ≈ 1.2M"
    assert lines[-6:] == [
        "  on a100 (float32): peak 19.5 TFLOP/s, 2039 GB/s, efficiency 0.5 / 0.7, overhead 5 µs",
        "  compute = FLOPs / (peak × efficiency) = 7,676,928 / (19.5e12 × 0.5) = 787 ns",
        "  memory  = bytes / (bandwidth × efficiency) = 1,224,192 / (2039e9 × 0.7) = 858 ns",
        "  time    = max(compute, memory) + overhead = max(787 ns, 858 ns) + 5 µs = 5.86 µs, memory-bound",
        "",
        "device a100: built-in",
    ]


def test_explain_device_fused_says_what_is_folded(tmp_path):
    spec = tmp_path / "fused.yaml"
    spec.write_text("input: [8, 8, 4]\nlayers:\n  - conv: {filters: 4, kernel: 3}\n  - relu: {}\n")
    lines = run("explain", str(spec), "--device", "t4", "--fused", "--layer", "relu2").out.splitlines()
    # 256 activations at 8.1 TFLOP/s × 0.5
    assert (lines[-5], lines[-3:]) == ("  bytes = read + weights + written = 0 + 0 + 0 = 0",
                                       ["  folded into the layer before it: compute 0.0632 ns, no memory time or "
                                        "overhead",
                                        "", "device t4: built-in"])


def test_batch_scales_activations_bytes_and_time_but_not_weights():
    one = json.loads(run("report", SPEC, "--device", "t4", "--design", "standard", "--format", "json").out)
    eight = json.loads(run("report", SPEC, "--device", "t4", "--design", "standard", "--batch", "8",
                           "--format", "json").out)
    a, b = one["designs"][0]["totals"], eight["designs"][0]["totals"]
    assert (b["bytes_read"], b["bytes_written"], b["live_bytes"]) == (8 * a["bytes_read"], 8 * a["bytes_written"],
                                                                      8 * a["live_bytes"])
    assert b["weight_bytes_read"] == a["weight_bytes_read"] == 614_528
    assert b["compute_s"] == pytest.approx(8 * a["compute_s"])


def test_compare_training_in_json_and_csv():
    args = ("compare", SPEC, "--training", "momentum", "--batch", "2")
    training = json.loads(run(*args, "--format", "json").out)["designs"][1]["training"]
    assert training == {
        "optimizer": "momentum", "forward_macs": 2 * 12_443_648, "input_grad_macs": 2 * 10_035_200,
        "weight_grad_macs": 2 * 12_443_648, "macs": 2 * (2 * 12_443_648 + 10_035_200),
        "flops": 2 * 2 * (2 * 12_443_648 + 10_035_200) + 2 * 2 * 37_632,
        "weights_bytes": 63_680, "gradient_bytes": 63_680, "optimizer_bytes": 63_680,
        "saved_activation_bytes": 2 * 4 * 28 * 28 * (192 + 16 + 32), "memory_bytes": 3 * 63_680 + 2 * 4 * 188_160}
    lines = run(*args, "--format", "csv").out.splitlines()
    assert lines[0].endswith(",training_saved_activation_bytes,training_memory_bytes")
    assert lines[2].endswith(f",{2 * 4 * 188_160},{3 * 63_680 + 2 * 4 * 188_160}")


def test_memory_columns_follow_the_receptive_field_columns():
    lines = run("report", "specs/googlenet_3a.yaml", "--design", "reduced", "--memory", "--receptive-field",
                "--depth", "1", "--format", "csv").out.splitlines()
    assert lines[0].endswith(",offset_width,bytes_read,weight_bytes_read,bytes_written,bytes_moved,intensity,"
                             "live_bytes")
    assert lines[1] == ("reduced,3a,branches (concat),branches,0,28x28x192,28x28x256,128049152,257741568,163696,163696,"
                        "0,639744,2558976,5,5,1,1,0,0,4164608,654784,2558976,7378368,34.932,1906688")


BOARD = """\
input: [28, 28, 192]
layers:
  - conv: {filters: 32, kernel: 5}
devices:
  board: {tflops: {float32: 1}, bandwidth_gbs: BANDWIDTH, efficiency: {compute: 1, memory: 1}, overhead_us: 0,
          source: by hand}
budget: {latency: 1ms}
"""


def test_a_specs_own_devices_serve_report_and_explain_and_a_devices_file_check(tmp_path):
    path = tmp_path / "board.yaml"
    path.write_text(BOARD.replace("BANDWIDTH", "10"))
    totals = json.loads(run("report", str(path), "--device", "board", "--format", "json").out)["designs"][0]["totals"]
    assert (totals["compute_s"], totals["memory_s"]) == (240_869_888 / 1e12, 1_316_992 / 1e10)
    assert "board (float32): peak 1 TFLOP/s, 10 GB/s" in run("explain", str(path), "--device", "board").out
    # check takes the device it names from a --devices file (or the built-in ones), never from the spec
    spec, devices = BOARD.replace("BANDWIDTH", "10").split("devices:\n")
    body, budget = devices.split("budget:")
    path.write_text(spec + "budget:" + budget)
    board = tmp_path / "board.json"
    board.write_text(json.dumps({"devices": yaml.safe_load(body)}))
    checked = json.loads(run("check", str(path), "--device", "board", "--devices", str(board), "--format", "json").out)
    assert checked["specs"][0]["checks"][0]["value"] == 240_870e-9  # whole ns, rounded up, in seconds


def test_a_bad_device_in_the_spec_is_positioned(tmp_path):
    path = tmp_path / "board.yaml"
    path.write_text(BOARD.replace("BANDWIDTH", "-1"))
    result = run("report", str(path), "--device", "board")
    assert (result.code, result.err) == (2, f"{path}:5:48: device 'board': bandwidth_gbs is -1; "
                                              "give a positive number up to 1,000,000,000\n")


def test_devices_in_a_spec_must_be_a_mapping():
    from costcalc.errors import SpecError
    from costcalc.spec.reader import loads

    with pytest.raises(SpecError) as caught:
        loads("input: [4]\nlayers: [dense: {units: 2}]\ndevices: 3\n")
    assert str(caught.value) == "<spec>:3:10: devices maps device names to their figures; see docs/latency.md, Devices"


@pytest.mark.parametrize("name, args", [
    ("report", ["report", "specs/googlenet_3a.yaml", "--memory", "--receptive-field"]),
    ("report", ["report", "specs/zoo/mobilenet_v2_torchvision.yaml", "--device", "t4", "--fused", "--batch", "4"]),
    ("compare", ["compare", SPEC, "--device", "a100", "--device", "l4", "--training", "adam"]),
    ("compare", ["compare", SPEC, "--memory"]),
    ("check", ["check", SPEC, "--device", "a100", "--max-latency", "1ms", "--max-train-memory", "1MiB"]),
    ("devices", ["devices"]),
])
def test_the_json_outputs_hold_to_their_schemas(name, args):
    import jsonschema

    schema = json.loads((ROOT / "costcalc" / "schemas" / f"output-{name}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(json.loads(run(*args, "--format", "json").out))


def test_the_devices_json_is_a_devices_file(tmp_path):
    path = tmp_path / "all.json"
    path.write_text(run("devices", "--format", "json").out)
    assert run("devices", "--devices", str(path), "--format", "json").out == run("devices", "--format", "json").out \
        .replace('"origin": "built-in"', f'"origin": "{path}"').replace(
            '"assumed, no published measurement (docs/latency.md, The built-in devices)"',
            f'"as {path} gives them, else assumed"')


def test_devices_shows_the_efficiencies_and_overhead_and_its_notes_fit_80_columns():
    from rich.cells import cell_len
    from test_terminal import in_terminal

    code, out = in_terminal(["devices"], NO_COLOR="1", TERM="xterm-256color", COLUMNS="80")
    lines = out.decode("utf-8").replace("\r\n", "\n").splitlines()
    assert code == 0 and max(cell_len(line) for line in lines) <= 80
    assert lines[0] == "devices: peak dense TFLOP/s (TOP/s for int8), GB/s, efficiencies and overhead"
    assert "device           float32 float16 bfloat16  int8   GB/s compute memory overhead" in lines
    assert "jetson-nano       0.236*   0.472        —     —   25.6     50%    70%     5 µs" in lines
    notes = lines.index("* estimated: no vendor states it; the source says how it was derived")
    assert lines[notes:notes + 8] == [
        "* estimated: no vendor states it; the source says how it was derived",
        "compute, memory: the share of peak FLOP/s and of GB/s that a layer reaches;",
        "overhead: a fixed time per layer; every estimate applies all three",
        "‡ fitted to published latencies at one dtype: efficiency and overhead, below",
        "your own devices: --devices FILE (docs/latency.md)",
        "this machine's profile: costcalc devices measure",
        "a device fitted to layers timed on a runtime: costcalc devices calibrate",
        "sources:",
    ]


def test_compare_on_a_batch_says_which_figures_are_per_sample_and_which_for_the_batch():
    lines = run("compare", "specs/bottleneck_5x5.yaml", "--device", "t4", "--batch", "32", columns=120).out.splitlines()
    assert lines[0] == "5x5 conv on 28x28x192, with and without a 1x1 bottleneck: designs on 28×28×192, per sample"
    device = lines.index("on a device, a batch of 32: bytes moved, peak activation memory, weights, roofline latency")
    assert lines[device + 4] == "│ standard   │    22.0 MiB │    21.4 MiB │ 600.1 KiB │ 1.91 ms │"
    assert lines[device + 8] == "batch 32; latency is a roofline estimate (docs/latency.md)"
    assert run("compare", "specs/bottleneck_5x5.yaml", columns=120).out.splitlines()[0].endswith("designs on 28×28×192")
