"""The GitHub Action (action.yml): its shell steps, run as a runner would, in a temporary git repository."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS = ACTION["runs"]["steps"]
ORIGINAL = (ROOT / "specs" / "bottleneck_5x5.yaml").read_text(encoding="utf-8")


def expand(text: str, inputs: dict, outputs: dict) -> str:
    """The few `${{ … }}` expressions the action uses, as the runner would expand them."""
    def value(match):
        expression = match.group(1).strip()
        if expression == "github.action_path":
            return str(ROOT)
        if expression.startswith("inputs."):
            name = expression.removeprefix("inputs.").removesuffix(" != ''")
            given = inputs.get(name, ACTION["inputs"][name].get("default", ""))
            return str(given != "").lower() if expression.endswith("!= ''") else given
        return outputs[expression.removeprefix("steps.check.outputs.")]
    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def run_action(repo: Path, inputs: dict) -> tuple[int, str, str]:
    """Every step but the install (costcalc is installed here already): the last exit status, the
    workflow commands printed, and the job summary."""
    summary, output = repo / "summary.md", repo / "output.txt"
    summary.write_text(""), output.write_text("")
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output), "NO_COLOR": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    printed, code = "", 0
    for step in STEPS[1:]:
        outputs = dict(line.split("=", 1) for line in output.read_text().split())
        if "if" in step and expand(step["if"], inputs, outputs) != "true":
            continue
        step_env = {key: expand(str(value), inputs, outputs) for key, value in step.get("env", {}).items()}
        done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repo, env={**env, **step_env},
                              capture_output=True, text=True)
        printed += done.stdout
        code = done.returncode
        if code:
            break
    return code, printed, summary.read_text()


@pytest.fixture
def repo(tmp_path):
    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path, check=True,
                       capture_output=True)
    git("init", "-q", "-b", "main")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "net.yaml").write_text(ORIGINAL, encoding="utf-8")
    git("add", ".")
    git("commit", "-qm", "base")
    git("checkout", "-qb", "pull-request")
    return tmp_path


def test_the_install_step_installs_the_action_s_own_checkout():
    assert STEPS[0]["env"] == {"ACTION_PATH": "${{ github.action_path }}", "PYTHON": "${{ inputs.python }}"}
    assert STEPS[0]["run"].strip() == '"$PYTHON" -m pip install --quiet "$ACTION_PATH"'


def test_a_budget_exceeded_fails_with_annotations_and_a_summary(repo):
    code, printed, summary = run_action(repo, {"specs": "models/net.yaml"})
    assert code == 1
    assert printed.splitlines()[0].startswith(
        "::error file=models/net.yaml,line=14,col=16,title=costcalc over budget::standard: macs 120,422,400")
    assert ("| **standard** | **macs** | **120,422,400** | **20,000,000** | **602.1%** | **over** |"
            " **models/net.yaml:14:16** |") in summary


def test_growth_over_the_base_revision_and_the_diff_in_the_summary(repo):
    spec = repo / "models" / "net.yaml"
    spec.write_text(ORIGINAL.replace("filters: 16", "filters: 24"), encoding="utf-8")
    inputs = {"specs": "models/net.yaml", "baseline-ref": "main", "max-growth": "macs=10% params=0",
              "args": "--design bottleneck"}
    code, printed, summary = run_action(repo, inputs)
    assert code == 1
    assert ("::error file=models/net.yaml,title=costcalc over budget::bottleneck: macs grew 50.0%25 from 12,443,648"
            " to 18,665,472, over its limit of +10%25 (13,688,012), given by --max-growth macs=10%25") in printed
    assert "### models/net.yaml since main" in summary
    assert "| **bottleneck** | **macs** | **12.4M** | **18.7M** | **+50.0%** |" in summary


def test_within_budget_and_growth_passes(repo):
    spec = repo / "models" / "net.yaml"
    spec.write_text(ORIGINAL.replace("filters: 16", "filters: 8"), encoding="utf-8")
    inputs = {"specs": "models/net.yaml", "baseline-ref": "main", "max-growth": "macs=0", "args": "--design bottleneck"}
    code, printed, summary = run_action(repo, inputs)
    assert code == 0
    assert printed == "models/net.yaml: all 3 budgets hold\n"
    assert "all 3 budgets hold" in summary


def test_a_pull_request_that_adds_a_spec_and_grows_another(repo):
    """The scenario of issue 23: a spec added since the base is new, checked on its budgets alone; the grown one
    fails with its growth in %."""
    (repo / "models" / "net.yaml").write_text(ORIGINAL.replace("filters: 16", "filters: 24"), encoding="utf-8")
    (repo / "models" / "added.yaml").write_text("input: [28, 28, 192]\ndesigns:\n  bottleneck:\n"
                                                "    - conv: {filters: 16, kernel: 1}\nbudget: {macs: 3M}\n",
                                                encoding="utf-8")
    inputs = {"specs": "models/*.yaml", "baseline-ref": "main", "max-growth": "macs=10%", "args": "--design bottleneck"}
    code, printed, summary = run_action(repo, inputs)
    assert code == 1
    assert printed.splitlines() == [
        "::warning file=models/added.yaml,title=costcalc no baseline::new since main, growth not checked",
        "models/added.yaml: the budget holds",
        "::error file=models/net.yaml,title=costcalc over budget::bottleneck: macs grew 50.0%25 from 12,443,648 to "
        "18,665,472, over its limit of +10%25 (13,688,012), given by --max-growth macs=10%25",
        "models/net.yaml: 1 of 3 budgets exceeded",
    ]
    assert "the budget holds  \nnew since main, growth not checked\n" in summary
    assert "### models/added.yaml is new since main\n" in summary
    # the diff names the baseline as REV:path, and bolds only what grew past a limit
    assert "### main:models/net.yaml → models/net.yaml\n" in summary
    assert "/tmp" not in summary
    diff = summary[summary.index("### models/net.yaml since main"):]
    assert [line for line in diff.splitlines() if "**" in line] == [
        "| **bottleneck** | **macs** | **12.4M** | **18.7M** | **+50.0%** |"]


def test_a_file_named_like_an_option_is_a_spec_not_a_flag(repo):
    """An empty `--design=tiny.yaml` in a pull request must not narrow the check to a design of its choosing."""
    (repo / "models" / "--design=tiny.yaml").write_text("", encoding="utf-8")
    (repo / "models" / "tiny.yaml").write_text("input: [8, 8, 3]\nlayers:\n  - relu: {}\nbudget: {macs: 1}\n",
                                                encoding="utf-8")
    os.chdir(repo / "models")  # so that the glob's first name begins with "--"
    try:
        code, printed, summary = run_action(repo / "models", {"specs": "*.yaml", "baseline-ref": "main"})
    finally:
        os.chdir(ROOT)
    assert code == 2
    assert printed.splitlines()[0] == ("::error file=--design=tiny.yaml,line=1,col=1,title=costcalc bad spec::"
                                       "the spec is empty; a spec needs input: and layers: (or designs:)")
    assert "::error file=net.yaml,line=14,col=16,title=costcalc over budget::standard: macs 120,422,400" in printed
    assert "### --design=tiny.yaml is new since main" in summary
