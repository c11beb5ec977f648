"""Build every shipped design's exported PyTorch and Keras code in the frameworks and count it there.

For each design of each spec in specs/ (and tests/data/every_kind.yaml, and every_kind_keras.yaml, the same as
Keras can build it), the code of `costcalc export --to pytorch` and `--to keras` is run and counted by the
frameworks: PyTorch's parameters (trainable unless frozen), frozen ones and buffers but num_batches_tracked
(non-trainable), MACs (torch.utils.flop_counter.FlopCounterMode's FLOPs / 2, batch 1, eval) and output shape (each
one's, where the design names several outputs); Keras's trainable_weights, non_trainable_weights and
`model.output.shape`; and Keras's `model.to_json()` of each, imported back by `costcalc import`, must give the
design's parameters and MACs again, and so must each PyTorch module written by torch.onnx.export (TorchScript,
opset 17, batchnorms kept, no weights) and imported back (a difference is printed, not written; what the
exporter cannot write, or writes without what costcalc needs, is printed as a note); --write keeps that JSON of
tests/data/every_kind_keras.yaml's model in tests/data/imports/ for tests/test_import_keras.py. The figures,
with their provenance, go to tests/data/reference/exports.tsv, which tests/test_export_code.py checks costcalc
against (without torch or Keras). Run it where torch and Keras are installed:

    python tools/check_exports_in_frameworks.py [--write] [SPEC ...]   (KERAS_BACKEND defaults to torch)

It prints every row where a framework's count differs from costcalc's, and exits 1 if there is one.
"""

from __future__ import annotations

import datetime
import math
import os
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KERAS_BACKEND", "torch")

import costcalc  # noqa: E402
from costcalc.bridges.graph import graph  # noqa: E402
from costcalc.bridges.keras_export import builder_code  # noqa: E402
from costcalc.bridges.pytorch_export import module_code  # noqa: E402
from costcalc.tasks.export import refuse_sequences_and_clips  # noqa: E402

REFERENCE = ROOT / "tests" / "data" / "reference" / "exports.tsv"
ROUND_TRIP = ROOT / "tests" / "data" / "every_kind_keras.yaml"
ROUND_TRIP_JSON = ROOT / "tests" / "data" / "imports" / "every_kind_keras_export.json"
"""Keras's JSON of every_kind_keras.yaml's exported model, which tests/test_import_keras.py imports without Keras."""
COLUMNS = ("spec", "design", "framework", "trainable", "non_trainable", "macs", "output")


def specs(named: list[str]):
    if named:
        return [Path(name).resolve() for name in named]
    data = ROOT / "tests" / "data"
    return sorted(ROOT.glob("specs/**/*.yaml")) + [data / "every_kind.yaml", data / "every_kind_keras.yaml"]


def in_torch(code: str):
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    space: dict = {"__name__": "exported"}
    exec(compile(code, "exported_pytorch.py", "exec"), space)
    model = space["Model"]().eval()
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    buffers = sum(b.numel() for name, b in model.named_buffers() if not name.endswith("num_batches_tracked"))
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        out = model(torch.zeros(space["INPUT"]))
    shapes = {name: tuple(y.shape[1:]) for name, y in (out.items() if isinstance(out, dict) else [("", out)])}
    return (trainable, frozen + buffers, counter.get_total_flops() // 2, outputs_text(
        {name: (*shape[1:], shape[0]) if len(shape) == 3 else shape for name, shape in shapes.items()})), (
        model, torch.zeros(space["INPUT"]))


def outputs_text(shapes: dict) -> str:
    """The output's shape, `7x7x512`; several named ones as `p4:14x14x256 p5:7x7x256` (costcalc's csv)."""
    if list(shapes) == [""]:
        return "x".join(map(str, shapes[""]))
    return " ".join(f"{name}:{'x'.join(map(str, shape))}" for name, shape in shapes.items())


def in_keras(code: str):
    space: dict = {"__name__": "exported"}
    exec(compile(code, "exported_keras.py", "exec"), space)
    model = space["build"]()
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    fixed = sum(math.prod(w.shape) for w in model.non_trainable_weights)
    out = model.output
    return (trainable, fixed, None, outputs_text({name: tuple(y.shape[1:]) for name, y in out.items()} if isinstance(
        out, dict) else {"": tuple(out.shape[1:])})), model.to_json()


