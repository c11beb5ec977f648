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
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TORCHVISION = ["mobilenet_v3_small", "mobilenet_v3_large", "efficientnet_b0", "efficientnet_v2_s", "regnet_y_400mf",
               "regnet_x_400mf", "densenet121", "squeezenet1_1", "mnasnet0_5", "alexnet", "resnext50_32x4d",
               "wide_resnet50_2", "convnext_small", "shufflenet_v2_x1_0"]
KERAS = ["MobileNetV3Small", "DenseNet121", "EfficientNetV2B0", "Xception", "ResNet50V2", "ConvNeXtSmall"]
FIXTURES = ROOT / "tests" / "data" / "imports"
REFERENCE = ROOT / "tests" / "data" / "reference" / "imports.tsv"
COLUMNS = ["file", "framework", "trainable", "non_trainable", "macs", "costcalc"]


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


def export_torch(name: str, folder: str):
    """(file, trainable, non-trainable, MACs) as the file should import: folded files lose the batchnorms."""
    import torch

    model, x, params, stats, macs = torch_figures(name)
    bn_channels = stats // 2
    rows = []
    for suffix, kwargs in (("", {}), ("_noweights", {"export_params": False}),
                           ("_bn", {"export_params": False, "training": torch.onnx.TrainingMode.PRESERVE,
                                    "do_constant_folding": False})):
        path = os.path.join(folder, f"{name}{suffix}.onnx")
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (x,), path, opset_version=17, dynamo=False, **kwargs)
        if suffix == "_bn":
            rows.append((path, params, stats, macs))
        else:  # each batchnorm's γ and β (2 per channel) become one bias per channel of the convolution before it
            rows.append((path, params - bn_channels, 0, macs))
    return rows


def keras_figures(name: str, folder: str):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    model = getattr(keras.applications, name)(weights=None)
    shape = model.input_shape[1:]
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, *shape))
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    path = os.path.join(folder, f"{name}.json")
    Path(path).write_text(model.to_json())
    return path, trainable, model.count_params() - trainable, counter.get_total_flops() // 2


def costcalc_figures(path: str):
    from costcalc.bridges.framework import analyzed, import_source
    from costcalc.errors import CostcalcError

    try:
        total = analyzed(import_source(path)).designs[0].total
    except CostcalcError as error:
        return str(error)
    return total.trainable_params, total.non_trainable_params, total.macs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=TORCHVISION)
    parser.add_argument("--keras", nargs="*", default=None, help="Keras Applications (default: a list of six)")
    parser.add_argument("--write", action="store_true", help="write the fixtures and tests/data/reference/imports.tsv")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    rows = []
    for name in args.models:
        rows += [(path, "torch", *figures) for path, *figures in export_torch(name, folder)]
    for name in (KERAS if args.keras == [] else args.keras or []):
        path, *figures = keras_figures(name, folder)
        rows.append((path, "keras", *figures))
    print("\t".join(COLUMNS))
    kept = []
    for path, framework, trainable, non_trainable, macs in rows:
        ours = costcalc_figures(path)
        verdict = "same" if ours == (trainable, non_trainable, macs) else f"DIFFERS: {ours}"
        print("\t".join(str(v) for v in (os.path.basename(path), framework, trainable, non_trainable, macs, verdict)))
        kept.append((path, framework, trainable, non_trainable, macs))
    if args.write:
        write(kept)
    shutil.rmtree(folder)
    return 0


def write(rows) -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    lines = ["# Made by tools/import_vs_frameworks.py --write: torch 2.14.1, torchvision 0.29.1, keras 3.15.1 (torch",
             "# backend), onnx 1.23.2. Parameters: torch's parameters() and batchnorm running statistics; Keras's",
             "# trainable_weights and count_params(). MACs: FlopCounterMode's FLOPs / 2. Files in tests/data/imports/.",
             "\t".join(COLUMNS[:5])]
    for path, framework, trainable, non_trainable, macs in rows:
        if path.endswith(".onnx") and os.path.getsize(path) > 1_000_000:
            continue
        shutil.copy(path, FIXTURES / os.path.basename(path))
        lines.append("\t".join(str(v) for v in (os.path.basename(path), framework, trainable, non_trainable, macs)))
    REFERENCE.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
