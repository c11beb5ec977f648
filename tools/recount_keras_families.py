"""Measure Keras's scaled families for the zoo's parameters: MobileNet (alpha × resolution) and MobileNetV2 (alpha).

Use it to check `costcalc sweep` against the framework. It needs keras and a backend (none
of which costcalc depends on); without them it says so and exits 0. A throwaway venv works
(JAX on the CPU; no weights are downloaded):

    python3 -m venv /tmp/kvenv && /tmp/kvenv/bin/pip install keras jax jaxlib
    KERAS_BACKEND=jax /tmp/kvenv/bin/python tools/recount_keras_families.py > tests/data/reference/keras_families.tsv

Output is TSV, one row per model: its constructor arguments, model.count_params() and its
trainable / non-trainable split, and the MACs of its Conv2D, DepthwiseConv2D and Dense
layers from Keras's own layer shapes (output positions × kernel area × input channels per
group × filters; depthwise: output elements × kernel area; dense: input elements × units).
"""

import os
import sys

MOBILENET = [(alpha, size) for alpha in (0.25, 0.5, 0.75, 1.0) for size in (128, 160, 192, 224)]
MOBILENET_V2 = [0.35, 0.5, 0.75, 1.0, 1.3, 1.4]


def macs(model) -> int:
    """Multiply-accumulates of the conv, depthwise and dense layers, from their input and output shapes."""
    import keras

    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.DepthwiseConv2D):
            _, h, w, c = layer.output.shape
            total += h * w * c * layer.kernel_size[0] * layer.kernel_size[1]
        elif isinstance(layer, keras.layers.Conv2D):
            _, h, w, c = layer.output.shape
            groups = getattr(layer, "groups", 1)
            total += h * w * c * layer.kernel_size[0] * layer.kernel_size[1] * layer.input.shape[-1] // groups
        elif isinstance(layer, keras.layers.Dense):
            inputs = 1
            for d in layer.input.shape[1:]:
                inputs *= d
            total += inputs * layer.units
    return total


def counts(model) -> tuple[int, int, int, int]:
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    non_trainable = sum(int(w.numpy().size) for w in model.non_trainable_weights)
    return model.count_params(), trainable, non_trainable, macs(model)


def main() -> None:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    try:
        import keras
    except ImportError:
        print("keras is not installed; see this script's docstring for a throwaway venv", file=sys.stderr)
        return
    print(f"# Keras {keras.__version__} ({os.environ['KERAS_BACKEND']} backend), weights=None, include_top=True;"
          " measured by tools/recount_keras_families.py")
    print("model\talpha\tresolution\ttotal\ttrainable\tnon_trainable\tmacs")
    for alpha, size in MOBILENET:
        model = keras.applications.MobileNet(weights=None, alpha=alpha, input_shape=(size, size, 3))
        print("MobileNet", alpha, size, *counts(model), sep="\t", flush=True)
    for alpha in MOBILENET_V2:
        model = keras.applications.MobileNetV2(weights=None, alpha=alpha, input_shape=(224, 224, 3))
        print("MobileNetV2", alpha, 224, *counts(model), sep="\t", flush=True)


if __name__ == "__main__":
    main()
