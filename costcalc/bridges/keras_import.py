"""`costcalc import model.keras` / `model.json`: a Keras 3 model's JSON (`model.to_json()`, or config.json in a
.keras file) as a spec, read as JSON: Keras is not needed.

A Functional model's layers are read in their order, each from the tensors its inbound node names
(`keras_history`); a Sequential model, or a Sequential nested in a model, runs its layers in turn.
Each layer class is one function in `LAYERS`, returning the spec kind and options; a class that
is not there is refused, never priced as zero.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass

from ..errors import CostcalcError
from ..files import read_file
from ..limits import MAX_FILE_BYTES
from ..model.ops import OPS
from ..model.options import ACTIVATIONS
from ..safe import brief
from .spec_writer import INPUT, Imported, ImportRefusal, SpecBuilder, registrar, safe_name

KERAS_ACTIVATIONS = {"linear": None, "swish": "swish", "silu": "silu", "hard_sigmoid": "hsigmoid",
                     "hard_silu": "hswish", "hard_swish": "hswish", **{name: name for name in ACTIVATIONS}}
"""Keras's activation names → costcalc's (None: none)."""


def import_keras_file(path: str, input_shape=None) -> Imported:
    """A .keras file (its config.json) or a JSON file of `model.to_json()`."""
    if path.lower().endswith(".keras"):
        text = keras_config(path)
    else:
        data = read_file(path, "a Keras model's JSON")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise CostcalcError(f"{path}: not UTF-8 text; give model.to_json() or a .keras file") from None
    name = os.path.splitext(os.path.basename(path))[0]
    return import_keras_json(text, name, input_shape, path)


def keras_config(path: str) -> str:
    """config.json from a .keras file (a zip), read within MAX_FILE_BYTES; the weights are not read."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("config.json")
            if info.file_size > MAX_FILE_BYTES:
                raise CostcalcError(f"{path}: its config.json is larger than {MAX_FILE_BYTES // 2**20} MiB")
            return archive.read(info).decode("utf-8")
    except (OSError, zipfile.BadZipFile, KeyError, UnicodeDecodeError) as exc:
        raise CostcalcError(f"{path}: not a .keras file with a config.json ({exc})") from None


def import_keras_json(text: str, name: str = "model", input_shape=None, where: str = "<keras>") -> Imported:
    """The spec of a Keras model given as its JSON text; `input_shape` [H, W, C] where the model leaves sizes open."""
    try:
        model = json.loads(text)
        config = model["config"]
        layers = config["layers"]
    except (ValueError, KeyError, TypeError) as exc:
        raise CostcalcError(f"{where}: not a Keras model's JSON (model.to_json()): {exc}") from None
    importer = KerasImporter(input_shape)
    try:
        if model.get("class_name") == "Sequential":
            ended(importer.sequential(layers, INPUT, first=True))
        else:
            importer.functional(layers)
            importer.outputs(config.get("output_layers"))
    except ImportRefusal as refusal:
        raise CostcalcError(f"{where}: {refusal}") from None
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise CostcalcError(f"{where}: a layer's config is not as Keras 3 writes it "
                            f"({type(exc).__name__}: {exc})") from None
    builder = importer.builder
    if builder is None:
        raise CostcalcError(f"{where}: the model has no input layer and no layers; nothing to import")
    title = safe_name(name) or "model"
    header = [f"Imported by costcalc import from the Keras model {title}."]
    return counted(builder.text(header, title), len(builder.items), where)


def counted(text: str, layers: int, where: str) -> Imported:
    """The spec, once the spec reader has read it and the engine counted its parameters."""
    from ..count.engine import analyze
    from ..spec.reader import loads

    total = analyze(loads(text, where + ".yaml")).designs[0].total
    return Imported(text, total.params, layers)