def keras_back(text: str) -> tuple | str:
    """`costcalc import` of a Keras model's JSON: its trainable and non-trainable parameters and MACs."""
    from costcalc.bridges.framework import analyzed
    from costcalc.bridges.keras_import import import_keras_json

    try:
        total = analyzed(import_keras_json(text)).designs[0].total
    except costcalc.CostcalcError as refused:
        return f"refused: {refused}"
    return total.trainable_params, total.non_trainable_params, total.macs


def torch_back(model, x) -> tuple | str:
    """The module written by torch.onnx.export (TorchScript, opset 17, batchnorms kept, no weights) and imported by
    `costcalc import`: its parameters and MACs; or why there are none."""
    import torch

    from costcalc.bridges.framework import analyzed, import_source

    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        path = os.path.join(folder, "model.onnx")
        try:
            torch.onnx.export(model, (x,), path, opset_version=17, dynamo=False, export_params=False,
                              training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
        except Exception as failed:  # noqa: BLE001  # torch's exporter, whatever it raises
            return f"torch.onnx.export failed: {type(failed).__name__}: {str(failed).splitlines()[0][:120]}"
        try:
            total = analyzed(import_source(path, None)).designs[0].total
        except costcalc.CostcalcError as refused:
            return f"refused: {refused}"
    return total.params, total.macs


def main(write: bool, named: list[str]) -> int:
    import keras
    import torch

    rows, wrong, notes = [], [], []
    for path in specs(named):
        spec = str(path.relative_to(ROOT))
        for design in costcalc.analyze(costcalc.load(spec)).designs:
            expected = (design.total.trainable_params, design.total.non_trainable_params, design.total.macs,
                        outputs_text(design.outputs or {"": design.output}))
            title = f"{spec} — {design.name}"
            for framework, count, code_of in (("pytorch", in_torch, module_code), ("keras", in_keras, builder_code)):
                try:
                    refuse_sequences_and_clips(design, framework)
                    code = code_of(graph(design), title)
                except costcalc.CostcalcError as refused:  # a layer the framework has no form for
                    print(spec, design.name, framework, f"refused: {refused}", sep="\t", flush=True)
                    continue
                found, saved = count(code)
                rows.append((spec, design.name, framework, *found))
                if any(f is not None and f != e for f, e in zip(found, expected)):
                    wrong.append(f"{spec} {design.name} {framework}: {found} != costcalc's {expected}")
                if framework == "keras":  # Keras's JSON of the built model, imported back: the same counts
                    if write and path == ROUND_TRIP:
                        ROUND_TRIP_JSON.write_text(saved + "\n", encoding="utf-8")
                    if (again := keras_back(saved)) != expected[:3]:
                        wrong.append(f"{spec} {design.name} keras, imported back: {again} != costcalc's {expected[:3]}")
                elif isinstance(again := torch_back(*saved), str):  # torch's exporter's limits, not costcalc's
                    notes.append(f"{spec} {design.name} pytorch, through ONNX: {again}")
                elif again != (expected[0] + expected[1], expected[2]):
                    wrong.append(f"{spec} {design.name} pytorch, through ONNX: {again} != costcalc's "
                                 f"{(expected[0] + expected[1], expected[2])}")
                print(*rows[-1], sep="\t", flush=True)
    print("\n".join(notes + (wrong or ["every framework count equals costcalc's"])))
    if write and not named:
        header = [
            f"# Exported code counted in the frameworks: torch {torch.__version__}, keras {keras.__version__}"
            f" ({keras.backend.backend()} backend), {datetime.date.today().isoformat()}.",
            "# By tools/check_exports_in_frameworks.py --write: each design's `costcalc export --to pytorch` module",
            "# (parameters trainable unless frozen, frozen ones and buffers but num_batches_tracked non-trainable,",
            "# MACs = FlopCounterMode / 2, batch 1) and `--to keras` builder (trainable_weights, "
            "non_trainable_weights;",
            "# no MACs). Output [H, W, C]; several named outputs `name:HxWxC` each.",
        ]
        lines = ["\t".join(COLUMNS), *("\t".join("" if v is None else str(v) for v in row) for row in rows)]
        REFERENCE.write_text("\n".join(header + lines) + "\n", encoding="utf-8")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main("--write" in sys.argv[1:], [arg for arg in sys.argv[1:] if not arg.startswith("--")]))
