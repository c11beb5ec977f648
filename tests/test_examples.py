"""The example specs and the zoo, shipped in the package and read by name (examples/NAME) from anywhere."""

import pytest
from conftest import SPECS, run

SHIPPED = sorted(str(p.relative_to(SPECS).with_suffix("")) for p in SPECS.rglob("*.yaml"))


def test_every_spec_under_specs_is_an_example_by_name_with_what_it_holds():
    listed = run("examples").out.splitlines()
    assert [line.split()[0] for line in listed] == [f"examples/{name}" for name in SHIPPED]
    assert "bottleneck_5x5" in SHIPPED and "zoo/resnet50_keras" in SHIPPED
    assert listed[0] == f"{'examples/bottleneck_5x5':52}5x5 conv on 28x28x192, with and without a 1x1 bottleneck"
    assert f"{'examples/zoo/efficientnet_keras':52}EfficientNet (Keras, width 1, depth 1, 224×224)" in listed
    assert max(map(len, listed)) == 120


def test_the_list_of_examples_fits_the_console():
    """Beside the names where there is room; under each name where there is not (at 80 columns)."""
    assert run("examples", columns=120).out == run("examples").out
    narrow = run("examples", columns=80).out.splitlines()
    assert narrow[:4] == ["examples/bottleneck_5x5", "    5x5 conv on 28x28x192, with and without a 1x1 bottleneck",
                          "examples/googlenet_3a", "    GoogLeNet inception (3a), with and without 1x1 reductions"]
    assert len(narrow) == 2 * len(SHIPPED) and max(map(len, narrow)) <= 80
    assert run("examples", columns=60).out.splitlines()[:5] == [
        "examples/bottleneck_5x5", "    5x5 conv on 28x28x192, with and without a 1x1 bottleneck",
        "examples/googlenet_3a", "    GoogLeNet inception (3a), with and without 1x1", "    reductions"]


@pytest.mark.parametrize("name", ["examples/bottleneck_5x5", "examples/bottleneck_5x5.yaml"])
def test_a_shipped_spec_is_read_by_name_outside_the_checkout(name, tmp_path, monkeypatch):
    expected = run("compare", str(SPECS / "bottleneck_5x5.yaml")).out
    monkeypatch.chdir(tmp_path)
    result = run("compare", name)
    assert (result.code, result.err) == (0, "")
    assert result.out == expected
    vgg = run("report", "examples/zoo/vgg16", "--design", "keras").out
    assert "Total params: 138,357,544\n" in vgg and "MACs: 15,470,264,320 (15.5G)\n" in vgg


def test_a_file_at_that_path_wins(spec_file, tmp_path):
    (tmp_path / "examples").mkdir()
    spec_file("input: [4, 4, 3]\nlayers: [conv: {filters: 2, kernel: 1}]\n", "examples/bottleneck_5x5")
    assert "Total params: 8\n" in run("report", "examples/bottleneck_5x5").out


def test_examples_name_prints_the_spec_to_copy():
    assert run("examples", "zoo/vgg16").out == (SPECS / "zoo" / "vgg16.yaml").read_text(encoding="utf-8")
    assert run("examples", "examples/bottleneck_5x5.yaml").out == (SPECS / "bottleneck_5x5.yaml").read_text()


def test_an_unknown_example_exit_2_with_a_suggestion():
    result = run("examples", "bottlenek_5x5")
    assert (result.code, result.out) == (2, "")
    assert result.err == "no example named 'bottlenek_5x5'; did you mean 'bottleneck_5x5'?\n"


@pytest.mark.parametrize("name", ["examples/../pyproject", "examples/zoo/../../README", "examples/"])
def test_only_shipped_specs_are_reachable(name, spec_file):
    result = run("report", name)
    assert (result.code, result.out) == (2, "")
    assert result.err == f"{name}: cannot read: No such file or directory\n"


@pytest.mark.parametrize("path, meant", [
    ("examples/bottlenek_5x5", "examples/bottleneck_5x5"),
    ("examples/zoo/resnet50_kera.yaml", "examples/zoo/resnet50_keras"),
    ("specs/bottleneck_5x5.yaml", "examples/bottleneck_5x5"),  # a checkout's path, where there is none
    ("specs/zoo/mobilenet_v2_keras.yaml", "examples/zoo/mobilenet_v2_keras"),
])
def test_a_spec_path_that_is_not_there_suggests_the_shipped_spec(path, meant, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in (["report", path], ["sweep", path, "--vary", "alpha=1"], ["check", path, "--max-macs", "1"]):
        result = run(*args)
        assert (result.code, result.out) == (2, "")
        assert result.err == f"{path}: cannot read: No such file or directory; did you mean '{meant}'?\n"
