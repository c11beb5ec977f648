"""The commands' library entry points give what the commands print, without the command line."""

import json

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
