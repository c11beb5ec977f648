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
def test_sample_is_current(command, text, monkeypatch, request):
    monkeypatch.chdir(ROOT)
    result = run(*shlex.split(command))
    assert result.code in (0, 1)  # check's sample is over budget on purpose
    if request.config.getoption("--update-golden"):
        readme = ROOT / "README.md"
        before = f"<!-- sample: costcalc {command} -->\n```text\n{text}\n```"
        after = f"<!-- sample: costcalc {command} -->\n```text\n{result.out.rstrip(chr(10))}\n```"
        readme.write_text(readme.read_text(encoding="utf-8").replace(before, after), encoding="utf-8")
    else:
        assert result.out.rstrip("\n") == text


def zoo_table() -> str:
    from costcalc import analyze, load

    rows = ["| spec | input | MACs | params | trainable | non-trainable |", "| --- | --- | ---: | ---: | ---: | ---: |"]
    for path in sorted((ROOT / "specs" / "zoo").glob("*.yaml")):
        designs = analyze(load(path)).designs
        for design in designs:
            t = design.total
            label = path.name if len(designs) == 1 else f"{path.name} ({design.name})"
            shape = "×".join(map(str, design.input))
            rows.append(f"| `{label}` | {shape} | {t.macs:,} | {t.params:,} | {t.trainable_params:,} | {t.non_trainable_params:,} |")
    return "\n".join(rows)


def test_zoo_table_is_current():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = re.search(r"<!-- zoo table: .*? -->\n(.*?)\n<!-- end zoo table -->", readme, re.S).group(1)
    assert table == zoo_table()
