"""The commands' library entry points give what the commands print, without the command line."""

import json

import pytest
from conftest import ROOT, SPECS, run

import costcalc

SPEC = str(SPECS / "bottleneck_5x5.yaml")


def test_check_file_gives_the_verdicts_check_prints(monkeypatch):
    monkeypatch.chdir(ROOT)
    checked = costcalc.check_file(SPEC, {"macs": 600_000_000}, ("bottleneck",))
    printed = json.loads(run("check", SPEC, "-d", "bottleneck", "--max-macs", "600M", "--format", "json").out)
    assert isinstance(checked, costcalc.FileCheck) and not checked.failed and checked.error is None
    assert [(v.design, v.metric, v.value) for v in checked.verdicts] == [
        (v["design"], v["metric"], v["value"]) for f in printed["specs"] for v in f["checks"]]


def test_check_file_keeps_a_bad_spec_as_its_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yaml").write_text("designs: [\n")
    checked = costcalc.check_file("bad.yaml")
    assert isinstance(checked.error, costcalc.CostcalcError) and str(checked.error).startswith("bad.yaml:")


def test_draw_file_is_the_svg_draw_prints(monkeypatch):
    monkeypatch.chdir(ROOT)
    settings = costcalc.DeviceSettings("float16", batch=8)
    text = costcalc.draw_file(SPEC, "svg", ("separable",), on_device=settings, device_name="a100")
    assert text == run("draw", SPEC, "-d", "separable", "--dtype", "float16", "--batch", "8", "--device", "a100",
                       "-o", "-").out


def test_calibrate_file_is_the_device_calibrate_prints(monkeypatch):
    from costcalc.device.profiles import builtin_devices
    from costcalc.show.device import devices_file

    monkeypatch.chdir(ROOT)
    timings = ROOT / "tests" / "data" / "calibrate" / "timings.json"
    device = costcalc.calibrate_file(str(timings), builtin_devices()["t4"], "t4-fitted")
    assert device.name == "t4-fitted"
    assert devices_file({device.name: device}) == run(
        "devices", "calibrate", str(timings), "--device", "t4", "--name", "t4-fitted").out


def test_check_file_says_what_a_check_lacks_and_check_says_how_to_give_it(monkeypatch):
    """The analysis names what is missing; the command line's words (--max-macs) are the command's."""
    monkeypatch.chdir(ROOT)
    checked = costcalc.check_file("specs/googlenet_3a.yaml")
    assert (checked.error.wants, str(checked.error)) == ("budget", "specs/googlenet_3a.yaml: no budget to check")
    assert run("check", "specs/googlenet_3a.yaml").err == (
        "specs/googlenet_3a.yaml: no budget to check; add `budget: {macs: 600M, params: 5M}` to the spec, "
        "or give a limit such as --max-macs 600M\n")


def test_export_file_is_the_code_export_prints(monkeypatch):
    monkeypatch.chdir(ROOT)
    exported = costcalc.export_file(SPEC, "pytorch", "separable", (14, 14, 480))
    assert isinstance(exported, costcalc.Exported) and exported.netron is None
    assert exported.content == run("export", SPEC, "--to", "pytorch", "-d", "separable", "--input", "14,14,480",
                                   "-o", "-").out


def test_export_file_writes_the_model_and_its_netron_attachment_as_export_does(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    exported = costcalc.export_file(SPEC, "onnx", "bottleneck", figures=True,
                                    on_device=costcalc.DeviceSettings(batch=8),
                                    device_name="a100")
    result = run("export", SPEC, "--to", "onnx", "-d", "bottleneck", "--figures", "--batch", "8", "--device", "a100",
                 "-o", str(tmp_path / "m.onnx"))
    assert result.code == 0
    assert exported.content == (tmp_path / "m.onnx").read_bytes()
    assert exported.netron == (tmp_path / "m.netron.json").read_bytes()
    assert b'"name": "costcalc.latency_ns.a100"' in exported.netron


def test_convention_diff_file_is_the_two_analyses_report_sets_side_by_side(monkeypatch):
    from costcalc.show.render import convention_diff_json

    monkeypatch.chdir(ROOT)
    first, second = costcalc.convention_diff_file("specs/zoo/resnet50_torchvision.yaml", "fvcore", "ptflops")
    assert (first.convention, second.convention) == ("fvcore", "ptflops")
    assert first.designs[0].total.flops != second.designs[0].total.flops
    assert convention_diff_json(first, second) == run(
        "report", "specs/zoo/resnet50_torchvision.yaml", "--convention-diff", "fvcore", "ptflops", "--format",
        "json").out


def test_diff_files_is_the_diff_diff_prints(monkeypatch):
    from costcalc.show.diff_render import diff_json

    monkeypatch.chdir(ROOT)
    old, new = "specs/zoo/resnet50_keras.yaml", "specs/zoo/resnet50_torchvision.yaml"
    result = costcalc.diff_files(old, new, top=3, on_device=costcalc.DeviceSettings(batch=4), device_names=("t4",))
    assert isinstance(result, costcalc.Diff) and [c.device for c in result.designs[0].on_device][-1] == "t4"
    assert diff_json(result) == run("diff", old, new, "--top", "3", "--batch", "4", "--device", "t4",
                                    "--format", "json").out
    pair = costcalc.diff_files(SPEC, designs=("standard", "bottleneck"))
    assert diff_json(pair) == run("diff", SPEC, "-d", "standard", "-d", "bottleneck", "--format", "json").out


def test_asking_for_a_design_the_analysis_lacks_names_the_ones_it_has():
    analysis = costcalc.analyze(costcalc.load("specs/bottleneck_5x5.yaml"))
    for call in (lambda: analysis.design("nope"), lambda: costcalc.compare(analysis, "nope")):
        with pytest.raises(costcalc.CostcalcError) as error:
            call()
        assert str(error.value) == ("no design 'nope' in specs/bottleneck_5x5.yaml; "
                                    "designs: standard, bottleneck, separable")
