"""Shared helpers: running the CLI in-process, spec files, and golden outputs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from costcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
SEQUENCES_AND_CLIPS = ("m5_audio.yaml", "video_resnets.yaml", "s3d.yaml", "swins_3d.yaml", "mvits.yaml")
"""Shipped specs on [length, C] or [time, height, width, C]: receptive fields, explain and export refuse them."""
ATTENTION_SPECS = ("vits.yaml", "swins.yaml", "swins_v2.yaml", "swins_3d.yaml", "maxvits.yaml", "mvits.yaml")
"""Shipped specs of attention kinds, which export refuses (tests/test_attention.py)."""
EXPORTABLE = [path for path in sorted(SPECS.rglob("*.yaml")) if path.name not in SEQUENCES_AND_CLIPS + ATTENTION_SPECS]
"""The shipped specs export writes in every target."""
GOLDEN = Path(__file__).resolve().parent / "golden"


def subcommands(command) -> dict:
    """A group's commands by name (costcalc's own are loaded as click asks for them), or {} for a command."""
    import click

    if not isinstance(command, click.Group):
        return {}
    ctx = click.Context(command)
    return {name: command.get_command(ctx, name) for name in command.list_commands(ctx)}


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/* from current output")


class Result:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err


def run(*args: str, columns: int | None = None) -> Result:
    """Run costcalc in-process with no terminal and no colour, as CI sees it: COLUMNS unset (full width) or
    `columns`."""
    env = {"NO_COLOR": "1", "COLUMNS": None if columns is None else str(columns)}
    result = CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)
    return Result(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def golden(request):
    """Compare text with tests/golden/NAME, or rewrite it under --update-golden."""

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if request.config.getoption("--update-golden"):
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"{path} missing: run pytest --update-golden and review the diff"
        assert text == path.read_text(encoding="utf-8")

    return check


@pytest.fixture
def spec_file(tmp_path, monkeypatch):
    """Write YAML text to spec.yaml in a fresh directory and return its relative name."""
    monkeypatch.chdir(tmp_path)

    def write(text: str, name: str = "spec.yaml") -> str:
        Path(name).write_text(text, encoding="utf-8")
        return name

    return write


# Hypothesis profiles for tests/test_properties.py: the default run tries about 1,500 specs;
# COSTCALC_HYPOTHESIS=long tries about 100,000 (docs/testing.md).
settings.register_profile("default", max_examples=100, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("long", settings.get_profile("default"), max_examples=8000)
settings.load_profile(os.environ.get("COSTCALC_HYPOTHESIS", "default"))


def assert_refused(spec_file, text: str, message: str) -> None:
    """The library raises `message` for the spec `text`, and `costcalc report` prints it alone, exit 2."""
    from costcalc import analyze, loads
    from costcalc.errors import CostcalcError

    with pytest.raises(CostcalcError) as caught:
        analyze(loads(text, "spec.yaml"))
    assert str(caught.value) == message
    result = run("report", spec_file(text))
    assert (result.code, result.out, result.err) == (2, "", message + "\n")
