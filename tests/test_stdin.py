"""Specs from standard input: `-` as the SPEC, `<stdin>` in positioned errors."""

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from costcalc.cli import main

BOTTLENECK = (ROOT / "specs" / "bottleneck_5x5.yaml").read_text(encoding="utf-8")


def run_with_stdin(text: str | bytes, *args: str):
    result = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "200"}).invoke(main, list(args), input=text)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", [["report"], ["compare"], ["explain"], ["check", "--format", "json"]])
def test_stdin_gives_what_the_file_gives(command, monkeypatch):
    monkeypatch.chdir(ROOT)
    from_file = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "200"}).invoke(main, [*command, "specs/bottleneck_5x5.yaml"])
    code, out, err = run_with_stdin(BOTTLENECK, *command, "-")
    assert (code, err) == (from_file.exit_code, "")
    assert out == from_file.stdout.replace("specs/bottleneck_5x5.yaml", "<stdin>")


def test_errors_name_stdin_with_line_and_column():
    code, out, err = run_with_stdin("input: [28, 28, 192]\nlayers:\n  - conv: {filter: 32, kernel: 5}\n", "report", "-")
    assert (code, out) == (2, "")
    assert err == "<stdin>:3:12: unknown option 'filter' for conv; did you mean 'filters'?\n"


def test_stdin_is_checked_like_a_file():
    assert run_with_stdin(b"\xff\xfe", "report", "-")[2] == "<stdin>: not UTF-8 text (byte 0 is 0xff)\n"
    assert run_with_stdin(b"a\0b", "report", "-")[2] == "<stdin>: is a binary file, not a YAML spec\n"


def test_diff_reads_old_from_stdin(tmp_path: Path):
    new = tmp_path / "new.yaml"
    new.write_text(BOTTLENECK.replace("filters: 16", "filters: 24"), encoding="utf-8")
    code, out, _ = run_with_stdin(BOTTLENECK, "diff", "-", str(new), "--format", "csv")
    assert code == 0
    assert "bottleneck,,total,macs,12443648,18665472,50.0\n" in out
