"""Booleans (format 1.2): `true` / `false` as parameters, in `--set` and `--vary`, and in expressions."""

import pytest
from conftest import run

from costcalc import analyze, loads

SPEC = """\
name: "minimalistic ${minimalistic}"
params: {minimalistic: false, width: 16}
input: [32, 32, 3]
layers:
  - conv: {filters: "${8 if minimalistic else width}", kernel: 3}
  - hswish: {when: "${not minimalistic}"}
  - relu: {when: $minimalistic}
  - batchnorm: {when: "${minimalistic == true}"}
"""


def kinds(spec) -> list[str]:
    return [row.kind for row in analyze(spec).design("main").rows]


def test_a_boolean_parameter_switches_layers_and_picks_values():
    spec = loads(SPEC)
    assert spec.params == {"minimalistic": False, "width": 16}
    assert spec.name == "minimalistic false"
    assert kinds(spec) == ["conv", "hswish"]
    assert analyze(spec).design("main").total.macs == 32 * 32 * 16 * 27 == 442368
    minimal = loads(SPEC, settings={"minimalistic": "true"})
    assert kinds(minimal) == ["conv", "relu", "batchnorm"]
    assert analyze(minimal).design("main").total.macs == 32 * 32 * 8 * 27 == 221184


@pytest.mark.parametrize("setting, message", [
    ("minimalistic=1", "--set minimalistic=1: parameter 'minimalistic' takes true or false (its default is false),"
                       " got '1'"),
    ("minimalistic=yes", "--set minimalistic=yes: parameter 'minimalistic' takes true or false (its default is"
                         " false), got 'yes'"),
    ("width=true", "--set width=true: parameter 'width' takes an integer (its default is 16), got 'true'"),
])
def test_a_boolean_where_it_does_not_belong_is_refused(spec_file, setting, message):
    out = run("report", spec_file(SPEC), "--set", setting)
    assert (out.code, out.err) == (2, f"spec.yaml:2:1: {message}\n")


def test_a_sweep_varies_a_boolean_with_a_number(spec_file):
    out = run("sweep", spec_file(SPEC), "--vary", "minimalistic=true,false", "--vary", "width=8,16", "--format", "csv")
    assert out.code == 0, out.err
    rows = [line.split(",")[:5] for line in out.out.splitlines()[1:]]
    assert rows == [["true", "8", "main", "221184", "475136"], ["true", "16", "main", "221184", "475136"],
                    ["false", "8", "main", "221184", "458752"], ["false", "16", "main", "442368", "917504"]]


def test_lowercase_true_and_false_are_literals_in_expressions():
    spec = loads("input: [4]\nlayers:\n  - relu: {when: '${true and not false}'}\n"
                 "  - dense: {units: '${2 if false else 3}'}\n")
    assert kinds(spec) == ["relu", "dense"]
    assert analyze(spec).design("main").rows[1].output == (3,)
