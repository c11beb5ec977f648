"""`costcalc check`: budgets from the spec and from flags, every format, exit codes 0, 1 and 2."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
import yaml
from conftest import ROOT, run

from costcalc.commands.options import LIMIT_FLAGS
from costcalc.model.tree import METRICS

BUDGETS = "tests/data/budgets.yaml"
WITHIN = "tests/data/within_budget.yaml"
HOW = "add `budget: {macs: 600M, params: 5M}` to the spec, or give a limit such as --max-macs 600M"


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    """Relative spec paths, so that outputs (and golden files) do not depend on the checkout's place."""
    monkeypatch.chdir(ROOT)


def position(path: str, text: str) -> tuple[int, int]:
    """1-based line and column of the first occurrence of `text` in a file."""
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    line = next(i for i, line in enumerate(lines) if text in line)
    return line + 1, lines[line].index(text) + 1


@pytest.mark.parametrize("fmt, ext", [("text", "txt"), ("json", "json"), ("markdown", "md"), ("github", "txt"),
                                      ("junit", "xml"), ("junit-lines", "xml")])
def test_every_format_of_a_failing_check(fmt, ext, golden):
    result = run("check", BUDGETS, "--format", fmt)
    assert result.code == 1
    assert result.err == ""
    golden(f"check_{fmt}.{ext}", result.out)


def test_every_budget_holds_exit_0():
    result = run("check", WITHIN)
    assert result.code == 0
    assert "│ main   │ macs             │ 12,443,648 │ 20,000,000 │ 62.2% │ pass   │" in result.out
    assert result.out.endswith("all 2 budgets hold\n")


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "github", "junit", "junit-lines"])
def test_quiet_prints_nothing_when_all_pass(fmt):
    result = run("check", WITHIN, "-q", "--format", fmt)
    assert (result.code, result.out, result.err) == (0, "", "")


def test_quiet_still_reports_a_failure():
    result = run("check", BUDGETS, "-q", "--format", "github")
    assert result.code == 1
    assert result.out.count("::error ") == 3


def test_per_design_budgets_and_met_limits():
    checks = json.loads(run("check", BUDGETS, "--format", "json").out)["specs"][0]
    verdicts = {(c["design"], c["metric"]): (c["value"], c["limit"], c["over"]) for c in checks["checks"]}
    assert verdicts == {
        ("standard", "macs"): (120_422_400, 100_000_000, True),
        ("standard", "flops"): (240_869_888, 250_000_000, False),
        ("standard", "params"): (153_632, 150_000, True),
        ("bottleneck", "macs"): (12_443_648, 12_500_000, False),
        ("bottleneck", "trainable_params"): (15_920, 15_920, False),
        ("bottleneck", "activations"): (37_632, 37_000, True),
        ("bottleneck", "activation_bytes"): (150_528, 147 * 1024, False),
    }
    assert checks["unchecked"] == ["separable"]


def test_github_points_at_the_budget_line_exceeded():
    result = run("check", BUDGETS, "--format", "github")
    macs_line, macs_col = position(BUDGETS, "100M")
    act_line, act_col = position(BUDGETS, "37K")
    assert result.out.splitlines()[0] == (
        f"::error file={BUDGETS},line={macs_line},col={macs_col},title=costcalc over budget::"
        "standard: macs 120,422,400 is over its limit of 100,000,000 (120.4%25)"
    )
    assert (macs_line, macs_col, act_line, act_col) == (15, 20, 19, 18)
    assert f"::error file={BUDGETS},line=19,col=18,title=costcalc over budget::" \
           "bottleneck: activations 37,632 is over its limit of 37,000 (101.7%25)" in result.out.splitlines()


def test_github_for_a_flag_limit_points_at_the_file():
    result = run("check", WITHIN, "--max-macs", "12M", "--format", "github")
    assert result.code == 1
    assert result.out == (
        f"::error file={WITHIN},title=costcalc over budget::"
        "main: macs 12,443,648 is over its limit of 12,000,000 (103.7%25), given by --max-macs\n"
        f"{WITHIN}: 1 of 2 budgets exceeded\n"
    )


