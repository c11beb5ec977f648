"""costcalc measure: designs timed on onnxruntime (a test extra, run in CI) beside their estimates; torch where
installed. Times vary with the machine, so the tests check what is timed and how it is shown, not the figures."""

import ctypes
import importlib.util
import json
import re
import subprocess
import sys
import time

import jsonschema
import pytest
from conftest import ROOT, run

from costcalc.count.engine import analyze
from costcalc.device.measured import DesignMeasured, Measurement, Timed
from costcalc.errors import CostcalcError
from costcalc.runtimes import need, path_of
from costcalc.runtimes.machine import machine_name
from costcalc.runtimes.onnx_rt import OnnxRuntime, renamed
from costcalc.runtimes.timing import interleaved
from costcalc.show.measured import measured_views
from costcalc.spec.reader import load, loads
from costcalc.tasks.measure import MAX_MEASURED, measure_designs

SPEC = "specs/bottleneck_5x5.yaml"


def test_measure_prints_the_three_designs_measured_and_estimated():
    result = run("measure", SPEC, "--rounds", "2", "--device", "a100")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "measured on onnxruntime, estimated on a100"
    for design in ("standard", "bottleneck", "separable"):
        (row,) = [line for line in lines if line.startswith(f"│ {design} ")]
        assert row.count(" ms") + row.count(" µs") >= 4 and row.rstrip(" │").endswith("%")
    about = lines[lines.index(next(line for line in lines if line.startswith("└"))) + 1]  # a spread note may follow
    assert "onnxruntime" in about and "1 thread, batch 1, float32; estimated on a100 (built-in)" in about