class KerasImporter:
    def __init__(self, input_shape=None):
        self.input_shape = tuple(input_shape) if input_shape else None
        self.builder: SpecBuilder | None = None
        self.tensors: dict[tuple, int] = {}
        self.arguments: list = []
        """The arguments of the call being read, as its inbound node holds them (an op's key, beside its tensors)."""

    def start(self, batch_shape) -> None:
        shape = tuple(batch_shape[1:])
        if self.input_shape:
            shape = self.input_shape
        if not shape or any(d is None for d in shape):
            raise ImportRefusal(f"the model's input is {list(batch_shape)}, with sizes left open; give --input H,W,C")
        if len(shape) not in (1, 3):
            raise ImportRefusal(f"the model's input is {list(shape)}; costcalc imports [H, W, C] or [C]")
        self.builder = SpecBuilder(shape)

    def functional(self, layers) -> None:
        for layer in layers:
            name = layer["config"].get("name", layer.get("name"))
            if layer["class_name"] == "InputLayer":
                if self.builder is not None:
                    raise ImportRefusal("the model has more than one input; costcalc imports a model of one input")
                self.start(layer["config"]["batch_shape"])
                self.tensors[(name, 0, 0)] = INPUT
                continue
            nodes = layer.get("inbound_nodes", [])
            if len(nodes) != 1:
                raise ImportRefusal(f"layer {brief(name)} ({layer['class_name']}) is called {len(nodes)} times; "
                                    "costcalc imports layers called once")
            sources = [self.tensor(history) for history in histories(nodes[0])]
            self.arguments = nodes[0].get("args", [])
            made = self.call(layer, sources)
            for index, tensor in enumerate(made if isinstance(made, list) else [made]):
                self.tensors[(name, 0, index)] = tensor

    def outputs(self, ends) -> None:
        """A model of several outputs (`output_layers`: a list, or a dict by name) ends in `outputs:`, each named
        as the model names it (its key, else its layer)."""
        named = ends if isinstance(ends, dict) else {end[0]: end for end in ends or () if isinstance(end, list)}
        if self.builder is None:
            return
        tensors = {ended(self.tensor(history)): str(name) for name, history in named.items()}
        if len(named) < 2:
            return
        if len(tensors) < len(named) or INPUT in tensors:
            raise ImportRefusal("two of the model's outputs are the same tensor, or one is its input; a spec names"
                                " each output once, made by a layer")
        self.builder.outputs = tensors

    def tensor(self, history) -> int:
        key = (history[0], history[1], history[2])
        if key not in self.tensors:
            raise ImportRefusal(f"a layer reads {brief(history[0])} before it is made")
        return self.tensors[key]

    def sequential(self, layers, source: int, first: bool = False) -> int:
        for layer in layers:
            if layer["class_name"] == "InputLayer":
                if first and self.builder is None:
                    self.start(layer["config"]["batch_shape"])
                continue
            if self.builder is None:
                self.start(layer.get("build_config", {}).get("input_shape") or [None])
            source = self.call(layer, [source])
            if isinstance(source, list):
                raise ImportRefusal(f"a Sequential model splits at {brief(layer['config'].get('name'))}; "
                                    "costcalc reads a split in a Functional model")
        return source

    def call(self, layer, sources: list[int]) -> int:
        cls, config = layer["class_name"], layer["config"]
        if cls == "Sequential":
            return self.sequential(config["layers"], sources[0])
        if cls not in LAYERS:
            raise ImportRefusal(f"layer {brief(config.get('name'))} is a {cls}, which costcalc cannot express")
        name = safe_name(config.get("name", ""))
        if cls not in ("Reshape", "Permute") and any(isinstance(source, Grouped) for source in sources):
            raise ImportRefusal(f"layer {brief(config.get('name'))} ({cls}) reads channels reshaped into groups; "
                                "costcalc reads them only in a channel shuffle (Reshape, Permute, Reshape back)")
        made = len(self.builder.items) if self.builder else 0
        try:
            tensors = LAYERS[cls](self, cls, config, name, sources)
        except ImportRefusal as refusal:
            raise ImportRefusal(f"layer {brief(config.get('name'))} ({cls}): {refusal}") from None
        if config.get("trainable") is False and self.builder:  # frozen: its weights are non-trainable, as Keras's
            for item in self.builder.items[made:]:
                if item.kind in OPS and OPS[item.kind].has_weights():
                    item.options["trainable"] = False
        return tensors

    def layer(self, kind: str, options: dict, name, source: int) -> int:
        assert self.builder is not None, "a layer comes after the input"
        return self.builder.layer(kind, options, name, source)