def test_github_escapes_properties_and_data():
    from costcalc.errors import Where
    from costcalc.show.check_render import workflow_error

    assert workflow_error("a,b:c.yaml", Where("a,b:c.yaml", 3, 4), "t", "50% done\nnext") == \
        "::error file=a%2Cb%3Ac.yaml,line=3,col=4,title=t::50%25 done%0Anext"


def test_flags_win_over_the_spec_and_reach_every_design():
    result = run("check", BUDGETS, "--max-macs", "200M", "--max-activation-bytes", "512K", "--format", "json")
    checks = json.loads(result.out)["specs"][0]["checks"]
    macs = {c["design"]: (c["limit"], c["source"], c["over"]) for c in checks if c["metric"] == "macs"}
    assert macs == {name: (200_000_000, "--max-macs", False) for name in ("standard", "bottleneck", "separable")}
    act_bytes = {c["design"]: (c["value"], c["limit"], c["over"]) for c in checks if c["metric"] == "activation_bytes"}
    assert act_bytes == {"standard": (100_352, 512_000, False), "bottleneck": (150_528, 512_000, False),
                         "separable": (702_464, 512_000, True)}
    assert result.code == 1


@pytest.mark.parametrize("flag, figure, limit", [
    ("--max-flops", "1.5G", 1_500_000_000), ("--max-params", "50K", 50_000),
    ("--max-trainable-params", "16000", 16_000), ("--max-activations", "40k", 40_000),
    ("--max-activation-bytes", "2MiB", 2 * 2**20), ("--max-activation-bytes", "2MB", 2_000_000),
])
def test_every_limit_flag(flag, figure, limit):
    checks = json.loads(run("check", WITHIN, flag, figure, "--format", "json").out)["specs"][0]["checks"]
    metric = flag.removeprefix("--max-").replace("-", "_")
    assert [(c["limit"], c["source"]) for c in checks if c["metric"] == metric] == [(limit, flag)]


def test_limit_flags_are_the_budget_metrics():
    assert list(LIMIT_FLAGS) == list(METRICS)


def test_design_option_checks_only_those():
    result = run("check", BUDGETS, "--design", "bottleneck", "--format", "json")
    assert result.code == 1
    assert {c["design"] for c in json.loads(result.out)["specs"][0]["checks"]} == {"bottleneck"}


def test_no_budget_and_no_flags_is_a_usage_error():
    result = run("check", "specs/googlenet_3a.yaml")
    assert (result.code, result.out) == (2, "")
    assert result.err == f"specs/googlenet_3a.yaml: no budget to check; {HOW}\n"


def test_no_budget_for_the_designs_asked():
    result = run("check", BUDGETS, "--design", "separable")
    assert result.code == 2
    assert result.err == f"{BUDGETS}: no budget to check for separable; {HOW}\n"


def test_flags_make_a_spec_without_budget_checkable():
    result = run("check", "specs/googlenet_3a.yaml", "--max-macs", "200M", "--format", "json")
    assert result.code == 1
    assert [c["over"] for c in json.loads(result.out)["specs"][0]["checks"]] == [False, True]


def test_bad_spec_exit_2_one_positioned_line(spec_file):
    path = spec_file("input: [28, 28, 3]\nlayers:\n  - conv: {filter: 3, kernel: 3}\nbudget: {macs: 1M}\n")
    result = run("check", path)
    assert (result.code, result.out) == (2, "")
    assert result.err == "spec.yaml:3:12: unknown option 'filter' for conv; did you mean 'filters'?\n"


def test_bad_spec_in_github_and_junit(spec_file):
    path = spec_file("input: [28, 28, 3]\nlayers:\n  - conv: {filter: 3, kernel: 3}\n")
    github = run("check", path, "--format", "github")
    assert github.out == ("::error file=spec.yaml,line=3,col=12,title=costcalc bad spec::"
                          "unknown option 'filter' for conv; did you mean 'filters'?\n")
    junit = ET.fromstring(run("check", path, "--format", "junit").out)
    assert (junit.get("tests"), junit.get("errors")) == ("1", "1")
    assert junit.find("testsuite/testcase/error").get("message").startswith("spec.yaml:3:12: unknown option")


