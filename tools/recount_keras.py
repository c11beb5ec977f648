"""Recount the Keras networks of costcalc's zoo with Keras itself.

Use it to check costcalc's zoo figures against the framework. It needs keras and a
backend (none of which costcalc depends on); without them it says so and exits 0.
A throwaway venv works (JAX on the CPU; no weights are downloaded):

    python3 -m venv /tmp/kvenv && /tmp/kvenv/bin/pip install keras jax jaxlib
    KERAS_BACKEND=jax /tmp/kvenv/bin/python tools/recount_keras.py

Output is TSV, one row per model: model.count_params() and its trainable and
non-trainable split, as in tests/data/reference/keras.tsv.

    KERAS_BACKEND=jax /tmp/kvenv/bin/python tools/recount_keras.py --input 197

builds every model at 197×197×3 instead, where Keras allows it, and adds the MACs of its
Conv2D, DepthwiseConv2D and Dense layers from their shapes, and the last feature map's shape
(tests/data/reference/keras_197.tsv).
"""

import os
import sys

MODELS = {  # application name: input size
    "InceptionV3": 299,
    "MobileNet": 224,
    "MobileNetV2": 224,
    "ResNet50": 224,
    "VGG16": 224,
}


def counts(model) -> tuple[int, int, int]:
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    non_trainable = sum(int(w.numpy().size) for w in model.non_trainable_weights)
    return model.count_params(), trainable, non_trainable


def macs(model) -> int:
    """Multiply-accumulates of the conv, depthwise and dense layers, from Keras's own layer shapes."""
    total = 0
    for layer in model.layers:
        kind = type(layer).__name__
        if kind not in ("Conv2D", "DepthwiseConv2D", "Dense"):
            continue
        out = [int(d) for d in layer.output.shape[1:]]
        kernel = layer.kernel.shape  # Conv2D: kh, kw, cin, cout; Depthwise: kh, kw, cin, mult; Dense: in, units
        per_output = int(kernel[0]) if kind == "Dense" else int(kernel[0]) * int(kernel[1]) * (
            1 if kind == "DepthwiseConv2D" else int(kernel[2]) // getattr(layer, "groups", 1))
        elements = 1
        for d in out:
            elements *= d
        total += elements * per_output
    return total


def feature_map(model) -> str:
    """HxWxC of the last layer with height and width (the map the head pools)."""
    last = [layer for layer in model.layers if len(layer.output.shape) == 4][-1]
    return "x".join(map(str, last.output.shape[1:]))


def import_keras():
    """keras on the JAX backend, or None (said on stderr) where it is not installed."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    try:
        import keras
    except ImportError:
        print("keras is not installed; see this script's docstring for a throwaway venv", file=sys.stderr)
        return None
    return keras


def main() -> None:
    keras = import_keras()
    if keras is None:
        return
    size = int(sys.argv[sys.argv.index("--input") + 1]) if "--input" in sys.argv else None
    print(f"# Keras {keras.__version__}, weights=None, include_top=True")
    print("model\ttotal\ttrainable\tnon_trainable\tinput" + ("\tmacs\tfeature_map" if size else ""))
    for name, default in MODELS.items():
        side = size or default
        try:
            model = getattr(keras.applications, name)(weights=None, input_shape=(side, side, 3))
        except ValueError as exc:  # a size the application refuses
            print(f"# {name} at {side}: {exc}", flush=True)
            continue
        extra = (macs(model), feature_map(model)) if size else ()
        print(name, *counts(model), side, *extra, sep="\t", flush=True)


if __name__ == "__main__":
    main()
