"""The fuzz harness's reach into growth gates (tests/fuzzing_baselines.py), a bounded run: `check --against`
hostile baselines (a spec, a forged json report, git:REV in a new repository) and the Action's steps over a
pull request's hostile files. No traceback, one clean line with exit 2, or a correct verdict."""

import pytest
from fuzzing_baselines import ActionCase, GateCase, action_cases, gate_cases, run_action_case, run_gate_case
from hypothesis import HealthCheck, given, seed, settings
from test_action import ORIGINAL, run_action

RELAXED = settings(deadline=None, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                          HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture])
BASE = "input: [8, 8, 3]\ndesigns:\n  main:\n    - conv: {filters: 4, kernel: 3}\n"


@pytest.mark.slow
@seed(20261204)
@settings(RELAXED, max_examples=150)
@given(case=gate_cases())
def test_fuzzed_baselines_keep_the_gate_s_contract(case, tmp_path_factory):
    outcome = run_gate_case(case, tmp_path_factory.mktemp("gate"))
    assert outcome.problems == [], (case.kind, case.args, case.baseline[:1000], case.text[:1000], outcome.err[:500])


@pytest.mark.slow
@seed(20261204)
@settings(RELAXED, max_examples=6)
@given(case=action_cases())
def test_fuzzed_pull_requests_never_pass_the_action(case, tmp_path_factory):
    assert run_action_case(case, tmp_path_factory.mktemp("action"), run_action, ORIGINAL).problems == [], case


@pytest.mark.parametrize("kind, baseline, code", [
    ("spec", BASE.replace("filters: 4", "filters: 8"), 0),  # a baseline twice as big: the growth holds
    ("spec", BASE.replace("filters: 4", "filters: 2"), 1),
    ("json", '{"convention": "costcalc", "bytes_per_element": 4, "designs": [{"name": "main", "totals": '
             '{"macs": "x", "params": 1}}]}', 2),
])
def test_the_oracle_accepts_correct_verdicts(kind, baseline, code, tmp_path):
    case = GateCase(BASE, kind, baseline, ["--against", f"base.{'json' if kind == 'json' else 'yaml'}",
                                           "--max-growth", "macs=0"])
    outcome = run_gate_case(case, tmp_path)
    assert (outcome.code, outcome.problems) == (code, [])


def test_the_oracle_finds_a_pass_over_a_baseline(tmp_path, monkeypatch):
    """A gate that passes everything is caught: a pass over budget, and a pass without a baseline."""
    import costcalc.analyses.checks as checks
    import costcalc.tasks.check as task

    monkeypatch.setattr(task, "evaluate", lambda spec, *args, **kwargs: checks.FileCheck(spec.file))
    smaller = GateCase(BASE, "spec", BASE.replace("filters: 4", "filters: 2"),
                       ["--against", "base.yaml", "--max-growth", "macs=0"])
    assert run_gate_case(smaller, tmp_path).problems == ["pass over budget: main macs 6912 over its baseline 3456"]
    renamed = GateCase(BASE, "git", BASE.replace("main:", "old:"),
                       ["--against", "git:HEAD", "--max-growth", "macs=0", "--require-baseline"])
    assert run_gate_case(renamed, tmp_path).problems == ["pass without a baseline: main"]


def test_the_action_s_oracle_finds_a_pass(tmp_path):
    """An Action whose check step always succeeds is caught."""
    def passing(repo, inputs):
        return 0, "models/net.yaml: the budget holds\n", ""

    outcome = run_action_case(ActionCase({}, {"specs": "models/*.yaml"}), tmp_path, passing, ORIGINAL)
    assert outcome.problems == ["the Action ended 0 with a spec over its budget"]
