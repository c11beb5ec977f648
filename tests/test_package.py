"""The release as a user gets it: sdist and wheel built, the wheel installed in a fresh venv, every command run.

This is where a file missing from the package (package data, py.typed) shows up: the wheel is
built from the sdist, as `python -m build` does, and used from outside the checkout.
"""

import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

import costcalc

SPEC = ROOT / "specs" / "bottleneck_5x5.yaml"


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    source = tmp_path_factory.mktemp("source") / "costcalc"
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in tracked:  # a clean copy: what git tracks, without .venv or build leftovers
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(source)], check=True,
                   capture_output=True)
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


@pytest.mark.parametrize("command", [
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
])
def test_every_command_runs_from_the_installed_wheel(installed, tmp_path, command):
    shutil.copy(SPEC, tmp_path / "spec.yaml")
    done = subprocess.run([str(installed / "costcalc"), *command], cwd=tmp_path, capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout
