"""`costcalc check --against`: growth gates over a baseline spec, a json report or a git revision."""

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, run

from costcalc.cli import main

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
    assert ("│ bottleneck │ macs growth │ 18,665,472 │  13,688,012 │ +50.0% │ over   "
            "│ --max-growth macs=10% │") in result.out
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
        f"::warning file={WIDER},title=costcalc no baseline::growth not checked (not in the baseline): grouped",
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


SMALL = "input: [28, 28, 192]\nlayers:\n  - conv: {filters: 16, kernel: 1}\nbudget: {macs: 3M}\n"
"""192·16 = 3,072 MACs a pixel, 2,408,448 in all: within 3M."""


@pytest.fixture
def repository(tmp_path, monkeypatch):
    """A git repository with one commit (other.txt), as the working directory."""
    git(tmp_path, "init", "-q")
    (tmp_path / "other.txt").write_text("x")
    git(tmp_path, "add", "other.txt")
    git(tmp_path, "commit", "-qm", "first")
    monkeypatch.chdir(tmp_path)
    return tmp_path


NEW = "new since HEAD, growth not checked"


@pytest.mark.parametrize("fmt, said", [
    ("text", f"─┘\nthe budget holds\n{NEW}\n"),
    ("markdown",
     f"| main | macs | 2,408,448 | 3,000,000 | 80.3% | pass | model.yaml:4:16 |\n\nthe budget holds  \n{NEW}\n"),
    ("github", f"::warning file=model.yaml,title=costcalc no baseline::{NEW}\nmodel.yaml: the budget holds\n"),
    ("junit", f"<system-out>the budget holds; {NEW}</system-out>"),
], ids=["text", "markdown", "github", "junit"])
def test_a_spec_not_in_the_revision_is_new_and_its_budgets_are_checked(repository, fmt, said):
    Path("model.yaml").write_text(SMALL, encoding="utf-8")
    result = run("check", "model.yaml", "--against", "git:HEAD", "--max-growth", "macs=2%", "--format", fmt)
    assert (result.code, result.err) == (0, "")
    assert result.out.endswith(said) if fmt != "junit" else said in result.out


def test_a_new_spec_in_json_and_over_its_budget(repository):
    Path("model.yaml").write_text(SMALL.replace("3M", "2M"), encoding="utf-8")
    result = run("check", "model.yaml", "--against", "git:HEAD", "--max-growth", "macs=2%", "--format", "json")
    spec = json.loads(result.out)["specs"][0]
    assert result.code == 1
    assert (spec["new_since"], spec["no_baseline"], spec["passed"]) == ("HEAD", ["main"], False)
    assert [(c["metric"], c["value"], c["over"]) for c in spec["checks"]] == [("macs", 2_408_448, True)]


def test_a_design_renamed_is_reported_and_a_check_of_nothing_says_so(tmp_path):
    base, renamed = tmp_path / "base.yaml", tmp_path / "renamed.yaml"
    base.write_text(SMALL.replace("budget: {macs: 3M}\n", ""), encoding="utf-8")
    renamed.write_text("designs:\n  tiny:\n    - conv: {filters: 64, kernel: 1}\ninput: [28, 28, 192]\n",
                       encoding="utf-8")
    args = ("check", str(renamed), "--against", str(base), "--max-growth", "macs=0")
    text, github, junit = (run(*args, "--format", fmt) for fmt in ("text", "github", "junit"))
    assert text.code == 0
    assert text.out == f"{renamed}: budget check\nnothing checked\ngrowth not checked (not in the baseline): tiny\n"
    markdown = run(*args, "--format", "markdown")
    assert markdown.out == (f"### {renamed}: budget check\n\nnothing checked  \n"
                            "growth not checked (not in the baseline): tiny\n")
    assert github.out == (f"::warning file={renamed},title=costcalc no baseline::growth not checked "
                          f"(not in the baseline): tiny\n{renamed}: nothing checked\n")
    assert "<system-out>nothing checked; growth not checked (not in the baseline): tiny</system-out>" in junit.out
    required = run(*args, "--require-baseline", "--format", "junit")
    assert required.code == 1
    cases = ET.fromstring(required.out).findall(".//testcase")
    assert [(c.get("name"), c.find("failure").get("type")) for c in cases] == [("baseline", "no baseline")]


def test_require_baseline_fails_a_new_spec(repository):
    Path("model.yaml").write_text(SMALL, encoding="utf-8")
    result = run("check", "model.yaml", "--against", "git:HEAD", "--require-baseline", "--format", "github")
    assert result.code == 1
    assert result.out.splitlines()[0] == (
        f"::error file=model.yaml,title=costcalc no baseline::{NEW}; --require-baseline fails the check")


GROWN = "params: {r: 32}\ninput: [28, 28, 192]\nlayers:\n  - conv: {filters: '${4 * r}', kernel: 1}\n"
"""The base's `filters: ${r}`, four times wider: --set r=8 gives the 32 filters the base has by default."""


