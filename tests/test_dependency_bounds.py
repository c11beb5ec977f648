"""The oldest releases that pyproject.toml's bounds admit still pass the tests most exposed to them.

pip installs the newest release of every dependency, so the rest of the suite runs on those; here
a fresh venv gets the lower bound of PyYAML, click and Rich (and of numpy, where it ships a wheel
for this Python: 1.24 stops at 3.11), and runs the tests of parsing, errors, tables and widths.
"""

import re
import subprocess
import sys
import venv

import pytest
import tomllib
from conftest import ROOT

TESTS = [f"tests/test_{name}.py" for name in ("hostile", "errors", "width", "cli", "sweep", "stdin")]


def lower_bounds() -> dict[str, str]:
    """Each runtime dependency's `>=` bound, from pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return dict(re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", dep).groups() for dep in project["dependencies"])


def release(version: str) -> tuple[int, ...]:
    """`8.2` and `8.2.0` are one release."""
    parts = [int(part) for part in version.split(".")]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def oldest_pins() -> list[str]:
    bounds = lower_bounds()
    if sys.version_info >= (3, 12):
        bounds.pop("numpy")
    return [f"{name}=={version}" for name, version in bounds.items()]


def test_every_dependency_has_a_lower_bound():
    assert set(lower_bounds()) == {"click", "numpy", "pyyaml", "rich"}


@pytest.mark.slow
def test_the_oldest_releases_the_bounds_admit(tmp_path):
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = str(env / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", "-e", f"{ROOT}[test]", *oldest_pins()],
                   check=True, capture_output=True)
    versions = subprocess.run([python, "-c", "import click, rich, yaml; from importlib.metadata import version;"
                               "print(version('click'), version('rich'), yaml.__version__)"],
                              check=True, capture_output=True, text=True).stdout.split()
    bounds = lower_bounds()
    assert list(map(release, versions)) == [release(bounds[name]) for name in ("click", "rich", "pyyaml")]
    done = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:]
