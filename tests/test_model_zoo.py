"""The zoo manifest (specs/models.tsv): every framework model written as a spec gives the framework's own figures.

For each row and each of its two input sizes: trainable and non-trainable parameters, MACs and the output
shape equal those measured by running the framework (tests/data/reference/torchvision_sizes.tsv,
video_audio.tsv, attention_models.tsv and keras_applications.tsv, with their provenance); torchvision's MACs
are fvcore's conv and linear MACs, which costcalc's conv-like and dense layers must give each, or for the ViTs
and Swins fvcore's total, costcalc's under --convention fvcore. tools/zoo_table.py reads the same files.
"""

import sys

import pytest
from conftest import ROOT, SPECS
from test_zoo import KERAS_SPECS, TORCHVISION_SPECS, macs_by_framework_layer

sys.path.insert(0, str(ROOT / "tools"))
from zoo_table import convention, design_at, figures, input_shape, manifest, markdown, reference, torchvision_rows

ENTRIES = manifest()
CASES = [pytest.param(entry, size, id=f"{entry.framework}-{entry.model}-{size}")
         for entry in ENTRIES for size in entry.sizes]


@pytest.mark.parametrize("entry, size", CASES)
def test_parameters_macs_and_output_are_the_frameworks(entry, size):
    assert figures(entry, size) == reference(entry, size)


@pytest.mark.parametrize("entry, size", [case for case in CASES if case.values[0].framework == "torchvision"
                                         and convention(case.values[0]) == "costcalc"])
def test_torchvision_macs_are_fvcores_conv_and_linear_macs(entry, size):
    row = torchvision_rows()[entry.model, size]
    assert macs_by_framework_layer(design_at(entry, size)) == (row["conv_macs"], row["linear_macs"])


def test_every_row_has_reference_figures_at_two_sizes_the_default_first():
    for entry in ENTRIES:
        assert len(entry.sizes) == 2, entry
        assert all(reference(entry, size) for size in entry.sizes), entry
        assert design_at(entry).input == input_shape(entry.sizes[0]), entry


def test_each_model_is_one_row():
    models = [(entry.framework, entry.model, entry.settings) for entry in ENTRIES]
    assert len(models) == len(set(models))


def test_every_zoo_and_torchvision_spec_is_in_the_manifest_or_tested_elsewhere():
    elsewhere = {f"zoo/{spec}" for spec, *_ in KERAS_SPECS + TORCHVISION_SPECS}
    elsewhere.add("torchvision/fpn.yaml")  # several outputs: tests/test_outputs.py
    listed = {entry.spec for entry in ENTRIES}
    on_disk = {str(path.relative_to(SPECS)) for folder in ("zoo", "torchvision", "keras")
               for path in (SPECS / folder).glob("*.yaml")}
    assert on_disk - listed - elsewhere == set()
    assert listed <= on_disk


def test_docs_zoo_is_the_tables_output():
    assert (ROOT / "docs" / "zoo.md").read_text() == markdown()
