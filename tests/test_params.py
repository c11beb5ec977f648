"""Spec parameters (`params:`) and `--set NAME=VALUE`: seen by every expression, checked by name and value."""

import pytest
from conftest import run

from costcalc import analyze, loads

SPEC = """\
name: "width ${alpha}"
params: {alpha: 1.0, resolution: 32, stem: "${int(16 * alpha)}"}
input: [$resolution, $resolution, 3]
defaults:
  conv: {filters: "${int(8 * alpha)}"}
blocks:
  pair:
    args: {filters: null}
    layers:
      - conv: {filters: "${int(filters * alpha)}", kernel: 3}
      - conv: {kernel: 1}
layers:
  - conv: {filters: $stem, kernel: 3, stride: 2}
  - pair: {filters: 32}
budget: {macs: "${int(4000000 * alpha)}", params: "${2000 * resolution}"}
"""


def macs(spec) -> int:
    return analyze(spec).design("main").total.macs


def test_defaults_give_the_spec_as_written():
    spec = loads(SPEC)
    # 16·16·16·27 + 16·16·32·(9·16) + 16·16·8·32
    assert macs(spec) == 16 * 16 * 16 * 27 + 16 * 16 * 32 * 144 + 16 * 16 * 8 * 32 == 1355776
    assert spec.name == "width 1"  # an integral value interpolates as an integer
    assert spec.params == {"alpha": 1.0, "resolution": 32, "stem": 16}
    assert spec.budgets["main"]["macs"].value == 4_000_000
    assert spec.budgets["main"]["params"].value == 64_000


def test_settings_reach_input_layers_blocks_defaults_budget_and_later_defaults():
    spec = loads(SPEC, settings=[("alpha", "0.5"), ("resolution", "64")])
    assert spec.input == (64, 64, 3)
    assert spec.params == {"alpha": 0.5, "resolution": 64, "stem": 8}  # stem's default sees the new alpha
    # 32·32·8·27 + 32·32·16·(9·8) + 32·32·4·16
    assert macs(spec) == 32 * 32 * 8 * 27 + 32 * 32 * 16 * 72 + 32 * 32 * 4 * 16 == 1466368
    assert spec.name == "width 0.5"
    assert spec.budgets["main"]["macs"].value == 2_000_000
    assert spec.budgets["main"]["params"].value == 128_000


def test_a_derived_parameter_can_be_set_itself():
    spec = loads(SPEC, settings=[("stem", "4")])
    assert spec.params["stem"] == 4
    assert analyze(spec).design("main").rows[0].output == (16, 16, 4)


def test_an_argument_shadows_a_parameter_of_its_name(spec_file):
    text = ("params: {k: 5}\ninput: [8, 8, 1]\nblocks:\n  b:\n    args: {k: 3}\n    layers: [conv: "
            "{filters: 1, kernel: $k}]\n"
            "layers:\n  - b\n  - conv: {filters: 1, kernel: $k}\n")
    rows = [row for row in analyze(loads(text)).design("main").rows if row.role == "layer"]
    assert [row.op.kernel for row in rows] == [(3, 3), (5, 5)]


def test_set_on_the_command_line(spec_file):
    path = spec_file(SPEC)
    out = run("report", path, "--set", "alpha=0.5", "--set", "resolution=64", "--format", "csv", "--exact")
    assert out.code == 0
    assert out.out.splitlines()[-1].split(",")[7] == "1466368"
    over = run("check", path, "--set", "alpha=2")  # 2 × the MACs against 2 × the budget: holds
    assert over.code == 0, over.out
    assert run("explain", path, "--set", "alpha=0.5").code == 0
    assert run("compare", path, "--set", "alpha=0.5").code == 0
    assert run("diff", path, "--set", "alpha=0.5", "--design", "main", "--design", "main").code == 0


@pytest.mark.parametrize("setting, message", [
    ("alpa=0.5", "spec.yaml:2:1: --set alpa: the spec has no parameter 'alpa'; did you mean 'alpha'?"),
    ("depth=2",
     "spec.yaml:2:1: --set depth: the spec has no parameter 'depth'; its parameters are alpha, resolution, stem"),
    ("resolution=1.5", "spec.yaml:2:1: --set resolution=1.5: parameter 'resolution' takes an integer"
                       " (its default is 32), got '1.5'"),
    ("alpha=wide",
     "spec.yaml:2:1: --set alpha=wide: parameter 'alpha' takes a number (its default is 1.0), got 'wide'"),
    ("alpha=nan", "spec.yaml:2:1: --set alpha=nan: parameter 'alpha' takes a number (its default is 1.0), got 'nan'"),
])
def test_a_bad_setting_is_one_line_naming_the_parameter(spec_file, setting, message):
    out = run("report", spec_file(SPEC), "--set", setting)
    assert (out.code, out.err) == (2, message + "\n")


def test_a_setting_without_equals_is_a_usage_error(spec_file):
    out = run("report", spec_file(SPEC), "--set", "alpha")
    assert out.code == 2
    assert "Invalid value for '--set': 'alpha': write NAME=VALUE, such as alpha=0.5" in out.err


def test_a_spec_without_params_says_so(spec_file):
    out = run("report", spec_file("input: [4]\nlayers: [relu]\n"), "--set", "alpha=1")
    assert out.err == ("spec.yaml:1:1: --set alpha: the spec has no parameter 'alpha'; "
                       "it declares none (params: {name: default})\n")


@pytest.mark.parametrize("params, message", [
    ("[1, 2]", "spec.yaml:1:9: params maps each parameter's name to its default value; params: {alpha: 1.0}"),
    ("{alpha: wide}", "spec.yaml:1:17: parameter 'alpha' must default to a number, true or false, got 'wide'"),
    ("{alpha: [1]}", "spec.yaml:1:17: parameter 'alpha' must default to a number, true or false, got [1]"),
    ("{2x: 1}", "spec.yaml:1:10: a parameter's name is a word of letters, digits and _, got '2x'"),
    ("{a: '${b}', b: 1}", "spec.yaml:1:13: in ${b}: unknown name 'b' in expression (known: none here)"),
])
def test_bad_params_are_positioned(spec_file, params, message):
    out = run("report", spec_file(f"params: {params}\ninput: [4]\nlayers: [relu]\n"))
    assert (out.code, out.err) == (2, message + "\n")