def histories(node) -> list:
    """The keras_history of every tensor an inbound node reads, in order (a merge's list, or an op's arguments)."""
    found = []

    def scan(value):
        if isinstance(value, dict):
            if value.get("class_name") == "__keras_tensor__":
                found.append(value["config"]["keras_history"])
            else:
                for item in value.values():
                    scan(item)
        elif isinstance(value, list):
            for item in value:
                scan(item)

    scan(node.get("args", []))
    return found


def activation_kind(name) -> str | None:
    if isinstance(name, dict):
        name = name.get("config", {}).get("name", name.get("class_name"))
    if name not in KERAS_ACTIVATIONS:
        raise ImportRefusal(f"has the activation {brief(name)}, which costcalc cannot express")
    return KERAS_ACTIVATIONS[name]


def pair(value) -> int | list[int]:
    value = [int(v) for v in value] if isinstance(value, (list, tuple)) else [int(value)] * 2
    return value[0] if value[0] == value[1] else value


def sliding(config, kernel_key: str = "kernel_size") -> dict:
    if config.get("data_format", "channels_last") != "channels_last":
        raise ImportRefusal("is channels_first; costcalc reads channels_last models")
    options = {"kernel": pair(config[kernel_key])}
    if pair(config.get("strides", 1)) != 1:
        options["stride"] = pair(config["strides"])
    options["padding"] = config.get("padding", "valid")
    if pair(config.get("dilation_rate", 1)) != 1:
        options["dilation"] = pair(config["dilation_rate"])
    return options


def with_activation(options: dict, config) -> dict:
    kind = activation_kind(config.get("activation", "linear"))
    return {**options, "bias": bool(config.get("use_bias", True)), **({"activation": kind} if kind else {})}


LAYERS: dict = {}
keras = registrar(LAYERS)
CONVOLUTIONS = {"Conv2D": ("conv", "groups", "groups", 1),
                "DepthwiseConv2D": ("depthwise", "depth_multiplier", "multiplier", 1),
                "SeparableConv2D": ("separable", "depth_multiplier", "multiplier", 1),
                "Conv2DTranspose": ("conv_transpose", "output_padding", "output_padding", None)}
"""Keras's convolutions: costcalc's kind, and the option beyond kernel, strides, padding and dilation (Keras's name,
costcalc's, Keras's default), written where it is not the default."""


@keras(*CONVOLUTIONS)
def convolution(importer, cls, config, name, sources):
    kind, key, option, default = CONVOLUTIONS[cls]
    options = {"filters": config["filters"]} if "filters" in config and kind != "depthwise" else {}
    options.update(sliding(config))
    if config.get(key, default) != default:
        options[option] = pair(config[key]) if option == "output_padding" else config[key]
    return importer.layer(kind, with_activation(options, config), name, sources[0])


@keras("Dense")
def dense(importer, cls, config, name, sources):
    return importer.layer("dense", with_activation({"units": config["units"]}, config), name, sources[0])


def last_axis(config, shape) -> None:
    axes = config.get("axis", -1)
    axes = axes if isinstance(axes, list) else [axes]
    if [a % (len(shape) + 1) for a in axes] != [len(shape)]:  # Keras counts the batch axis
        raise ImportRefusal(f"works along axis {axes}; costcalc's normalisations work along the channels (-1)")


def centered(config) -> dict:
    return {key: False for key in ("center", "scale") if config.get(key, True) is False}


@keras("BatchNormalization")
def batchnorm(importer, cls, config, name, sources):
    last_axis(config, importer.builder.shape(sources[0]))
    return importer.layer("batchnorm", centered(config), name, sources[0])


@keras("LayerNormalization")
def layernorm(importer, cls, config, name, sources):
    last_axis(config, importer.builder.shape(sources[0]))
    if config.get("rms_scaling"):
        raise ImportRefusal("uses rms_scaling, which costcalc's layernorm does not count")
    return importer.layer("layernorm", centered(config), name, sources[0])


