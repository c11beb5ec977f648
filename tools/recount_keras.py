"""Recount the Keras networks of costcalc's zoo with Keras itself.

Use it to check costcalc's zoo figures against the framework. It needs keras and a
backend (none of which costcalc depends on); without them it says so and exits 0.
A throwaway venv works (JAX on the CPU; no weights are downloaded):

    python3 -m venv /tmp/kvenv && /tmp/kvenv/bin/pip install keras jax jaxlib
    KERAS_BACKEND=jax /tmp/kvenv/bin/python tools/recount_keras.py

Output is TSV, one row per model: model.count_params() and its trainable and
non-trainable split, as in tests/data/reference/keras.tsv.
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
    print(f"# Keras {keras.__version__}, weights=None, include_top=True")
    print("model\ttotal\ttrainable\tnon_trainable\tinput")
    for name, size in MODELS.items():
        model = getattr(keras.applications, name)(weights=None, input_shape=(size, size, 3))
        print(name, *counts(model), size, sep="\t", flush=True)


if __name__ == "__main__":
    main()