def test_settings_apply_to_a_file_baseline_too(spec_file):
    base = spec_file(GROWN.replace("4 * r", "r"), "base.yaml")
    new = spec_file(GROWN)
    result = run("check", new, "--set", "r=8", "--against", base, "--max-growth", "macs=0", "--format", "json")
    # 28·28·192·8 = 1,204,224 MACs at r=8 on both sides, 4,816,896 here: +300%, not +0.0%
    assert result.code == 1
    assert verdicts(result) == {("main", "macs"): (4_816_896, 1_204_224, True,
                                                   {"baseline": 1_204_224, "allowed": "+0"})}


def test_settings_apply_to_a_git_baseline_too(repository):
    Path("model.yaml").write_text(GROWN.replace("4 * r", "r"), encoding="utf-8")
    git(repository, "add", "model.yaml")
    git(repository, "commit", "-qm", "base")
    Path("model.yaml").write_text(GROWN, encoding="utf-8")
    result = run("check", "model.yaml", "--set", "r=8", "--against", "git:HEAD", "--max-growth", "macs=0")
    assert result.code == 1
    assert "│ main   │ macs growth │ 4,816,896 │ 1,204,224 │ +300.0% │ over   │ --max-growth macs=0 │" in result.out


def test_settings_cannot_apply_to_a_json_report(spec_file):
    report = spec_file(run("report", spec_file(GROWN.replace("4 * r", "r"), "base.yaml"), "--format", "json").out,
                       "base.json")
    result = run("check", spec_file(GROWN), "--set", "r=8", "--against", report, "--max-growth", "macs=0")
    assert (result.code, result.out) == (2, "")
    assert result.err == ("--against base.json: a json report does not say which --set its figures were counted "
                          "with; give the baseline as a spec or git:REV, which --set applies to as well\n")


def test_a_baseline_without_the_parameter_refuses_the_pairing(spec_file):
    base = spec_file(SMALL, "base.yaml")
    result = run("check", spec_file(GROWN), "--set", "r=8", "--against", base, "--max-growth", "macs=0")
    assert result.code == 2
    assert result.err.startswith("base.yaml:")


@pytest.mark.parametrize("revision, message", [
    ("--output=out", "--against git:--output=out: a revision cannot begin with '-'"),
    ("-p", "--against git:-p: a revision cannot begin with '-'"),
    ("nowhere", "--against git:nowhere: no revision 'nowhere' in the repository of model.yaml"),
], ids=["--output", "-p", "unknown"])
def test_a_revision_is_never_an_option_of_git(repository, revision, message):
    (repository / "out:.").mkdir()
    Path("model.yaml").write_text(SMALL, encoding="utf-8")
    result = run("check", "model.yaml", "--against", f"git:{revision}", "--max-growth", "macs=2%")
    assert (result.code, result.out) == (2, "")
    assert result.err == f"{message}; give a branch, tag or commit, such as origin/main or HEAD~1\n"
    assert sorted(p.name for p in repository.iterdir()) == [".git", "model.yaml", "other.txt", "out:."]
    assert list((repository / "out:.").iterdir()) == []


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


def test_a_json_baseline_listing_a_design_twice_is_refused(tmp_path):
    """Later-wins would let a doctored report pick the figure the check is against."""
    report = json.loads(run("report", ORIGINAL, "--format", "json").out)
    report["designs"].append({**report["designs"][0], "totals": {**report["designs"][0]["totals"], "macs": 10**12}})
    doctored = tmp_path / "before.json"
    doctored.write_text(json.dumps(report), encoding="utf-8")
    result = run("check", WIDER, "--against", str(doctored), "--max-growth", "macs=10%")
    assert (result.code, result.out) == (2, "")
    assert result.err == (f"{doctored}: the report lists design 'standard' twice; "
                          "write the report with costcalc report SPEC --format json\n")


def test_standard_input_has_no_revision(repository):
    result = CliRunner(env={"NO_COLOR": "1"}).invoke(main, ["check", "-", "--against", "git:HEAD"], input=SMALL)
    assert (result.exit_code, result.stderr) == (
        2, "--against git:HEAD: standard input has no copy at a revision; give the spec's file\n")


@pytest.mark.parametrize("flags, message", [
    (("--convention", "fvcore"), "convention 'fvcore', the spec with costcalc"),
    (("--dtype", "float16"), "bytes_per_element 2, the spec with 4"),
])
def test_a_json_report_counted_otherwise_refuses_the_pairing(tmp_path, flags, message):
    report = tmp_path / "before.json"
    report.write_text(run("report", ORIGINAL, "--format", "json", *flags).out, encoding="utf-8")
    result = run("check", WIDER, "--against", str(report), "--max-growth", "flops=0")
    assert (result.code, result.out) == (2, "")
    assert result.err == (f"--against {report}: the report was counted with {message}; "
                          "write the report with the same --convention and --dtype\n")
