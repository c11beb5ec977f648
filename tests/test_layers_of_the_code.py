"""The engine stands alone: no click, Rich or YAML behind `analyze`, and a lean start-up."""

import subprocess
import sys

from conftest import ROOT


def imported_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(out.stdout.split())


def test_the_engine_imports_no_cli_rendering_or_yaml():
    modules = imported_after(
        "from costcalc.engine import analyze\nfrom costcalc.tree import Spec\nfrom costcalc.compare import compare"
    )
    assert {"click", "rich", "yaml", "numpy"} & modules == set()


def test_version_imports_nothing_heavy():
    modules = imported_after("from costcalc.cli import main")
    assert {"rich", "yaml", "numpy", "costcalc.engine", "costcalc.spec"} & modules == set()


def test_python_dash_m_works_like_the_command():
    out = subprocess.run([sys.executable, "-m", "costcalc", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert (out.returncode, out.stdout) == (0, "costcalc, version 0.1.0\n")
