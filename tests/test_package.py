"""The release as a user gets it: sdist and wheel built, the wheel installed in a fresh venv, every command run.

This is where a file missing from the package (package data, py.typed) shows up: the wheel is
built from the sdist, as `python -m build` does, and used from outside the checkout.
"""

import os
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, subcommands

import costcalc

pytestmark = pytest.mark.slow  # builds and installs the wheel (docs/testing.md)
SPEC = ROOT / "specs" / "bottleneck_5x5.yaml"


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    source = tmp_path_factory.mktemp("source") / "costcalc"
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in tracked:  # a clean copy: what git tracks (links as links), without .venv or build leftovers
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_symlink():
            (source / name).symlink_to(os.readlink(ROOT / name))
        elif (ROOT / name).is_file():
            shutil.copy2(ROOT / name, source / name)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # its notice is not ours
    done = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(source)], check=True,
                          capture_output=True, text=True, env=env)
    (out / "build.log").write_text(done.stdout + done.stderr)
    return out


@pytest.fixture(scope="module")
def installed(dist, tmp_path_factory) -> Path:
    """The bin folder of a fresh venv with the wheel installed."""
    env = tmp_path_factory.mktemp("venv")
    venv.create(env, with_pip=True)
    wheel = next(dist.glob("*.whl"))
    subprocess.run([str(env / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], check=True,
                   capture_output=True)
    return env / "bin"


def test_one_version_everywhere(dist):
    wheel, = dist.glob("*.whl")
    sdist, = dist.glob("*.tar.gz")
    assert wheel.name == f"costcalc-{costcalc.__version__}-py3-none-any.whl"
    assert sdist.name == f"costcalc-{costcalc.__version__}.tar.gz"


def test_the_wheel_holds_every_module_and_py_typed(dist):
    names = set(zipfile.ZipFile(next(dist.glob("*.whl"))).namelist())
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / "costcalc").rglob("*.py")}
    assert modules <= names
    assert {"costcalc/py.typed", "costcalc/schemas/spec.schema.json"} <= names


CALIBRATE = ROOT / "tests" / "data" / "calibrate" / "timings.json"
KERAS_JSON = ROOT / "tests" / "data" / "imports" / "MobileNetV3Small.json"
COMMANDS = [
    ["--version"],
    ["report", "spec.yaml"],
    ["report", "spec.yaml", "--format", "json"],
    ["compare", "spec.yaml", "--format", "csv"],
    ["check", "spec.yaml", "--design", "bottleneck"],
    ["check", "spec.yaml", "--design", "bottleneck", "--against", "spec.yaml", "--max-growth", "macs=0"],
    ["explain", "spec.yaml", "--design", "bottleneck"],
    ["diff", "spec.yaml", "--design", "standard", "--design", "bottleneck"],
    ["conventions"],
    ["schema"],
    ["draw", "spec.yaml", "-o", "-"],
    ["report", "spec.yaml", "--format", "html"],
    ["sweep", "examples/zoo/mobilenet_keras", "--vary", "alpha=0.5,1.0", "--device", "a100"],  # numpy, and devices.json
    ["devices"],
    ["devices", "--format", "json"],
    ["devices", "measure", "--seconds", "0.1"],
    ["devices", "calibrate", "timings.json", "--device", "t4"],
    ["export", "spec.yaml", "--to", "pytorch", "-o", "-"],
    ["import", "keras.json", "--input", "224,224,3"],
    ["examples"],
]
WITHOUT_EXTRAS = {("measure", "spec.yaml"): "costcalc measure --runtime onnxruntime needs onnxruntime, which is not "
                                             "installed: pip install 'costcalc[runtime]'\n"}
