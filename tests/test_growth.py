"""`costcalc check --against`: growth gates over a baseline spec, a json report or a git revision."""

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import ROOT, run

ORIGINAL = "specs/bottleneck_5x5.yaml"
WIDER = "tests/data/bottleneck_wider.yaml"  # the bottleneck widened from 16 to 24 channels, and more


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def verdicts(result) -> dict:
    checks = json.loads(result.out)["specs"][0]
    return {(c["design"], c["metric"]): (c["value"], c["limit"], c["over"], c["growth"]) for c in checks["checks"]}


def test_a_wider_bottleneck_fails_a_ten_percent_gate_and_names_the_design_and_growth():
    result = run("check", WIDER, "--against", ORIGINAL, "--max-growth", "macs=10%")
    assert result.code == 1
    assert "│ bottleneck │ macs growth │ 18,665,472 │  13,688,012 │ +50.0% │ over   │ --max-growth macs=10% │" in result.out
    assert result.out.endswith("1 of 2 budgets exceeded\ngrowth not checked (not in the baseline): grouped\n")


def test_growth_verdicts_are_exact_and_shrinking_holds():
    result = run("check", WIDER, "--against", ORIGINAL, "--max-growth", "macs=10%", "--max-growth", "params=0",
                 "--format", "json")
    assert verdicts(result) == {
        # standard went from a 5x5 to a 3x3: it shrank, so it holds whatever the limit
        ("standard", "macs"): (43_352_064, 132_464_640, False, {"baseline": 120_422_400, "allowed": "+10%"}),
        ("standard", "params"): (55_328, 153_632, False, {"baseline": 153_632, "allowed": "+0"}),
        # 12,443,648 + floor(10% of it) = 13,688,012
        ("bottleneck", "macs"): (18_665_472, 13_688_012, True, {"baseline": 12_443_648, "allowed": "+10%"}),
        ("bottleneck", "params"): (23_864, 15_920, True, {"baseline": 15_920, "allowed": "+0"}),
    }
    assert json.loads(result.out)["specs"][0]["no_baseline"] == ["grouped"]


def test_the_github_annotation_names_the_offending_metric():
    result = run("check", WIDER, "--against", ORIGINAL, "--max-growth", "macs=10%", "--format", "github")
    assert result.out.splitlines() == [
        f"::error file={WIDER},title=costcalc over budget::bottleneck: macs grew 50.0%25 from 12,443,648 to "
        "18,665,472, over its limit of +10%25 (13,688,012), given by --max-growth macs=10%25",
        f"{WIDER}: 1 of 2 budgets exceeded",
    ]


def test_junit_has_a_growth_testcase():
    result = run("check", WIDER, "--against", ORIGINAL, "--max-growth", "macs=10%", "--format", "junit")
    cases = ET.fromstring(result.out).findall(".//testcase")
    assert [(c.get("classname"), c.get("name"), c.find("failure") is not None) for c in cases] == [
        ("standard", "macs growth", False), ("bottleneck", "macs growth", True)]


def test_a_saved_json_report_is_a_baseline(tmp_path):
    report = tmp_path / "before.json"
    report.write_text(run("report", ORIGINAL, "--format", "json").out, encoding="utf-8")
    by_spec = run("check", WIDER, "--against", ORIGINAL, "--max-growth", "macs=10%", "--format", "json")
    by_report = run("check", WIDER, "--against", str(report), "--max-growth", "macs=10%", "--format", "json")
    assert by_report.code == 1
    assert verdicts(by_report) == verdicts(by_spec)


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@t", *args], check=True,
                   capture_output=True)


def test_the_same_spec_at_a_git_revision_is_a_baseline(tmp_path):
    git(tmp_path, "init", "-q")
    model = tmp_path / "model.yaml"
    model.write_text((ROOT / ORIGINAL).read_text(encoding="utf-8"), encoding="utf-8")
    git(tmp_path, "add", "model.yaml")
    git(tmp_path, "commit", "-qm", "original")
    model.write_text((ROOT / WIDER).read_text(encoding="utf-8"), encoding="utf-8")
    result = run("check", str(model), "--against", "git:HEAD", "--max-growth", "macs=10%", "--format", "json")
    assert result.code == 1
    assert verdicts(result)[("bottleneck", "macs")] == (18_665_472, 13_688_012, True,
                                                        {"baseline": 12_443_648, "allowed": "+10%"})


