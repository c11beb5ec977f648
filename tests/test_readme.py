"""The README's samples are what costcalc prints today."""

import re
import shlex

import pytest

from conftest import ROOT, run

SAMPLE = re.compile(r"<!-- sample: costcalc (.*?) -->\n```text\n(.*?)\n```", re.S)
SAMPLES = SAMPLE.findall((ROOT / "README.md").read_text(encoding="utf-8"))


def test_the_readme_has_samples():
    assert len(SAMPLES) >= 2


@pytest.mark.parametrize("command, text", SAMPLES, ids=[c for c, _ in SAMPLES])
def test_sample_is_current(command, text, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run(*shlex.split(command))
    assert result.code == 0
    assert result.out.rstrip("\n") == text
