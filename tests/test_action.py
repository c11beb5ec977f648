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
