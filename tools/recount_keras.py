"""Recount the Keras networks of costcalc's zoo with Keras itself.

Use it to check costcalc's zoo figures against the framework. It needs keras and a
backend (none of which costcalc depends on); without them it says so and exits 0.
A throwaway venv works (JAX on the CPU; no weights are downloaded):

    python3 -m venv /tmp/kvenv && /tmp/kvenv/bin/pip install keras jax jaxlib
    KERAS_BACKEND=jax /tmp/kvenv/bin/python tools/recount_keras.py
    KERAS_BACKEND=jax /tmp/kvenv/bin/python tools/recount_keras.py --applications

Without options the output is TSV, one row per model: model.count_params() and its
trainable and non-trainable split, as in tests/data/reference/keras.tsv.

    KERAS_BACKEND=jax /tmp/kvenv/bin/python tools/recount_keras.py --input 197

builds every model at 197×197×3 instead, where Keras allows it, and adds its MACs and the
last feature map's shape (tests/data/reference/keras_197.tsv).

With --applications it is tests/data/reference/keras_applications.tsv: every application
keras.applications exports, at its default input and at 197x197x3, and the families of #14
(MobileNet over alpha and resolution, MobileNetV2 over alpha), with their MACs and output
shape besides the parameters. Any backend does (the figures are the same): the frameworks
venv has torch, KERAS_BACKEND=torch.

Keras has no MAC counter, so MACs are taken from the built model, layer by layer, by
costcalc's rule (docs/conventions.md, the rule fvcore applies to the torchvision twins):
Conv2D Ho*Wo*filters*(C/groups)*kh*kw, DepthwiseConv2D Ho*Wo*C*multiplier*kh*kw,
SeparableConv2D its depthwise part plus Ho*Wo*C*multiplier*filters, Dense (input
elements)*units (on [H, W, C]: H*W*C*units). Nested models (ConvNeXt's Sequential stem)
are counted layer by layer. Every other layer has no MACs; a layer with weights that this
rule does not know stops the script rather than count it as 0.
"""

import argparse
import datetime
import importlib
import math
import os
import sys

MODELS = {  # application name: input size
    "InceptionV3": 299,
    "MobileNet": 224,
    "MobileNetV2": 224,
    "ResNet50": 224,
    "VGG16": 224,
}
# The second input side of --applications (every application allows it; the first is the default).
OTHER_SIZE = 197
# Applications whose default input is (None, None, 3) when built with weights=None: the size of their weights.
FLEXIBLE = {"MobileNetV3Large": 224, "MobileNetV3Small": 224}
# Layers with weights that have no MACs under costcalc's rule.
NO_MACS = {"BatchNormalization", "LayerNormalization", "Normalization", "LayerScale"}


def counts(model) -> tuple[int, int, int]:
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    non_trainable = sum(int(w.numpy().size) for w in model.non_trainable_weights)
    return model.count_params(), trainable, non_trainable


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


def layer_macs(layer) -> int:
    """MACs of one layer by costcalc's rule, from its built input and output shapes."""
    kind = type(layer).__name__
    if hasattr(layer, "layers"):  # a nested model, as ConvNeXt's stem and downsampling Sequentials
        return sum(layer_macs(inner) for inner in layer.layers)
    if kind in ("Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Dense"):
        c_in = layer.input.shape[-1]
        out = layer.output.shape[1:]
        positions = math.prod(out[:-1])
        if kind == "Dense":
            return positions * c_in * layer.units
        taps = math.prod(layer.kernel_size)
        if kind == "Conv2D":
            return positions * layer.filters * (c_in // layer.groups) * taps
        depthwise = positions * c_in * layer.depth_multiplier * taps
        if kind == "DepthwiseConv2D":
            return depthwise
        return depthwise + positions * c_in * layer.depth_multiplier * layer.filters
    if layer.weights and kind not in NO_MACS:
        raise SystemExit(f"recount_keras: no MAC rule for {kind} ({layer.name})")
    return 0


def application_names(keras) -> list[str]:
    """Every application keras.applications exports (its model functions: the capitalised names)."""
    return sorted(name for name in dir(keras.applications) if name[0].isupper())


def applications(keras) -> list[tuple[str, dict, int | None]]:
    """(application, keyword arguments, input side or None for its default) for every row of --applications."""
    rows = [(name, {}, side) for name in application_names(keras) for side in (None, OTHER_SIZE)]
    rows += [("MobileNet", {"alpha": alpha}, side)
             for alpha in (0.25, 0.5, 0.75, 1.0) for side in (128, 160, 192, 224)]
    rows += [("MobileNetV2", {"alpha": alpha}, 224) for alpha in (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)]
    return rows


def measure(keras, name: str, kwargs: dict, side: int | None) -> list:
    """One row of --applications: the application built with weights=None at side x side x 3, or its default."""
    side = side or FLEXIBLE.get(name)
    shape = None if side is None else (side, side, 3)
    model = getattr(keras.applications, name)(weights=None, input_shape=shape, **kwargs)
    output = "x".join(str(d) for d in model.output.shape[1:])
    args = ",".join(f"{k}={v}" for k, v in kwargs.items()) or "-"
    macs = sum(layer_macs(layer) for layer in model.layers)
    side = model.input.shape[1]
    keras.backend.clear_session()
    return [name, args, side, *counts(model), macs, output]


def print_applications(keras) -> None:
    backend = keras.backend.backend()
    version = importlib.import_module(backend).__version__
    today = datetime.date.today().isoformat()
    print(f"# Keras {keras.__version__} ({backend} {version} backend) applications, weights=None, include_top=True,"
          f" input_shape=(input, input, 3); measured by KERAS_BACKEND={backend} python tools/recount_keras.py"
          f" --applications on {today}.")
    print(f"# Every application of keras.applications at its default input and at {OTHER_SIZE}x{OTHER_SIZE}x3, then the"
          " families of #14 (MobileNet over alpha and resolution, MobileNetV2 over alpha).")
    print("# total, trainable, non_trainable: model.count_params() and its split; macs: costcalc's rule applied to"
          " every layer of the built model (Conv2D, DepthwiseConv2D, SeparableConv2D, Dense; see the script);"
          " output: the output shape without the batch axis.")
    print("model\targs\tinput\ttotal\ttrainable\tnon_trainable\tmacs\toutput")
    for name, kwargs, side in applications(keras):
        print(*measure(keras, name, kwargs, side), sep="\t", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", action="store_true",
                        help="every application at two sizes and the families of #14, with MACs and output shape")
    parser.add_argument("--input", type=int, metavar="SIDE",
                        help="build the zoo's models at SIDE x SIDE x 3, with MACs and the last feature map")
    args = parser.parse_args()
    keras = import_keras()
    if keras is None:
        return
    if args.applications:
        print_applications(keras)
        return
    size = args.input
    print(f"# Keras {keras.__version__}, weights=None, include_top=True")
    print("model\ttotal\ttrainable\tnon_trainable\tinput" + ("\tmacs\tfeature_map" if size else ""))
    for name, default in MODELS.items():
        side = size or default
        try:
            model = getattr(keras.applications, name)(weights=None, input_shape=(side, side, 3))
        except ValueError as exc:  # a size the application refuses
            print(f"# {name} at {side}: {exc}", flush=True)
            continue
        extra = (sum(map(layer_macs, model.layers)), feature_map(model)) if size else ()
        print(name, *counts(model), side, *extra, sep="\t", flush=True)


if __name__ == "__main__":
    main()
