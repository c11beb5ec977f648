"""An ONNX graph as the importer reads it: the model read within bounds, its constants (initializers,
weight inputs, Constant nodes) and the shape-only arithmetic over them worked out with numpy.

Imported inside the functions that need it: onnx and numpy are loaded only by `costcalc import`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import CostcalcError
from ..limits import MAX_MODEL_BYTES
from .spec_writer import ImportRefusal

MAX_VALUE_ELEMENTS = 1 << 16
"""The largest constant whose values the importer reads (shapes and scalars are far smaller);
larger ones are weights, of which only the shape counts."""


@dataclass(slots=True)
class Const:
    """A tensor known before the model runs: its shape, and its values where the file holds them."""

    shape: tuple[int, ...]
    value: np.ndarray | None = None
    weight: str | None = None
    """The initializer or graph input it is (or moves about: a Cast, Reshape... of it), for a tensor the model's
    parameters count; None for a constant (a Constant node, or a value worked out)."""

    def known(self, what: str) -> np.ndarray:
        if self.value is None:
            raise ImportRefusal(f"needs the values of {what}, which the file does not hold")
        return self.value

    @property
    def size(self) -> int:
        return math.prod(self.shape)


def read_model(path: str):
    """The ModelProto in `path`, its external data (if any) not loaded."""
    import onnx
    from google.protobuf.message import DecodeError

    from ..files import read_file

    data = read_file(path, "an ONNX model", MAX_MODEL_BYTES)
    try:
        model = onnx.load_model_from_string(data)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise CostcalcError(f"{path}: not an ONNX model ({exc})") from None
    if not model.HasField("graph"):
        raise CostcalcError(f"{path}: not an ONNX model (no graph)")
    return model


def tensor_const(tensor, weight: str | None = None) -> Const:
    """An initializer (`weight`: its name) or Constant tensor; its values when it holds them here and they are small."""
    from onnx import TensorProto, numpy_helper

    shape = tuple(int(d) for d in tensor.dims)
    external = tensor.data_location == TensorProto.EXTERNAL
    if external or math.prod(shape) > MAX_VALUE_ELEMENTS:
        return Const(shape, weight=weight)
    return Const(shape, numpy_helper.to_array(tensor), weight)


def attribute_const(node) -> Const:
    """The value of a Constant node."""
    from onnx import helper

    for attribute in node.attribute:
        if attribute.name == "value":
            return tensor_const(attribute.t)
        if attribute.name in ("value_float", "value_int", "value_floats", "value_ints"):
            value = np.array(helper.get_attribute_value(attribute))
            return Const(value.shape, value)
    raise ImportRefusal("a Constant without a value costcalc reads (value, value_float(s) or value_int(s))")


def attributes(node) -> dict:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _slice(data, starts, ends, axes=None, steps=None):
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    index = [slice(None)] * data.ndim
    for start, end, axis, step in zip(starts, ends, axes, steps):
        index[int(axis)] = slice(int(start), int(end), int(step))
    return data[tuple(index)]


def _reshape(data, shape, allowzero=0):
    shape = [data.shape[i] if (d == 0 and not allowzero) else int(d) for i, d in enumerate(shape)]
    return data.reshape(shape)


def _axes(node_attrs, inputs, position):
    return tuple(int(a) for a in (inputs[position] if len(inputs) > position else node_attrs.get("axes", ())))


def _divide(a, b):
    return np.trunc(a / b).astype(np.result_type(a, b)) if np.issubdtype(np.result_type(a, b), np.integer) else a / b


FOLDS: dict[str, Callable[..., Any]] = {
    "Identity": lambda a, x: x,
    "Cast": lambda a, x: x.astype(_numpy_type(a["to"])),
    "Gather": lambda a, x, i: np.take(x, i, axis=a.get("axis", 0)),
    "Unsqueeze": lambda a, x, *rest: np.expand_dims(x, _axes(a, (x, *rest), 1)) if _axes(a, (x, *rest), 1) else x,
    "Squeeze": lambda a, x, *rest: np.squeeze(x, _axes(a, (x, *rest), 1) or None),
    "Concat": lambda a, *xs: np.concatenate([np.atleast_1d(x) for x in xs], axis=a["axis"]),
    "Slice": lambda a, x, *rest: _slice(x, *rest) if rest else _slice(x, a["starts"], a["ends"], a.get("axes")),
    "Reshape": lambda a, x, s: _reshape(x, s, a.get("allowzero", 0)),
    "Add": lambda a, x, y: x + y,
    "Sub": lambda a, x, y: x - y,
    "Mul": lambda a, x, y: x * y,
    "Div": lambda a, x, y: _divide(x, y),
    "Neg": lambda a, x: -x,
    "Floor": lambda a, x: np.floor(x),
    "Ceil": lambda a, x: np.ceil(x),
    "Sqrt": lambda a, x: np.sqrt(x),
    "Min": lambda a, *xs: np.minimum.reduce(xs),
    "Max": lambda a, *xs: np.maximum.reduce(xs),
    "Equal": lambda a, x, y: np.equal(x, y),
    "Where": lambda a, c, x, y: np.where(c, x, y),
    "Range": lambda a, s, e, d: np.arange(s, e, d),
    "Expand": lambda a, x, s: x * np.ones(tuple(int(d) for d in s), dtype=x.dtype),
    "Transpose": lambda a, x: np.transpose(x, a.get("perm")),
    "ConstantOfShape": lambda a, s: np.full(tuple(int(d) for d in s), _fill(a), dtype=_fill(a).dtype),
    "ReduceProd": lambda a, x, *rest: np.prod(x, axis=_axes(a, (x, *rest), 1) or None,
                                              keepdims=bool(a.get("keepdims", 1))),
}
"""The shape arithmetic exporters emit, on constants: each node's values from its inputs' (a: its attributes)."""


SHAPE_ONLY = {"Identity", "Cast", "Transpose", "Reshape", "Unsqueeze", "Squeeze", "Sqrt"}
"""Arithmetic whose result's shape needs only its first input's shape (a weight without values)."""


def _numpy_type(onnx_type: int):
    from onnx import helper

    return helper.tensor_dtype_to_np_dtype(onnx_type)


def _fill(attrs) -> np.ndarray:
    from onnx import numpy_helper

    return numpy_helper.to_array(attrs["value"]).reshape(()) if "value" in attrs else np.array(0.0, dtype=np.float32)


def fold(node, inputs: list[Const]) -> Const:
    """A node whose inputs are all constants, worked out (a refusal when the arithmetic is not one of FOLDS)."""
    if node.op_type not in FOLDS:
        raise ImportRefusal(f"works on constants only, with an operator costcalc does not work out ({node.op_type})")
    unknown = [c is not None and c.value is None for c in inputs]
    weight = inputs[0].weight if node.op_type in SHAPE_ONLY and inputs and inputs[0] is not None else None
    if any(unknown[:1]) and node.op_type in SHAPE_ONLY and not any(unknown[1:]):  # a weight moved about: only its shape
        values = [np.broadcast_to(np.zeros((), np.float32), inputs[0].shape),
                  *(c.value for c in inputs[1:] if c is not None)]
        return Const(FOLDS[node.op_type](attributes(node), *values).shape, weight=weight)
    values = [c.known(f"input {i + 1}") if c is not None else None for i, c in enumerate(inputs)]
    try:
        with np.errstate(all="ignore"):
            value = np.asarray(FOLDS[node.op_type](attributes(node), *[v for v in values if v is not None]))
    except (ValueError, IndexError, TypeError, KeyError, ZeroDivisionError, MemoryError) as exc:
        raise ImportRefusal(f"cannot be worked out on its constant inputs ({exc})") from None
    if value.size > MAX_VALUE_ELEMENTS:
        raise ImportRefusal(f"gives a constant of more than {MAX_VALUE_ELEMENTS:,} elements")
    return Const(value.shape, value, weight)
