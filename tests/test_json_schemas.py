"""The JSON Schemas of the json outputs (costcalc/schemas/output-*.schema.json): current, and true of real output."""

import copy
import json
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT, SEQUENCES_AND_CLIPS, SPECS, run

from costcalc.show.schemas import SCHEMAS

SCHEMA_DIR = ROOT / "costcalc" / "schemas"
EVERY_SPEC = sorted(str(p.relative_to(ROOT)) for p in SPECS.rglob("*.yaml")) + ["tests/data/every_kind.yaml"]


def shipped(name: str) -> dict:
    return json.loads((SCHEMA_DIR / f"output-{name}.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", SCHEMAS)
def test_the_shipped_schema_is_the_generated_one(name, request):
    generated = SCHEMAS[name]()
    jsonschema.Draft202012Validator.check_schema(generated)
    if request.config.getoption("--update-golden"):
        text = json.dumps(generated, indent=2, ensure_ascii=False) + "\n"
        (SCHEMA_DIR / f"output-{name}.schema.json").write_text(text, encoding="utf-8")
    assert shipped(name) == generated


def validate(name: str, *args: str) -> dict:
    result = run(*args, "--format", "json")
    assert result.code in (0, 1, 2), result.err  # 2: check's bad spec, reported in its json too
    data = json.loads(result.out)
    jsonschema.Draft202012Validator(shipped(name)).validate(data)
    return data


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("spec", EVERY_SPEC)
def test_report_compare_and_convention_diff_of_every_spec(spec):
    validate("report", "report", spec)
    if Path(spec).name not in SEQUENCES_AND_CLIPS:
        validate("report", "report", spec, "--receptive-field", "--depth", "1")
    validate("compare", "compare", spec, "--branches")
    validate("convention-diff", "report", spec, "--convention-diff", "fvcore", "thop")


@pytest.mark.parametrize("args", [
    ["tests/data/budgets.yaml", "tests/data/within_budget.yaml"],
    ["tests/data/bottleneck_wider.yaml", "--against", "specs/bottleneck_5x5.yaml", "--max-growth", "macs=10%"],
    ["specs/bottleneck_5x5.yaml", "tests/data/no_such_spec.yaml", "--max-params", "0"],
])
def test_check(args):
    validate("check", "check", *args)


@pytest.mark.parametrize("args", [
    ["specs/bottleneck_5x5.yaml", "tests/data/bottleneck_wider.yaml"],
    ["specs/bottleneck_5x5.yaml", "--design", "standard", "--design", "separable"],
    ["specs/bottleneck_5x5.yaml", "specs/googlenet_3a.yaml"],
    ["specs/bottleneck_5x5.yaml", "tests/data/bottleneck_wider.yaml", "--device", "a100", "--device", "t4", "--batch",
     "2"],
    ["specs/bottleneck_5x5.yaml", "--design", "standard", "--design", "separable", "--memory", "--fused"],
])
def test_diff(args):
    validate("diff", "diff", *args)


def test_conventions():
    validate("conventions", "conventions")


@pytest.mark.parametrize("args", [
    ["specs/zoo/mobilenet_keras.yaml", "--vary", "alpha=0.5,1.0", "--vary", "resolution=128:224:96", "--max-macs",
     "300M"],
    ["specs/zoo/mobilenet_keras.yaml", "--vary", "alpha=0.5,1.0", "--vary", "resolution=128,224", "--zip"],
    ["specs/zoo/mobilenet_keras.yaml", "--vary", "alpha=0.5,1.0", "--device", "jetson-nano", "--device", "a100",
     "--max-latency", "5ms", "--max-peak-memory", "2MiB", "--max-weights-bytes", "8MB", "--training", "momentum",
     "--max-train-memory", "64MiB"],
])
def test_sweep(args):
    validate("sweep", "sweep", *args)


def test_a_field_added_lost_or_of_another_type_is_refused():
    data = validate("report", "report", "specs/googlenet_3a.yaml")
    validator = jsonschema.Draft202012Validator(shipped("report"))
    for change in (lambda d: d["designs"][0]["rows"][0].update(flops_x=1),
                   lambda d: d["designs"][0]["flops_by_kind"].pop("conv"),
                   lambda d: d["designs"][0]["totals"].update(macs=1.5)):
        broken = copy.deepcopy(data)
        change(broken)
        assert not validator.is_valid(broken)
