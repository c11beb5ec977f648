"""Every command that takes --device says, in every format, where each device's figures come from:
built-in, a --devices file, or the spec's own devices: (issue 28, item 3)."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import run

SPEC = """\
params: {f: 16}
input: [28, 28, 192]
devices:
  mine: {tflops: {float32: 1}, bandwidth_gbs: 10, source: a guess}
designs:
  a:
    - conv: {filters: $f, kernel: 1}
  b:
    - conv: {filters: 32, kernel: 1}
"""
MORE = '{"devices": {"other": {"tflops": {"float32": 2}, "bandwidth_gbs": 20, "source": "x"}}}'
DEVICES = ("--device", "mine", "--device", "a100", "--device", "other", "--devices", "more.json")
NOTES = ["device mine: spec m.yaml", "device a100: built-in", "device other: --devices more.json"]
ORIGINS = {"mine": "spec m.yaml", "a100": "built-in", "other": "--devices more.json"}


@pytest.fixture(autouse=True)
def files(spec_file):
    spec_file(SPEC, "m.yaml")
    Path("more.json").write_text(MORE, encoding="utf-8")


def test_report_says_where_its_device_comes_from_in_every_format():
    args = ("report", "m.yaml", "-d", "a", "--device", "other", "--devices", "more.json")
    text, markdown, html, data = (run(*args, "--format", fmt).out for fmt in ("text", "markdown", "html", "json"))
    assert text.splitlines()[7] == "device other: --devices more.json"  # under the table, before the next
    assert "|\n\ndevice other: --devices more.json\n\n### a: FLOPs by operation kind" in markdown
    assert '<p class="note">device other: --devices more.json</p>' in html
    assert json.loads(data)["devices"] == {"other": "--devices more.json"}
    assert json.loads(run("report", "m.yaml", "--format", "json").out)["devices"] == {}


def test_compare_says_where_each_device_comes_from():
    text = run("compare", "m.yaml", *DEVICES).out
    assert text.splitlines()[-3:] == NOTES
    assert run("compare", "m.yaml", *DEVICES, "--format", "markdown").out.endswith(
        "  \n".join(NOTES) + "\n")
    assert json.loads(run("compare", "m.yaml", *DEVICES, "--format", "json").out)["devices"] == ORIGINS


def test_diff_says_where_each_device_comes_from():
    text = run("diff", "m.yaml", "-d", "a", "-d", "b", *DEVICES).out.split("\n\n")[0]
    assert text.splitlines()[-3:] == NOTES
    data = json.loads(run("diff", "m.yaml", "-d", "a", "-d", "b", *DEVICES, "--format", "json").out)
    assert data["devices"] == ORIGINS
    assert json.loads(run("diff", "m.yaml", "-d", "a", "-d", "b", "--format", "json").out)["devices"] == {}


def test_explain_says_where_its_device_comes_from():
    args = ("explain", "m.yaml", "-d", "a", "--device", "mine")
    assert run(*args).out.endswith("\n\ndevice mine: spec m.yaml\n")
    assert run(*args, "--format", "markdown").out.endswith("\n\ndevice mine: spec m.yaml\n")


def test_draw_says_where_its_device_comes_from_under_the_fill():
    svg = run("draw", "m.yaml", "-d", "a", "--device", "a100", "-o", "-").out
    legend = [t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "legend"]
    assert legend == ["fill: share of the estimated latency on a100 at batch 1, 5.5 µs (float32); "
                      "device a100: built-in"]
    assert run("draw", "m.yaml", "-d", "a", "--device", "mine", "-o", "a.html").code == 0
    assert "(float32); device mine: spec m.yaml</text>" in Path("a.html").read_text(encoding="utf-8")


def test_sweep_says_where_each_device_comes_from():
    args = ("sweep", "m.yaml", "--vary", "f=8,16", "-d", "a", *DEVICES)
    assert run(*args).out.splitlines()[-3:] == NOTES
    assert json.loads(run(*args, "--format", "json").out)["devices"] == ORIGINS
    plot = run("sweep", "m.yaml", "--vary", "f=8,16", "-d", "a", "--device", "mine", "--plot", "latency").out
    assert plot.splitlines()[-1] == "device mine: spec m.yaml"
    assert json.loads(run("sweep", "m.yaml", "--vary", "f=8,16", "--format", "json").out)["devices"] == {}


def test_check_says_a_device_of_a_devices_file_comes_from_it():
    result = run("check", "m.yaml", "-d", "a", "--device", "other", "--devices", "more.json", "--max-latency", "1s")
    assert (result.code, result.out.splitlines()[-1]) == (0, "device other: --devices more.json")
