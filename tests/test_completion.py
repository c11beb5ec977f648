"""Shell completion through click's completion API: commands, options, spec files, designs and layer paths."""

import pytest
from click.shell_completion import ShellComplete
from conftest import ROOT

from costcalc.cli import main


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def complete(*words: str) -> list[tuple[str, str]]:
    """(value, type) of what Tab offers after `costcalc WORDS...`; the last word is the one being typed."""
    *args, incomplete = words
    items = ShellComplete(main, {}, "costcalc", "_COSTCALC_COMPLETE").get_completions(list(args), incomplete)
    return [(item.value, item.type) for item in items]


def test_commands():
    assert [value for value, _ in complete("c")] == ["check", "compare", "conventions"]


def test_options():
    assert ("--design", "plain") in complete("report", "specs/bottleneck_5x5.yaml", "--de")
    assert [value for value, _ in complete("check", "x.yaml", "--max-g")] == ["--max-growth"]


def test_spec_files_complete_as_files():
    assert complete("report", "specs/b") == [("specs/b", "file")]


@pytest.mark.parametrize("command", ["report", "compare", "check", "explain", "diff"])
def test_design_names_come_from_the_spec(command):
    option = "--baseline" if command == "compare" else "--design"
    assert complete(command, "specs/bottleneck_5x5.yaml", option, "") == [
        ("standard", "plain"), ("bottleneck", "plain"), ("separable", "plain")]
    assert complete(command, "specs/bottleneck_5x5.yaml", option, "s") == [("standard", "plain"),
                                                                           ("separable", "plain")]


def test_layer_paths_of_the_designs_asked_for():
    assert complete("explain", "specs/googlenet_3a.yaml", "--design", "reduced", "--layer", "3a/5") == [
        ("3a/5x5", "plain"), ("3a/5x5/conv1", "plain"), ("3a/5x5/conv2", "plain")]


def test_a_spec_that_cannot_be_read_completes_nothing():
    assert complete("report", "no/such.yaml", "--design", "") == []
    assert complete("explain", "tests/golden/check_text.txt", "--layer", "") == []


def test_shipped_specs_complete_after_examples(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert complete("compare", "examples/zoo/res") == [("examples/zoo/resnet50_keras", "plain"),
                                                         ("examples/zoo/resnet50_torchvision", "plain")]
    assert complete("check", "examples/bottleneck_5x5.yaml", "examples/goo") == [("examples/googlenet_3a", "plain")]
    assert complete("examples", "zoo/vgg") == [("zoo/vgg16", "plain")]
    (tmp_path / "examples").mkdir()  # a folder of one's own wins: the shell completes its files
    assert complete("report", "examples/b") == [("examples/b", "file")]


def test_device_names_built_in_and_from_the_spec(tmp_path):
    assert [value for value, _ in complete("report", "specs/bottleneck_5x5.yaml", "--device", "jetson")] == [
        "jetson-agx-orin", "jetson-orin-nano", "jetson-nano"]
    spec = tmp_path / "spec.yaml"
    spec.write_text((ROOT / "specs" / "bottleneck_5x5.yaml").read_text(encoding="utf-8") + """devices:
  my-board: {tflops: {float32: 0.5}, bandwidth_gbs: 12.8, source: "vendor manual v2, table 3"}
""", encoding="utf-8")
    assert ("my-board", "plain") in complete("compare", str(spec), "--device", "my")


@pytest.mark.parametrize("command, option", [("report", "--set"), ("sweep", "--vary"), ("check", "--set")])
def test_parameter_names_come_from_the_spec(command, option):
    assert complete(command, "specs/zoo/mobilenet_keras.yaml", option, "") == [("alpha=", "plain"),
                                                                              ("resolution=", "plain")]
    assert complete(command, "specs/zoo/mobilenet_keras.yaml", option, "r") == [("resolution=", "plain")]
    assert complete(command, "specs/bottleneck_5x5.yaml", option, "") == []