def test_bad_budget_in_spec(spec_file):
    path = spec_file("input: [8]\nlayers: [dense: {units: 2}]\nbudget: {macs: 12X}\n")
    result = run("check", path)
    assert result.code == 2
    assert result.err == ("spec.yaml:3:16: budget macs: '12X' is not a figure; write an integer, "
                          "or a number with K, M, G, T\n")


def test_bad_flag_figure_is_a_usage_error():
    result = run("check", WITHIN, "--max-activation-bytes", "2 parsecs")
    assert result.code == 2
    assert "Invalid value for '--max-activation-bytes': '2 parsecs' is not a figure" in result.err


def test_no_spec_is_a_usage_error():
    result = run("check", "--max-macs", "1M")
    assert result.code == 2
    assert "Missing argument 'SPECS...'" in result.err


def test_junit_counts_and_failures():
    suites = ET.fromstring(run("check", BUDGETS, WITHIN, "--format", "junit-lines").out)
    assert (suites.get("tests"), suites.get("failures"), suites.get("errors")) == ("9", "3", "0")
    failed = [(c.get("classname"), c.get("name"), c.get("line")) for c in suites.iter("testcase")
              if c.find("failure") is not None]
    assert failed == [("standard", "macs", "15"), ("standard", "params", "15"), ("bottleneck", "activations", "19")]


# ---- the pre-commit hook ----------------------------------------------------------------------

HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def test_the_hook_runs_costcalc_check_on_the_files_it_is_given():
    (hook,) = HOOKS
    assert hook["id"] == "costcalc-check"
    assert hook["entry"] == "costcalc check"
    assert hook["pass_filenames"] is True
    assert hook["language"] == "python"


def test_the_hook_selects_spec_yaml():
    files = re.compile(HOOKS[0]["files"])
    chosen = ["specs/bottleneck_5x5.yaml", "specs/zoo/vgg16.yaml", "model/specs/net.yml"]
    passed_over = ["README.md", ".pre-commit-hooks.yaml", ".github/workflows/ci.yml", "specs/README.md",
                   "notspecs/a.yaml"]
    assert [f for f in chosen + passed_over if files.search(f)] == chosen


def test_the_hook_call_with_several_files(tmp_path):
    """pre-commit runs `entry` + args + the changed files: each file is checked and reported."""
    args = HOOKS[0]["entry"].split()[1:]
    result = run(*args, "specs/bottleneck_5x5.yaml", WITHIN)
    assert result.code == 1
    titles = [line for line in result.out.splitlines() if line.endswith(": budget check")]
    assert titles == ["specs/bottleneck_5x5.yaml: budget check", f"{WITHIN}: budget check"]
    assert "2 of 6 budgets exceeded" in result.out and "all 2 budgets hold" in result.out


def test_several_files_one_bad_exit_2_and_the_others_reported():
    result = run("check", WITHIN, "specs/googlenet_3a.yaml", "--format", "github")
    assert result.code == 2
    assert result.out == (f"{WITHIN}: all 2 budgets hold\n"
                          f"::error file=specs/googlenet_3a.yaml,title=costcalc bad spec::"
                          f"specs/googlenet_3a.yaml: no budget to check; {HOW}\n")
    assert result.err == ""  # said once, by its annotation: in a workflow log, stderr's lines run commands too


JUNIT_XSD = ROOT / "tests" / "data" / "junit-strict.xsd"


@pytest.mark.parametrize("args", [
    [BUDGETS], [BUDGETS, WITHIN], [WITHIN, "--max-macs", "1"],
    ["tests/data/bottleneck_wider.yaml", "--against", "specs/bottleneck_5x5.yaml", "--max-growth", "macs=10%"],
    ["tests/data/no_such_spec.yaml", WITHIN],
], ids=["over", "two specs", "flag", "growth", "bad spec"])
def test_junit_is_valid_against_the_strict_junit_schema(args):
    import xmlschema

    schema = xmlschema.XMLSchema(str(JUNIT_XSD))
    strict = run("check", *args, "--format", "junit").out
    schema.validate(strict)
    suites = list(ET.fromstring(strict).iter("testsuite"))
    assert all(suite.get("file") == suite.get("name") for suite in suites)
    assert all(case.get("file") is None and case.get("line") is None for case in ET.fromstring(strict).iter("testcase"))
    assert not schema.is_valid(run("check", *args, "--format", "junit-lines").out)  # file and line on test cases
