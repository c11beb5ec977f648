"""The spec format's JSON Schema: generated, shipped, valid, accepting every spec and refusing common mistakes."""

import json

import jsonschema
import pytest
import yaml
from conftest import ROOT, SPECS, run

from costcalc.spec.schema import spec_schema

SHIPPED = ROOT / "costcalc" / "schemas" / "spec.schema.json"
VALIDATOR = jsonschema.Draft202012Validator(spec_schema())
VALID = sorted(SPECS.rglob("*.yaml")) + sorted((ROOT / "tests" / "data").glob("*.yaml"))


def errors(text: str) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(yaml.safe_load(text))]


def test_the_shipped_file_is_what_costcalc_schema_prints_and_the_code_generates():
    printed = run("schema").out
    assert json.loads(printed) == spec_schema()
    assert SHIPPED.read_text(encoding="utf-8") == printed, \
        "regenerate: costcalc schema > costcalc/schemas/spec.schema.json"
    jsonschema.Draft202012Validator.check_schema(spec_schema())


@pytest.mark.parametrize("path", VALID, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_spec_validates(path):
    assert errors(path.read_text(encoding="utf-8")) == []


def test_expressions_validate_wherever_they_are_allowed():
    spec = """input: [28, 28, "${4 * 48}"]
defaults: {conv: {bias: false}}
blocks:
  conv_bn:
    args: {filters: null, kernel: 1}
    layers:
      - conv: {filters: $filters, kernel: [$kernel, 1], stride: "${1 + 1}", activation: $act}
      - batchnorm: {scale: $scale}
layers:
  - conv_bn: {filters: 32, repeat: "${2}"}
  - conv: {filters: "${2 * 16}", kernel: 3, name: "conv_${1}"}
  - branches: {a: [relu], b: null}
    merge: $merge
"""
    assert errors(spec) == []


BASE = "input: [28, 28, 192]\nlayers:\n"
MISTAKES = {
    "unknown kind": BASE + "  - cnov: {filters: 32, kernel: 3}\n",
    "misspelt option": BASE + "  - conv: {filter: 32, kernel: 3}\n",
    "string for a number": BASE + '  - conv: {filters: "32", kernel: 3}\n',
    "float for an integer": BASE + "  - conv: {filters: 32.5, kernel: 3}\n",
    "missing required option": BASE + "  - conv: {kernel: 3}\n",
    "unknown activation": BASE + "  - conv: {filters: 32, kernel: 3, activation: relu7}\n",
    "unknown padding": BASE + "  - conv: {filters: 32, kernel: 3, padding: full}\n",
    "options not indented under the kind": BASE + "  - conv:\n    filters: 32\n  - kernel: 3\n",
    "unknown top-level key": "input: [28, 28, 192]\nlayer:\n  - relu\n",
    "input of the wrong rank": "input: [2, 2, 224, 224, 3]\nlayers:\n  - relu\n",
    "both layers and designs": BASE + "  - relu\ndesigns: {a: [relu]}\n",
    "unknown merge": BASE + "  - branches: {a: [relu], b: [relu]}\n    merge: sum\n",
    "unknown budget metric": BASE + "  - relu\nbudget: {mac: 600M}\n",
    "zero filters": BASE + "  - conv: {filters: 0, kernel: 3}\n",
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_common_mistakes_are_refused(mistake):
    assert errors(MISTAKES[mistake]), mistake


def test_editors_can_complete_kinds_options_and_activations():
    schema = spec_schema()
    kinds = schema["$defs"]["strict"]["items"]["anyOf"]
    conv = next(k for k in kinds if "conv" in k.get("properties", {}))
    options = conv["properties"]["conv"]["properties"]
    assert conv["description"] == "A 2-D convolution (Keras Conv2D, torch nn.Conv2d)."
    assert options["stride"]["default"] == [1, 1] and options["padding"]["default"] == "same"
    assert "relu6" in options["activation"]["anyOf"][0]["enum"]
    assert options["kernel"]["description"].startswith("a positive integer, or one per spatial axis: [height, width]")
