"""Export networks that are not in costcalc's zoo from the frameworks, import them with `costcalc import`,
and compare parameters and MACs with the frameworks' own figures.

It needs torch, torchvision, onnx and (for --keras) keras, none of which costcalc's core needs. Run it
with a venv that has them; costcalc is read from this repository:

    /work/venvs/frameworks/bin/python tools/import_vs_frameworks.py [--models resnext50_32x4d ...] [--write]

For each torchvision model (weights=None, eval mode, a 1×3×224×224 input):
  - torch's figures: parameters (all trainable), batchnorm running statistics (running_mean and
    running_var, non-trainable in costcalc), MACs as torch.utils.flop_counter.FlopCounterMode's FLOPs / 2
    (convolutions and matrix products);
  - three ONNX files (TorchScript exporter, opset 17): batchnorm folded into the convolutions (eval, the
    exporter's default), with and without weights (export_params=False), and batchnorm kept
    (training=TrainingMode.PRESERVE, do_constant_folding=False, without weights);
  - costcalc import of each, and its report's figures.
With --keras, each Keras Application (weights=None, KERAS_BACKEND=torch): model.to_json(), Keras's
trainable and non-trainable counts, MACs by FlopCounterMode on the torch backend, and costcalc import
of the JSON.

--write copies the small files (ONNX without weights, Keras JSON) to tests/data/imports/ and the
figures to tests/data/reference/imports.tsv, which tests/test_import_reference.py checks without torch.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TORCHVISION = ["mobilenet_v3_small", "efficientnet_b0", "regnet_y_400mf", "densenet121", "squeezenet1_1",
               "resnext50_32x4d", "convnext_small", "shufflenet_v2_x1_0"]
KERAS = ["MobileNetV3Small", "EfficientNetV2B0", "Xception", "ResNet50V2"]
FIXTURES = ROOT / "tests" / "data" / "imports"
REFERENCE = ROOT / "tests" / "data" / "reference" / "imports.tsv"
COLUMNS = ["file", "framework", "input", "params", "trainable", "macs"]


def torch_figures(name: str):
    import torch
    import torchvision
    from torch.utils.flop_counter import FlopCounterMode

    model = getattr(torchvision.models, name)(weights=None).eval()
    x = torch.zeros(1, 3, 224, 224)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(x)
    params = sum(p.numel() for p in model.parameters())
    stats = sum(b.numel() for n, b in model.named_buffers() if n.endswith(("running_mean", "running_var")))
    return model, x, params, stats, counter.get_total_flops() // 2


def batchnorm_channels(path: str) -> int:
    """The channels of the BatchNormalization nodes left in an ONNX file (a batchnorm before a conv is not folded)."""
    import onnx

    graph = onnx.load(path, load_external_data=False).graph
    dims = {t.name: list(t.dims) for t in graph.initializer}
    dims.update({i.name: [d.dim_value for d in i.type.tensor_type.shape.dim] for i in graph.input})
    for node in graph.node:  # the exporter gives equal weights one initializer, and each user an Identity of it
        if node.op_type == "Identity" and node.input[0] in dims:
            dims[node.output[0]] = dims[node.input[0]]
    return sum(dims[n.input[1]][0] for n in graph.node if n.op_type == "BatchNormalization")


def export_torch(name: str, folder: str):
    """(file, input, total parameters, trainable or None, MACs): torch's figures for a file that keeps the batchnorms,
    and where the exporter folded them into the convolutions, torch's less what folding takes away."""
    import torch

    model, x, params, stats, macs = torch_figures(name)
    rows = []
    for suffix, kwargs in (("", {}), ("_noweights", {"export_params": False}),
                           ("_bn", {"export_params": False, "training": torch.onnx.TrainingMode.PRESERVE,
                                    "do_constant_folding": False})):
        path = os.path.join(folder, f"{name}{suffix}.onnx")
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (x,), path, opset_version=17, dynamo=False, **kwargs)
        if suffix == "_bn":
            rows.append((path, "torch", "", params + stats, params, macs))
        else:  # each folded channel: γ and β (trainable) and two statistics become one bias of the conv before
            folded = stats // 2 - batchnorm_channels(path)
            rows.append((path, "torch, batchnorm folded", "", params + stats - 3 * folded, params - folded, macs))
    return rows


def keras_figures(name: str, folder: str):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    model = getattr(keras.applications, name)(weights=None)
    shape = tuple(224 if d is None else d for d in model.input_shape[1:])
    given = "" if None not in model.input_shape[1:] else ",".join(map(str, shape))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, *shape))
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    path = os.path.join(folder, f"{name}.json")
    Path(path).write_text(model.to_json())
    return path, "keras", given, model.count_params(), trainable, counter.get_total_flops() // 2


def costcalc_figures(path: str, given: str):
    from costcalc.bridges.framework import analyzed, import_source
    from costcalc.errors import CostcalcError

    try:
        imported = import_source(path, tuple(int(d) for d in given.split(",")) if given else None)
    except CostcalcError as error:
        return str(error)
    total = analyzed(imported).designs[0].total
    return total.params, total.trainable_params, total.macs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=TORCHVISION)
    parser.add_argument("--keras", nargs="*", default=None, help="Keras Applications (default, with no names: six)")
    parser.add_argument("--write", action="store_true", help="write the fixtures and tests/data/reference/imports.tsv")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    rows = []
    for name in args.models:
        rows += export_torch(name, folder)
    for name in (KERAS if args.keras == [] else args.keras or []):
        rows.append(keras_figures(name, folder))
    print("\t".join(COLUMNS + ["costcalc"]))
    agreeing = []
    for path, framework, given, params, trainable, macs in rows:
        ours = costcalc_figures(path, given)
        same = isinstance(ours, tuple) and ours[0] == params and ours[2] == macs and trainable in ("", ours[1])
        print("\t".join(str(v) for v in (os.path.basename(path), framework, given, params, trainable, macs,
                                         "same" if same else f"DIFFERS: {ours}")))
        if same:
            agreeing.append((path, framework, given, params, trainable, macs))
    if args.write:  # a file costcalc refuses or counts otherwise is printed, not kept
        write(agreeing)
    shutil.rmtree(folder)
    return 0


def write(rows) -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    lines = ["# Made by tools/import_vs_frameworks.py --write: torch 2.14.1, torchvision 0.29.1, keras 3.15.1 (torch",
             "# backend), onnx 1.23.2; weights=None, a 224x224 input unless the model fixes another. params: torch's",
             "# parameters() and batchnorm running statistics (running_mean, running_var), or Keras's count_params();",
             "# where the exporter folded batchnorm, torch's figures less 3 per folded channel "
             "(γ, β and two statistics",
             "# become one bias of the conv before it; the batchnorms left in the file say how many were "
             "folded). trainable:",
             "# torch's parameters(), Keras's trainable_weights. macs: FlopCounterMode's FLOPs / 2 "
             "(convolutions, matrix",
             "# products). Files in tests/data/imports/ (ONNX without weights, Keras JSON).",
             "\t".join(COLUMNS)]
    for path, *figures in rows:
        if os.path.getsize(path) > 1_000_000:
            continue
        shutil.copy(path, FIXTURES / os.path.basename(path))
        lines.append("\t".join(str(v) for v in (os.path.basename(path), *figures)))
    REFERENCE.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
