"""The round trip: every shipped design, exported to ONNX and imported back, counts as the spec does.

Spec → `costcalc export --to onnx --weights none` (weights declared with their shapes, no values, so
that the largest networks take a fraction of a second) → `costcalc import` → the imported spec's
parameters (trainable and non-trainable, where no weight is frozen: ONNX has no such flag), MACs, FLOPs and output
shape (each output's, where the design names several) equal the spec's.
"""

import pytest
from conftest import EXPORTABLE, ROOT, run

import costcalc

pytest.importorskip("onnx", reason="export and import of ONNX need the onnx extra: pip install 'costcalc[onnx]'")

SHIPPED = EXPORTABLE + [ROOT / "tests" / "data" / "every_kind.yaml"]


def designs():
    for path in SHIPPED:
        for design in costcalc.analyze(costcalc.load(str(path))).designs:
            yield pytest.param(path, design.name, id=f"{path.relative_to(ROOT)}:{design.name}")


@pytest.mark.parametrize(("spec", "design"), list(designs()))
def test_spec_to_onnx_to_spec_counts_the_same(tmp_path, spec, design):
    model, imported = tmp_path / "model.onnx", tmp_path / "imported.yaml"
    exported = run("export", str(spec), "--design", design, "--to", "onnx", "--weights", "none", "-o", str(model))
    assert (exported.code, exported.err) == (0, "")
    back = run("import", str(model), "-o", str(imported))
    assert (back.code, back.err) == (0, "")
    original = costcalc.analyze(costcalc.load(str(spec))).design(design)
    again = costcalc.analyze(costcalc.load(str(imported))).designs[0]
    frozen = any(row.frozen for row in original.rows)  # ONNX records no trainable flag: frozen weights come back
    figures = ("params", "macs", "flops", *(() if frozen else ("trainable_params",)))
    assert {f: getattr(again.total, f) for f in figures} == {f: getattr(original.total, f) for f in figures}
    assert again.output == original.output
    assert list(again.outputs.values()) == list(original.outputs.values())  # several outputs, in their order
