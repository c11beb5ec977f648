"""The fuzz harness in CI: a bounded, reproducible run (tools/fuzz.py runs the long campaign).

Each case is a spec generated valid, broken on purpose, and run through a command line in every
format (tests/fuzzing.py); costcalc must answer with no traceback, no hang, no blow-up, errors on
one positioned line, and outputs that cannot be turned against their reader.
"""

from fuzzing import SECONDS, Case, cases, run_case
from hypothesis import HealthCheck, given, seed, settings

from conftest import run

EXAMPLES = 400


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
    @settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=cases())
    def collect(case):
        seen.add(case.args[0] if case.args[0] != "devices" else "calibrate")
        seen.update(flag for flag in ("--devices", "--against", "--vary") if flag in case.args)
        seen.update(["git:"] if any(a.startswith("git:") for a in case.args) else [])
        seen.update(["devices:"] if "\ndevices:" in case.text else [])

    collect()
    assert seen == {"report", "compare", "diff", "check", "explain", "draw", "sweep", "calibrate", "--devices",
                    "--against", "--vary", "git:", "devices:"}
