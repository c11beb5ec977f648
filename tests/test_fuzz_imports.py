"""The import fuzz in CI: a bounded, reproducible run over ONNX and Keras files broken on purpose
(tests/fuzzing_imports.py; tools/fuzz_imports.py runs a longer one)."""

from fuzzing_imports import import_problems

import costcalc.bridges.onnx_import as onnx_import


def test_a_broken_model_file_is_read_or_refused_in_one_line(tmp_path):
    assert import_problems(300, 20261205, tmp_path) == []


def test_the_fuzz_catches_a_traceback(tmp_path, monkeypatch):
    """The harness itself: a crash planted in the ONNX import is reported, not missed."""
    monkeypatch.setattr(onnx_import, "checked", lambda *args: 1 // 0)
    found = import_problems(3, 1, tmp_path)
    assert found and all("ZeroDivisionError: integer division or modulo by zero" in line for line in found)
