"""The fuzz harness in CI: a bounded, reproducible run (tools/fuzz.py runs the long campaign).

Each case is a spec generated valid, broken on purpose, and run through a command line in every
format (tests/fuzzing.py); costcalc must answer with no traceback, no hang, no blow-up, errors on
one positioned line, and outputs that cannot be turned against their reader.
"""

import pytest
from conftest import run
from fuzzing import SECONDS, Case, cases, output_format, output_problems, run_case
from hypothesis import HealthCheck, given, seed, settings

EXAMPLES = 400


@pytest.mark.slow
@seed(20261123)
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(case=cases())
def test_fuzzed_cases_keep_the_contract(case, tmp_path_factory):
    outcome = run_case(case, tmp_path_factory.mktemp("fuzz"))
    assert outcome.problems == [], (case.args, case.text[:2000], outcome.err[:500])


def test_the_guard_catches_a_traceback_and_a_hang(tmp_path, monkeypatch):
    """The harness itself: a crash and a hang planted in costcalc are reported, not missed."""
    import costcalc.spec.reader as reader

    case = Case("input: [8, 8, 3]\nlayers: [relu]\n", "", ["report", "spec.yaml"])
    monkeypatch.setattr(reader, "loads", lambda *args: 1 // 0)
    assert run_case(case, tmp_path).problems == ["traceback: ZeroDivisionError: integer division or modulo by zero"]

    def spin(*args):
        while True:
            pass

    monkeypatch.setattr(reader, "loads", spin)
    assert run_case(case, tmp_path, seconds=0.2).problems == [f"hang: over {SECONDS} s of CPU"]


def test_the_guard_reads_outputs(tmp_path):
    """A clean run has no problems; the harness reads the output it checks."""
    outcome = run_case(Case("input: [8, 8, 3]\nlayers: [relu]\n", "", ["report", "spec.yaml", "--format", "csv"]),
                       tmp_path)
    assert (outcome.code, outcome.problems) == (0, [])
    assert outcome.out == run("report", str(tmp_path / "spec.yaml"), "--format", "csv").out


def test_the_cases_reach_every_surface():
    """The cases drive sweep, devices calibrate, devices files, --against (files and git:) and a spec's own
    devices, besides every command and format."""
    seen = set()

    @seed(28)
    @settings(max_examples=2000, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=cases())
    def collect(case):
        seen.add(case.args[0] if case.args[0] != "devices" else "calibrate")
        seen.update(flag for flag in ("--devices", "--against", "--vary") if flag in case.args)
        seen.update(["git:"] if any(a.startswith("git:") for a in case.args) else [])
        seen.update(["devices:"] if "\ndevices:" in case.text else [])

    collect()
    assert seen == {"report", "compare", "diff", "check", "explain", "draw", "sweep", "calibrate", "--devices",
                    "--against", "--vary", "git:", "devices:"}


@pytest.mark.parametrize("fmt, out, problem", [
    ("plot", "title \x1b]52;c;x\x07\n", "raw control character '\\x1b'"),
    ("svg", "<svg><text>a & b</text></svg>\n", "not XML: not well-formed (invalid token): line 1, column 14"),
    ("html", "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head></html>\n",
     "not XML: mismatched tag: line 2, column 36"),
    ("junit", "<?xml version='1.0'?>\n<testsuites name=\"\u202e\"/>\n", "raw control character '\\u202e'"),
    ("csv", "design\n\"a\rb\"\n", "raw control character '\\r'"),
    ("json", '{"name": "\x9b2J"}\n', "raw control character '\\x9b'"),
    ("plot", "title \x1b[2J\n", "raw control character '\\x1b'"),
    ("markdown", '### <img src="https://e.vil/x.png">\n', "markdown renders <img>"),
    ("markdown", "| a |\n|---|\n| [all budgets hold](https://e.vil) |\n", "markdown renders <a>"),
    ("github", "::stop-commands::x.yaml: the budget holds\n",
     "github line: '::stop-commands::x.yaml: the budget holds'"),
    ("github", "##[add-mask]x.yaml: the budget holds\n", "github line: '##[add-mask]x.yaml: the budget holds'"),
])
def test_the_guard_finds_outputs_that_act_on_their_reader(fmt, out, problem):
    assert output_problems(fmt, out) == [problem]


def test_the_guard_knows_each_command_lines_format():
    assert [output_format(args) for args in (["report", "s.yaml", "--format", "html"], ["draw", "s.yaml", "-o", "-"],
                                             ["sweep", "s.yaml", "--vary", "w=1,2", "--plot", "macs"],
                                             ["devices", "calibrate", "t.json"])] == ["html", "svg", "plot", "text"]
