"""check as a CI gate over a pull request's specs: the device CI names is the one used, and a spec that is a
link out of the repository is not read."""

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import run

FAST = """\
input: [224, 224, 3]
layers:
  - conv: {filters: 64, kernel: 7, stride: 2}
budget: {latency: 1ms}
devices:
  jetson-nano: {tflops: {float32: 1000000}, bandwidth_gbs: 1000000, source: the pull request}
"""


def test_a_spec_cannot_redefine_the_device_check_names(spec_file):
    result = run("check", spec_file(FAST), "--device", "jetson-nano")
    assert (result.code, result.out) == (2, "")
    assert result.err == ("spec.yaml:6:3: device 'jetson-nano' is named by --device, so the spec may not define it; "
                          "check --device takes a built-in device or one from --devices FILE; "
                          "rename the spec's device, or remove it\n")


@pytest.mark.parametrize("fmt, said", [
    ("text", "\ndevice jetson-nano: built-in\n"),
    ("markdown", "\ndevice jetson-nano: built-in\n"),
    ("github", "\nspec.yaml: device jetson-nano: built-in\n"),
    ("junit", "<system-out>1 of 1 budgets exceeded; device jetson-nano: built-in</system-out>"),
])
def test_every_format_says_where_the_device_came_from(spec_file, fmt, said):
    path = spec_file(FAST.split("devices:")[0])
    result = run("check", path, "--device", "jetson-nano", "--format", fmt)
    assert result.code == 1  # 2,012,040 ns on the real one, over 1 ms
    assert said in result.out


def test_a_devices_file_is_named_as_the_origin(spec_file):
    devices = spec_file(json.dumps({"devices": {"mine": {"tflops": {"float32": 1}, "bandwidth_gbs": 10,
                                                          "source": "a test"}}}), "mine.json")
    result = run("check", spec_file(FAST.split("devices:")[0]), "--device", "mine", "--devices", devices,
                 "--format", "json")
    assert json.loads(result.out)["specs"][0]["devices"] == {"mine": "--devices mine.json"}


SECRET = "aws_secret_access_key: wJalrXUtnFEMI\ntoken: ghp_123\n"


@pytest.mark.parametrize("name, text, keys", [("secret.yaml", SECRET, 2), ("secret.json", '{"ghp_token": "x"}', 1)])
def test_a_file_that_is_no_spec_is_not_echoed(spec_file, name, text, keys):
    result = run("check", spec_file(text, name), "--max-macs", "1M", "--format", "markdown")
    assert result.code == 2
    assert result.err == (f"{name}:1:1: not a costcalc spec: none of its {keys} top-level keys is a spec's; "
                          "a spec needs input: and layers: (or designs:)\n")
    assert result.out == f"### costcalc: error\n\n```text\n{result.err}```\n"


def test_a_spec_with_a_misspelt_key_still_hears_which(spec_file):
    result = run("report", spec_file("inputs: [8, 8, 3]\nlayers: []\n"))
    assert result.err.startswith("spec.yaml:1:1: unknown top-level key 'inputs'; did you mean 'input'?")


def test_a_link_out_of_the_repository_is_refused(tmp_path, monkeypatch):
    outside, repo = tmp_path / "home", tmp_path / "repo"
    outside.mkdir(), repo.mkdir()
    (outside / "config.yaml").write_text(SECRET, encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    os.symlink(outside / "config.yaml", repo / "model.yaml")
    monkeypatch.chdir(repo)
    result = run("check", "model.yaml", "--max-macs", "1M")
    assert (result.code, result.out) == (2, "")
    assert result.err == ("model.yaml: a symbolic link to a file outside its repository; check reads specs inside "
                          "it; check the file itself, or copy it into the repository\n")


def test_a_link_inside_the_repository_is_read(spec_file):
    os.symlink(spec_file(FAST.split("devices:")[0].replace("latency: 1ms", "macs: 1G"), "real.yaml"), "model.yaml")
    assert run("check", "model.yaml").code == 0
    assert Path("model.yaml").is_symlink()


def test_a_folder_linked_out_of_the_working_directory_is_refused(tmp_path, monkeypatch):
    outside, here = tmp_path / "home", tmp_path / "work"
    outside.mkdir(), here.mkdir()
    (outside / "config.yaml").write_text(SECRET, encoding="utf-8")
    os.symlink(outside, here / "specs")
    monkeypatch.chdir(here)
    result = run("check", "specs/config.yaml", "--max-macs", "1M")
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith("specs/config.yaml: a symbolic link to a file outside its working directory;")
    assert run("check", str(outside / "config.yaml"), "--max-macs", "1M").err.startswith(
        f"{outside / 'config.yaml'}:1:1: not a costcalc spec")  # named by its own path: read, and not echoed