def test_measure_json_holds_every_design_and_its_layers():
    result = run("measure", SPEC, "--rounds", "1", "--layers", "--device", "a100", "--format", "json")
    data = json.loads(result.out)
    schema = json.loads((ROOT / "costcalc" / "schemas" / "output-measure.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert [d["name"] for d in data["designs"]] == ["standard", "bottleneck", "separable"]
    separable = data["designs"][2]
    assert {layer["path"] for layer in separable["layers"]} >= {"depthwise1", "conv2"}
    assert all(d["measured_s"] > 0 and d["estimated_s"] > 0 for d in data["designs"])
    assert (data["runtime"], data["threads"], data["batch"], data["fused"]) == ("onnxruntime", 1, 1, True)


def test_measure_csv_and_a_batch():
    result = run("measure", SPEC, "--rounds", "1", "-d", "bottleneck", "--batch", "2", "--device", "a100",
                 "--format", "csv")
    header, row = result.out.splitlines()
    assert header == "design,path,measured_s,low_s,high_s,estimated_s,error_percent"
    assert row.startswith("bottleneck,,")


def test_measure_notes_a_device_calibrated_on_another_runtime_thread_count_or_machine(tmp_path):
    entry = {"tflops": {"float32": 1}, "bandwidth_gbs": 10, "source": "s", "overhead_us": 5}
    away = {"runtime": "torch", "version": "2.14.1", "threads": 2, "machine": "x86_64 Elsewhere", "cpus": 8,
            "date": "2026-12-06 20:15 UTC"}
    version = importlib.import_module("onnxruntime").__version__
    here = {**away, "runtime": "onnxruntime", "version": version, "threads": 1, "machine": machine_name()}
    saved = tmp_path / "made.json"
    saved.write_text(json.dumps({"devices": {"away": {**entry, "calibrated_on": away},
                                             "here": {**entry, "calibrated_on": here}}}))
    caveat = (f"the device was calibrated on torch 2.14.1, 2 threads, x86_64 Elsewhere; this is onnxruntime {version}, "
              f"1 thread, {machine_name()}: for an estimate of this runtime here, costcalc devices calibrate "
              "--runtime onnxruntime --threads 1")
    args = ("measure", SPEC, "-d", "bottleneck", "--rounds", "1", "--devices", str(saved), "--device")
    table = run(*args, "away")
    assert table.code == 0 and caveat in " ".join(table.out.split())
    assert json.loads(run(*args, "away", "--format", "json").out)["caveat"] == caveat
    assert json.loads(run(*args, "here", "--format", "json").out)["caveat"] is None
    assert "calibrated on" not in run(*args, "here").out


@pytest.mark.parametrize("then, note", [(1.0, "1 s"), (1e-6, "1 µs"), (None, "")])
def test_measure_times_a_device_s_probe_again_and_notes_a_machine_at_another_speed(tmp_path, then, note):
    """A device calibrated here holds its first network's time then (`probe`); `measure` times that network among
    the designs and names it where it ran more than 10 % slower or faster (1 s and 1 µs: far beyond any noise)."""
    version = importlib.import_module("onnxruntime").__version__
    here = {"runtime": "onnxruntime", "version": version, "threads": 1, "machine": machine_name(), "cpus": 2,
            "date": "2026-12-06 23:00 UTC"}
    network = "examples/bottleneck_5x5 separable"
    probe = {"probe": {"network": network, "seconds": then}} if then else {}
    saved = tmp_path / "made.json"
    saved.write_text(json.dumps({"devices": {"here": {"tflops": {"float32": 1}, "bandwidth_gbs": 10, "source": "s",
                                                      "calibrated_on": here, **probe}}}))
    args = ("measure", SPEC, "-d", "bottleneck", "--rounds", "1", "--devices", str(saved), "--device", "here")
    caveat = json.loads(run(*args, "--format", "json").out)["caveat"]
    if not note:
        assert caveat is None
        return
    pace = "faster" if then == 1 else "slower"
    pattern = (rf"this machine ran {network}, a network of the calibration, in [0-9.]+ [mµ]s, [0-9.e+-]+ times the "
               rf"{note} it took when here was calibrated: it runs {pace} than then, or {pace} among these designs, "
               "and estimates on the device may be off by as much; time again when the machine is steadier, or "
               "calibrate again")
    assert re.fullmatch(pattern, caveat), caveat
    assert re.search(pattern, " ".join(run(*args).out.split()))


def test_a_probe_not_of_the_calibration_is_refused_in_one_line(tmp_path):
    version = importlib.import_module("onnxruntime").__version__
    here = {"runtime": "onnxruntime", "version": version, "threads": 1, "machine": machine_name(), "cpus": 2,
            "date": "2026-12-06 23:00 UTC"}
    saved = tmp_path / "made.json"
    saved.write_text(json.dumps({"devices": {"here": {"tflops": {"float32": 1}, "bandwidth_gbs": 10, "source": "s",
                                                      "calibrated_on": here,
                                                      "probe": {"network": "/etc/passwd", "seconds": 1}}}}))
    result = run("measure", SPEC, "--rounds", "1", "--devices", str(saved), "--device", "here")
    assert (result.code, result.out, result.err) == (
        2, "", f"{saved}: device 'here': probe.network is '/etc/passwd'; give a network of the calibration; one of "
               "examples/zoo/mobilenet_v2_torchvision, examples/bottleneck_5x5 separable (costcalc devices calibrate "
               "--runtime writes it)\n")


def test_a_batch_runs_through_the_layers_the_export_reshapes_or_resizes(spec_file):
    spec = spec_file("input: [8, 8, 16]\nlayers:\n  - channel_shuffle: {groups: 2}\n  - resize: {size: [12, 12]}\n"
                     "  - groupnorm: {groups: 4, scale: false, center: false}\n")
    result = run("measure", str(spec), "--batch", "3", "--rounds", "1", "--device", "a100", "--format", "json")
    assert (result.code, result.err) == (0, "")  # it stopped with a traceback from onnxruntime: shapes of batch 1
    data = json.loads(result.out)
    assert data["batch"] == 3 and data["designs"][0]["measured_s"] > 0


def test_more_designs_than_the_limit_are_refused():
    with pytest.raises(CostcalcError) as error:
        measure_designs([None] * (MAX_MEASURED + 1), None, None, "", SPEC)
    assert str(error.value) == ("17 designs or variants to measure, more than 16: each is timed for seconds; "
                                "pick fewer with --design, or fewer --vary values")


def test_a_runtime_node_maps_to_its_row_by_path():
    paths = ["conv1", "conv10", "layer1.0/add/residual/conv1"]
    assert path_of("conv1_nchwc", paths) == "conv1"
    assert path_of("conv10", paths) == "conv10"
    assert path_of("layer1.0/add/residual/conv1:Relu", paths) == "layer1.0/add/residual/conv1"
    assert path_of("ReorderInput", paths) is None
    assert path_of("fused conv10", paths) == "conv10"  # onnxruntime's FusedGemm of a dense and its ReLU


def test_a_dense_and_its_relu_fused_by_onnxruntime_time_the_dense_row():
    """onnxruntime fuses a Gemm and the ReLU after it into one node named `fused NAME`: AlexNet's classifier
    timed 6.4 ms on its first Dropout, which runs nothing, until the prefix was read."""
    spec = "input: [64]\nlayers: [dropout, {dense: {units: 256}}, relu, dropout, {dense: {units: 10}}]"
    design = analyze(loads(spec)).designs[0]
    names = ["fused dense2", "dense5", "model_run"]
    assert renamed(design, names) == {"fused dense2": "dense2", "dense5": "dense5", "model_run": ""}
    timed = OnnxRuntime(1).layer_seconds(design, runs=2)
    assert timed["dense2"] > 0 and timed.get("dropout1", 0.0) == 0.0


def test_nodes_the_optimiser_named_go_to_the_next_row_that_runs_alone():
    """onnxruntime runs a SiLU after a conv as a node it names itself (QuickGelu_5, or swish3/QuickGeluFusion/):
    its time is the SiLU's, the row after the conv's unit (its batchnorm folds in) with no node of its own."""
    spec = "input: [8, 8, 16]\nlayers: [{conv: {filters: 16, kernel: 1}}, batchnorm, silu, {maxpool: {size: 2}}]"
    design = analyze(loads(spec)).designs[0]
    names = ["ReorderInput", "batchnorm2_nchwc", "QuickGelu_5", "maxpool4_nchwc", "ReorderOutput", "model_run"]
    assert renamed(design, names) == {"ReorderInput": "", "batchnorm2_nchwc": "conv1", "QuickGelu_5": "silu3",
                                      "maxpool4_nchwc": "maxpool4", "ReorderOutput": "", "model_run": ""}
    timed = OnnxRuntime(1).layer_seconds(design, runs=2)
    assert timed["silu3"] > 0 and timed["conv1"] > 0 and set(timed) <= {"", "conv1", "silu3", "maxpool4"}


def test_a_conv_fused_with_its_batchnorm_and_activation_times_the_conv_row():
    """onnxruntime names a conv fused with the batchnorm (and ReLU) after it after the last of them (NASNet-Mobile's
    normal_bn_1_nchwc, relu_2_nchwc): its time is the conv's, where the estimate of the unit stands."""
    spec = "input: [16, 16, 32]\nlayers: [{conv: {filters: 32, kernel: 3}}, batchnorm, relu, {maxpool: {size: 2}}]"
    design = analyze(loads(spec)).designs[0]
    timed = OnnxRuntime(1).layer_seconds(design, runs=2)
    assert timed["conv1"] > 0 and not {"batchnorm2", "relu3"} & set(timed)


def test_the_spread_of_rounds():
    assert Timed(2.0, 1.5, 2.5, 3).spread_percent == 50.0


def test_rounds_that_spread_wider_than_the_band_are_named_under_the_table():
    def notes(*timed: Timed) -> tuple[str, ...]:
        designs = tuple(DesignMeasured(f"d{i}", t, 2.0) for i, t in enumerate(timed))
        return measured_views(Measurement("s.yaml", "onnxruntime", "1.32.0", 1, 1, "float32", True, "a100",
                                          "built-in", designs))[0].notes

    assert notes(Timed(2.0, 1.5, 2.5, 7), Timed(1.0, 0.95, 1.1, 7), Timed(4.0, 3.5, 4.5, 7))[2] == (
        "rounds spread by more than 20% of the median (d0 50%; d2 25%): this machine's speed moved while timing, so "
        "an error within that spread says little; time again, or with more --rounds")
    assert len(notes(Timed(1.0, 0.95, 1.1, 7), Timed(4.0, 3.5, 4.25, 7))) == 2  # 15 % and 19 %: steady enough


def test_designs_timed_in_turn_rest_between_turns_where_the_runtime_asks():
    calls: list[tuple[str, float]] = []
    runs = {name: (lambda name=name: calls.append((name, time.perf_counter()))) for name in ("a", "b")}
    interleaved(runs, rounds=2, target_s=0.0, settle_s=0.02)
    turns = [(before, after) for before, after in zip(calls, calls[1:]) if before[0] != after[0]]
    assert [(b[0], a[0]) for b, a in turns] == [("a", "b"), ("b", "a"), ("a", "b"), ("b", "a")]
    assert min(after[1] - before[1] for before, after in turns) >= 0.02
    alone: list[float] = []
    start = time.perf_counter()
    interleaved({"a": lambda: alone.append(time.perf_counter())}, rounds=2, target_s=0.0, settle_s=10.0)
    assert time.perf_counter() - start < 5  # one design: nothing ran before it, no rest
    assert (OnnxRuntime(1).settle_s, OnnxRuntime(2).settle_s) == (0.0, 0.1)


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="torch is installed here")
def test_without_torch_measure_says_what_to_install():
    result = run("measure", SPEC, "--runtime", "torch")
    assert (result.code, result.err) == (
        2, "costcalc measure --runtime torch needs torch, which is not installed: pip install torch\n")


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed: the torch runtime")
def test_measure_on_torch():
    result = run("measure", SPEC, "--runtime", "torch", "--rounds", "1", "--layers", "--device", "a100",
                 "--format", "json")
    data = json.loads(result.out)
    assert [d["name"] for d in data["designs"]] == ["standard", "bottleneck", "separable"]
    assert (data["runtime"], data["fused"]) == ("torch", False)


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed: the torch runtime")
def test_torch_layer_times_leave_merges_to_forward():
    from costcalc.runtimes.pytorch import TorchRuntime

    design = analyze(load(str(ROOT / "specs" / "torchvision" / "resnets.yaml"))).design("resnet18")
    found = TorchRuntime(1).layer_seconds(design, runs=1)
    merges = {row.path for row in design.rows if row.role == "merge"}
    layers = {row.path for row in design.rows if row.role == "layer"}
    assert merges and not merges & set(found)
    assert {path for path in found if path} <= layers and found[""] >= 0


def test_an_unknown_runtime_is_one_line():
    with pytest.raises(CostcalcError, match="'tvm' is not a runtime; one of onnxruntime, torch"):
        need("tvm", "costcalc measure")


FAULTS = """
import resource, sys
from costcalc.runtimes.pytorch import keep_freed_memory
kept = sys.argv[1] == "keep" and keep_freed_memory()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    block = b"x" * (40 << 20)
    del block
print(kept, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or not hasattr(ctypes.CDLL(None), "mallopt"),
                    reason="the C library is not glibc: no mallopt")
def test_the_torch_runtime_keeps_freed_memory_so_a_run_maps_no_fresh_pages():
    def faults(mode: str) -> tuple[str, int]:
        done = subprocess.run([sys.executable, "-c", FAULTS, mode], capture_output=True, text=True, cwd=ROOT)
        kept, count = done.stdout.split()
        return kept, int(count)

    kept, count = faults("keep")
    assert kept == "True" and count < 2 * 10240  # the first block's 10,240 pages of 4 KiB, then none
    assert faults("default")[1] >= 19 * 10240  # above 32 MiB, glibc maps every block afresh