@keras("GroupNormalization")
def groupnorm(importer, cls, config, name, sources):
    last_axis(config, importer.builder.shape(sources[0]))
    return importer.layer("groupnorm", {"groups": config["groups"], **centered(config)}, name, sources[0])


@keras("Normalization")
def normalization(importer, cls, config, name, sources):
    last_axis(config, importer.builder.shape(sources[0]))
    if config.get("invert"):
        raise ImportRefusal("is inverted, which costcalc cannot express")
    if config.get("mean") is not None:  # constants, not weights: as Rescaling, two operations per element
        return importer.layer("rescaling", {"scale": 1.0}, name, sources[0])
    return importer.layer("normalization", {}, name, sources[0])


@keras("Rescaling")
def rescaling(importer, cls, config, name, sources):
    scale, offset = config.get("scale", 1.0), config.get("offset", 0.0)
    if not all(isinstance(v, (int, float)) for v in (scale, offset)):
        raise ImportRefusal("scales by a value per channel, which costcalc cannot express")
    return importer.layer("rescaling", {"scale": scale, **({"offset": offset} if offset else {})}, name, sources[0])


@keras("LayerScale")
def layer_scale(importer, cls, config, name, sources):
    return importer.layer("layer_scale", {}, name, sources[0])


@keras("Activation")
def activation(importer, cls, config, name, sources):
    kind = activation_kind(config["activation"])
    return importer.layer(kind, {}, name, sources[0]) if kind else sources[0]


@keras("ReLU")
def relu(importer, cls, config, name, sources):
    if config.get("threshold", 0):
        raise ImportRefusal("has a threshold, which costcalc cannot express")
    kind: str | None = "leaky_relu"
    if not config.get("negative_slope", 0):
        kind = {None: "relu", 6: "relu6"}.get(config.get("max_value"))  # 6.0 == 6, one key
    if kind is None:
        raise ImportRefusal(f"caps at {config.get('max_value')}; costcalc knows relu and relu6")
    return importer.layer(kind, {}, name, sources[0])


SIMPLE = {"LeakyReLU": "leaky_relu", "ELU": "elu", "Softmax": "softmax", "Flatten": "flatten"}


@keras(*SIMPLE)
def simple(importer, cls, config, name, sources):
    if config.get("axis", -1) not in (-1, [-1]):
        raise ImportRefusal(f"works along axis {config['axis']}, not the channels")
    return importer.layer(SIMPLE[cls], {}, name, sources[0])


@keras("PReLU")
def prelu(importer, cls, config, name, sources):
    rank = len(importer.builder.shape(sources[0]))
    shared = sorted(config.get("shared_axes") or [])
    every = tuple(range(1, rank + 1))  # Keras counts the batch axis
    slopes = {(): "element", every: "shared", every[:-1]: "channel"}.get(tuple(shared))
    if slopes is None:
        raise ImportRefusal(f"shares its slopes along axes {shared}, which costcalc cannot express")
    return importer.layer("prelu", {"slopes": slopes}, name, sources[0])


@keras("MaxPooling2D", "AveragePooling2D")
def pool(importer, cls, config, name, sources):
    options = {"size": pair(config["pool_size"]), "stride": pair(config.get("strides") or config["pool_size"]),
               "padding": config.get("padding", "valid")}
    kind = "maxpool" if cls == "MaxPooling2D" else "avgpool"
    return importer.layer(kind, options, name, sources[0])


@keras("GlobalAveragePooling2D", "GlobalMaxPooling2D")
def global_pool(importer, cls, config, name, sources):
    kind = "global_avgpool" if cls == "GlobalAveragePooling2D" else "global_maxpool"
    return importer.layer(kind, {"keepdims": bool(config.get("keepdims", False))}, name, sources[0])


@keras("ZeroPadding2D", "Cropping2D")
def pad(importer, cls, config, name, sources):
    key, kind = ("padding", "zeropad") if cls == "ZeroPadding2D" else ("cropping", "crop")
    value = config[key]
    value = [[value, value]] * 2 if isinstance(value, int) else [v if isinstance(v, list) else [v, v] for v in value]
    return importer.layer(kind, {key: [value[0][0], value[0][1], value[1][0], value[1][1]]}, name, sources[0])