def test_git_outside_a_repository_is_a_clear_error(tmp_path):
    spec = tmp_path / "model.yaml"
    spec.write_text((ROOT / ORIGINAL).read_text(encoding="utf-8"), encoding="utf-8")
    result = run("check", str(spec), "--against", "git:origin/main", "--max-growth", "macs=2%")
    assert (result.code, result.out) == (2, "")
    assert result.err == f"--against git:origin/main: {spec} is not in a git repository\n"


def test_a_revision_without_the_file_is_a_clear_error(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "other.txt").write_text("x")
    git(tmp_path, "add", "other.txt")
    git(tmp_path, "commit", "-qm", "first")
    spec = tmp_path / "model.yaml"
    spec.write_text((ROOT / ORIGINAL).read_text(encoding="utf-8"), encoding="utf-8")
    result = run("check", str(spec), "--against", "git:HEAD", "--max-growth", "macs=2%")
    assert result.code == 2
    assert result.err == "--against git:HEAD: path 'model.yaml' exists on disk, but not in 'HEAD'\n"


def test_growth_limits_in_the_spec_budget(spec_file):
    base = spec_file("input: [28, 28, 192]\nlayers:\n  - conv: {filters: 16, kernel: 1}\n", "base.yaml")
    new = spec_file("input: [28, 28, 192]\nlayers:\n  - conv: {filters: 24, kernel: 1}\n"
                    "budget: {params: 1M, growth: {params: 40%}}\n")
    result = run("check", new, "--against", base, "--format", "json")
    checks = json.loads(result.out)["specs"][0]["checks"]
    assert result.code == 1
    # 192·16 + 16 = 3,088 → 192·24 + 24 = 4,632: +50%, over a limit of 3,088 + floor(1,235.2) = 4,323
    assert [(c["metric"], c["value"], c["limit"], c["over"], c["line"], c["col"]) for c in checks] == [
        ("params", 4_632, 1_000_000, False, 4, 18), ("params", 4_632, 4_323, True, 4, 39)]


def test_growth_only_budgets_need_a_baseline(spec_file):
    new = spec_file("input: [28, 28, 192]\nlayers:\n  - conv: {filters: 24, kernel: 1}\nbudget: {growth: {macs: 2%}}\n")
    result = run("check", new)
    assert result.code == 2
    assert result.err == ("spec.yaml: its budget limits only growth, which needs a baseline; "
                          "give one with --against SPEC, --against REPORT.json or --against git:REV\n")


@pytest.mark.parametrize("args, message", [
    (["--max-growth", "macs=2%"],
     "--max-growth needs a baseline: --against SPEC, --against REPORT.json or --against git:REV"),
    (["--against", ORIGINAL, "--max-growth", "macs"],
     "Invalid value for '--max-growth': 'macs': write METRIC=LIMIT, such as macs=2% or params=0"),
    (["--against", ORIGINAL, "--max-growth", "mac=2%"],
     "Invalid value for '--max-growth': 'mac' is not a metric; did you mean 'macs'?"),
    (["--against", ORIGINAL, "--max-growth", "macs=-2%"],
     "Invalid value for '--max-growth': '-2%' is not a growth limit; "
     "write a percentage such as 2% or an amount such as 0 or 10K"),
])
def test_bad_growth_flags_are_usage_errors(args, message):
    result = run("check", WIDER, *args)
    assert result.code == 2
    assert result.err.splitlines()[-1] == f"Error: {message}"


def test_a_file_baseline_takes_one_spec():
    result = run("check", WIDER, ORIGINAL, "--against", ORIGINAL, "--max-growth", "macs=2%")
    assert result.code == 2
    assert result.err.splitlines()[-1] == (
        "Error: --against FILE is the baseline of one SPEC; for several, use --against git:REV")


def test_a_json_baseline_that_is_not_a_report(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"designs": [{"name": "standard", "totals": {"macs": 1.5}}]}', encoding="utf-8")
    result = run("check", WIDER, "--against", str(bad), "--max-growth", "macs=2%")
    assert result.code == 2
    assert result.err == f"{bad}: design 'standard' has no whole-number macs in its totals\n"
