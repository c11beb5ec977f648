"""costcalc import against the frameworks' own figures, without the frameworks: networks outside the zoo exported
from torchvision (ONNX without weights, batchnorm folded and kept) and Keras Applications (JSON), with torch's and
Keras's parameter counts and FlopCounterMode's MACs, as tools/import_vs_frameworks.py wrote them into
tests/data/reference/imports.tsv."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import run

import costcalc

DATA = Path(__file__).resolve().parent / "data"
ROWS = [row for row in csv.DictReader(
    (line for line in (DATA / "reference" / "imports.tsv").read_text().splitlines() if not line.startswith("#")),
    delimiter="\t")]


def test_the_reference_covers_torchvision_and_keras_batchnorm_folded_and_kept():
    frameworks = {row["framework"] for row in ROWS}
    assert frameworks == {"torch", "torch, batchnorm folded", "keras"}
    assert len(ROWS) >= 16


@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_imported_figures_equal_the_frameworks(row):
    if row["file"].endswith(".onnx"):
        pytest.importorskip("onnx")
    given = ["--input", row["input"]] if row["input"] else []
    result = run("import", str(DATA / "imports" / row["file"]), *given)
    assert (result.code, result.err) == (0, "")
    total = costcalc.analyze(costcalc.loads(result.out)).designs[0].total
    assert (total.params, total.macs) == (int(row["params"]), int(row["macs"]))
    if row["trainable"]:
        assert total.trainable_params == int(row["trainable"])