@keras("UpSampling2D")
def upsampling(importer, cls, config, name, sources):
    mode = config.get("interpolation", "nearest")
    if mode not in ("nearest", "bilinear"):
        raise ImportRefusal(f"interpolates {brief(mode)}; costcalc counts nearest and bilinear")
    options = {"scale": pair(config.get("size", 2)), **({"mode": mode} if mode != "nearest" else {})}
    return importer.layer("resize", options, name, sources[0])


@keras("Resizing")
def resizing(importer, cls, config, name, sources):
    mode = config.get("interpolation", "bilinear")
    if mode not in ("nearest", "bilinear") or config.get("crop_to_aspect_ratio") or config.get("pad_to_aspect_ratio"):
        raise ImportRefusal("resizes other than nearest or bilinear to a size, which costcalc cannot express")
    options = {"size": [config["height"], config["width"]], **({"mode": mode} if mode != "nearest" else {})}
    return importer.layer("resize", options, name, sources[0])


@keras("Dropout", "SpatialDropout2D", "GaussianDropout", "GaussianNoise", "ActivityRegularization")
def dropout(importer, cls, config, name, sources):
    return importer.layer("dropout", {}, name, sources[0])


@keras("Identity")
def identity(importer, cls, config, name, sources):
    return sources[0]


@keras("Reshape")
def reshape(importer, cls, config, name, sources):
    """[C] → [1, 1, C] after a global pool (squeeze-and-excitation) is the pool with keepdims; [..] → [n] a flatten;
    [.., C] → [.., groups, C/groups] begins a channel shuffle (`Grouped`), and back to [.., C] after its Permute
    ends one."""
    source, target = sources[0], list(config["target_shape"])
    if isinstance(source, Grouped):
        if target != list(importer.builder.shape(source.source)):
            raise ImportRefusal(f"reshapes the channels in {source.groups} groups to {target}; costcalc reads them "
                                "back to the shape they had (a channel shuffle)")
        return importer.layer("channel_shuffle", {"groups": source.groups}, name, source.source) if source.swapped \
            else source.source
    shape = importer.builder.shape(source)
    items = importer.builder.items
    if target == list(shape):
        return source
    pooled = source != INPUT and source == len(items) - 1 and items[-1].kind.startswith("global_")
    if target == [1, 1, shape[-1]] and len(shape) == 1 and pooled:
        items[source].options["keepdims"] = True
        items[source].shape = (1, 1, shape[-1])
        return source
    if len(target) == 1:
        return importer.layer("flatten", {}, name, source)
    if target[:-2] == list(shape[:-1]) and len(target) == len(shape) + 1 and target[-2] * target[-1] == shape[-1] \
            and min(target[-2:]) > 0:
        return Grouped(source, target[-2])
    raise ImportRefusal(f"reshapes {list(shape)} to {target}, which costcalc cannot express")


@keras("Permute")
def permute(importer, cls, config, name, sources):
    """The swap of a channel shuffle's two last axes; any other permutation is refused."""
    source, dims = sources[0], list(config["dims"])
    rank = len(importer.builder.shape(source.source)) if isinstance(source, Grouped) else 0
    if not isinstance(source, Grouped) or source.swapped or dims != [*range(1, rank), rank + 1, rank]:
        raise ImportRefusal(f"permutes the axes as {dims}; costcalc reads a Permute only in a channel shuffle "
                            "(Reshape to [.., groups, C/groups], swap the two, Reshape back)")
    return Grouped(source.source, source.groups, swapped=True)


def ended(tensor):
    """A model's output, which a spec's design ends in: a tensor of its own, not one reshaped into groups."""
    if isinstance(tensor, Grouped):
        raise ImportRefusal("the model ends in its channels reshaped into groups; costcalc reads them only in a "
                            "channel shuffle (Reshape, Permute, Reshape back)")
    return tensor


@dataclass(frozen=True)
class Grouped:
    """A tensor's channels reshaped into `groups` groups (the middle of a channel shuffle; `swapped` after its
    Permute): no costcalc tensor, only a Reshape or Permute may read it."""

    source: int
    groups: int
    swapped: bool = False


