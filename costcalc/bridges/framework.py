"""From where a model lives to a spec: a file (ONNX, Keras JSON or .keras), a `module:callable` that builds a
PyTorch model, or a model object in a notebook (`costcalc.from_torch`, `costcalc.from_keras`).

Every way goes through the same importers and then the spec reader: a model object is exported to
ONNX in memory (PyTorch) or to its JSON (Keras) first.
"""

from __future__ import annotations

import importlib
import os
import tempfile

from ..errors import CostcalcError
from ..safe import brief

TORCH_OPSET = 17


def import_source(source: str, input_shape=None):
    """The Imported spec of `source`: MODEL.onnx, MODEL.keras, MODEL.json, or module:callable (with `input_shape`)."""
    lowered = source.lower()
    if lowered.endswith(".onnx"):
        from .onnx_import import import_onnx

        return import_onnx(source)
    if lowered.endswith((".keras", ".json")):
        from .keras_import import import_keras_file

        return import_keras_file(source, input_shape)
    if ":" in source and not os.path.exists(source):
        if input_shape is None:
            raise CostcalcError(f"{brief(source)}: a model built by code needs --input H,W,C")
        return import_torch(build(source), input_shape, source.rpartition(":")[2])
    raise CostcalcError(f"{brief(source)}: give a .onnx, .keras or .json file, or module:callable that builds a "
                        "PyTorch model (torchvision.models:resnet18)")


def torch_module():
    try:
        import torch
    except ImportError:
        raise CostcalcError("importing a PyTorch model needs torch (and onnx): "
                            "pip install torch 'costcalc[onnx]'") from None
    return torch


def build(source: str):
    """The model that `module:callable` builds, called with no arguments."""
    torch_module()
    module_name, _, name = source.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as exc:
        raise CostcalcError(f"{brief(source)}: cannot find {brief(name)} in {brief(module_name)} ({exc})") from None
    return factory()


def import_torch(module, input_shape, title: str = "model"):
    """A torch module as an Imported spec: exported to ONNX (TorchScript exporter, batchnorm kept, weights
    left out) in a temporary file, then imported; a module that returns a dict has its outputs named by its keys
    (`output_0` for `0`)."""
    torch = torch_module()
    from .onnx_import import import_onnx

    shape = tuple(input_shape)
    example = torch.zeros(1, shape[2], shape[0], shape[1]) if len(shape) == 3 else torch.zeros(1, shape[0])
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.onnx")
        try:
            with torch.no_grad():
                returned = module.eval()(example)
                names = [output_name(key) for key in returned] if isinstance(returned, dict) else None
                torch.onnx.export(module, (example,), path, opset_version=TORCH_OPSET, export_params=False,
                                  do_constant_folding=False, dynamo=False, output_names=names)
        except Exception as exc:  # noqa: BLE001  the exporter and the model raise anything; the user sees one line
            raise CostcalcError(f"{brief(title)}: torch.onnx.export failed on an input of {list(example.shape)} "
                                f"(input_shape {list(shape)} is [H, W, C]): {type(exc).__name__}: {exc}") from None
        return import_onnx(path, f"{title}.onnx")


def output_name(key) -> str:
    """A dict output's key as an ONNX output name: itself, or `output_0` for `0` (the exporter wants no number)."""
    return f"output_{key}" if str(key).isdigit() else str(key)


def analyzed(imported):
    from ..count.engine import analyze
    from ..spec.reader import loads

    return analyze(loads(imported.text, "<imported>"))


def from_torch(module, input_shape):
    """What `costcalc.analyze` returns, for a PyTorch module on an input of `input_shape`: [H, W, C] (or [C]),
    channels last as every costcalc input (a (3, 224, 224) tensor is input_shape=(224, 224, 3))."""
    return analyzed(import_torch(module, input_shape, type(module).__name__))


def from_keras(model):
    """What `costcalc.analyze` returns, for a Keras model (read from its `to_json()`, Keras's own counts)."""
    from .keras_import import import_keras_json

    return analyzed(import_keras_json(model.to_json(), getattr(model, "name", "model")))