"""Commands that need an extra the plain wheel lacks, and the one line each says instead."""


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_runs_from_the_installed_wheel(installed, tmp_path, command):
    shutil.copy(SPEC, tmp_path / "spec.yaml")
    shutil.copy(CALIBRATE, tmp_path / "timings.json")
    shutil.copy(KERAS_JSON, tmp_path / "keras.json")
    done = subprocess.run([str(installed / "costcalc"), *command], cwd=tmp_path, capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout


@pytest.mark.parametrize("command", WITHOUT_EXTRAS)
def test_a_command_whose_extra_is_missing_says_what_to_install(installed, tmp_path, command):
    shutil.copy(SPEC, tmp_path / "spec.yaml")
    done = subprocess.run([str(installed / "costcalc"), *command], cwd=tmp_path, capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (2, WITHOUT_EXTRAS[command])


def test_the_wheel_runs_every_command_and_subcommand():
    """COMMANDS above holds each command of the CLI (and each of a group's subcommands) at least once."""
    from costcalc.cli import main

    def names(group, prefix=()):
        for name, command in subcommands(group).items():
            yield (*prefix, name)
            yield from names(command, (*prefix, name))

    commands = [*COMMANDS, *map(list, WITHOUT_EXTRAS)]
    run = {tuple(command[:2]) for command in commands} | {tuple(command[:1]) for command in commands}
    assert sorted(set(names(main)) - run) == []


def test_the_build_gives_no_warning(dist):
    log = (dist / "build.log").read_text()
    assert "Successfully built" in log
    assert [line for line in log.splitlines() if "warning" in line.lower()] == []


def test_an_spdx_license_and_its_file_in_the_wheel_and_the_sdist(dist):
    wheel = zipfile.ZipFile(next(dist.glob("*.whl")))
    metadata = wheel.read(f"costcalc-{costcalc.__version__}.dist-info/METADATA").decode()
    assert "License-Expression: MIT\n" in metadata
    assert f"costcalc-{costcalc.__version__}.dist-info/licenses/LICENSE" in wheel.namelist()
    with tarfile.open(next(dist.glob("*.tar.gz"))) as sdist:
        assert f"costcalc-{costcalc.__version__}/LICENSE" in sdist.getnames()


def test_the_wheel_ships_every_spec_under_specs_once(dist):
    names = zipfile.ZipFile(next(dist.glob("*.whl"))).namelist()
    shipped = sorted(name for name in names if name.endswith(".yaml"))
    assert shipped == sorted(f"costcalc/examples/{p.relative_to(ROOT / 'specs')}"
                             for p in (ROOT / "specs").rglob("*.yaml"))


def test_a_shipped_example_runs_by_name_from_anywhere(installed, tmp_path):
    listed = subprocess.run([str(installed / "costcalc"), "examples"], cwd=tmp_path, capture_output=True, text=True)
    assert "examples/zoo/resnet50_keras" in listed.stdout.split() and "ResNet50 (Keras)" in listed.stdout
    piped = {key: value for key, value in os.environ.items() if key != "COLUMNS"}  # full width, as a script sees it
    done = subprocess.run([str(installed / "costcalc"), "compare", "examples/bottleneck_5x5"], cwd=tmp_path,
                          capture_output=True, text=True, env=piped)
    assert (done.returncode, done.stderr) == (0, "")
    assert "│ bottleneck          │ 28×28×32 │   15.9K │     0.104× │  12.4M │" in done.stdout


def test_the_readme_words_work_in_a_new_shell(installed, tmp_path):
    """README: activate the environment, then costcalc runs a shipped example from any directory."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "source .venv/bin/activate" in readme and "cd /tmp && costcalc compare examples/bottleneck_5x5" in readme
    script = f"source {installed}/activate && cd {tmp_path} && costcalc compare examples/bottleneck_5x5"
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("5x5 conv on 28x28x192, with and without a 1x1 bottleneck: designs on 28×28×192\n")


def test_the_wheel_holds_the_devices_file(dist):
    assert "costcalc/device/devices.json" in set(zipfile.ZipFile(next(dist.glob("*.whl"))).namelist())