@keras("Split")
def split(importer, cls, config, name, sources):
    """`keras.ops.split` of the channels: a slice per part, each a tensor of its own (equal parts, or cut at the
    indices given, as numpy cuts)."""
    channels = channel_count(importer.builder.shape(sources[0]), config.get("axis", 0))
    cuts = config["indices_or_sections"]
    if isinstance(cuts, int):
        if cuts < 1 or channels % cuts:
            raise ImportRefusal(f"splits {channels} channels into {cuts} equal parts, which do not divide them")
        bounds = [channels * part // cuts for part in range(cuts + 1)]
    else:
        bounds = [0, *(slice(int(cut)).indices(channels)[1] for cut in cuts), channels]
    if any(end <= start for start, end in zip(bounds, bounds[1:])):
        raise ImportRefusal(f"cuts {channels} channels at {brief(cuts)}, which leaves a part empty")
    return [importer.layer("slice", {"start": start, "end": end}, f"{name}_{part}" if name else None, sources[0])
            for part, (start, end) in enumerate(zip(bounds, bounds[1:]))]


@keras("GetItem")
def get_item(importer, cls, config, name, sources):
    """`x[..., a:b]` (or `x[:, :, :, a:b]`): a slice of the channels; a key that takes anything else is refused."""
    shape = importer.builder.shape(sources[0])
    key = importer.arguments[1] if len(importer.arguments) > 1 else None
    items: list = list(key) if isinstance(key, list) else [key]
    if items and items[0] == ELLIPSIS:
        items = [ALL] * (len(shape) + 1 - len(items[1:])) + items[1:]
    items += [ALL] * (len(shape) + 1 - len(items))
    last = items[-1]
    if len(items) != len(shape) + 1 or any(item != ALL for item in items[:-1]) or not _is_slice(last):
        raise ImportRefusal(f"takes x[{key_text(key)}] of a {list(shape)} tensor; costcalc reads a range of the "
                            "channels (x[..., a:b])")
    if last == ALL:
        return sources[0]
    start, end, step = slice(*(last["config"][bound] for bound in ("start", "stop", "step"))).indices(shape[-1])
    if step != 1 or end <= start:
        raise ImportRefusal(f"takes channels {start} to {end} by {step}; costcalc reads a non-empty range, step 1")
    return importer.layer("slice", {"start": start, "end": end}, name, sources[0])


ALL = {"class_name": "__slice__", "config": {"start": None, "stop": None, "step": None}}
"""A key's `:` and `...`, as Keras writes them."""
ELLIPSIS = {"class_name": "__ellipsis__", "config": {}}


def key_text(key) -> str:
    """A GetItem's key as Python writes it (`..., 2:`), its parts made visible."""
    def part(item) -> str:
        if _is_slice(item):
            bounds = [item["config"].get(end) for end in ("start", "stop", "step")]
            return ":".join("" if bound is None else brief(bound) for bound in bounds).removesuffix(":")
        return "..." if item == ELLIPSIS else brief(item)

    return ", ".join(map(part, key if isinstance(key, list) else [key]))


def _is_slice(item) -> bool:
    return isinstance(item, dict) and item.get("class_name") == "__slice__"


def channel_count(shape, axis) -> int:
    """The channels of a tensor an op works on along `axis` (Keras counting the batch axis), or refused."""
    if not isinstance(axis, int) or axis % (len(shape) + 1) != len(shape):
        raise ImportRefusal(f"works along axis {brief(axis)}; costcalc splits the channels (axis -1)")
    return shape[-1]


MERGES = {"Add": "add", "Multiply": "multiply", "Concatenate": "concat"}


@keras(*MERGES)
def merge(importer, cls, config, name, sources):
    kind = MERGES[cls]
    if not sources:
        raise ImportRefusal("joins no tensors")
    if kind == "concat" and config.get("axis", -1) not in (-1, len(importer.builder.shape(sources[0]))):
        raise ImportRefusal(f"joins along axis {config['axis']}, not the channels")
    if len(sources) == 1:
        return sources[0]
    return importer.builder.merge(kind, tuple(sources), name)
