"""A timings file for `costcalc devices calibrate`: single layers, each timed alone on some runtime.

    {"runtime": "torch 2.14.1, CPU, 1 thread", "dtype": "float32",
     "layers": [{"input": [56, 56, 64], "layer": {"conv": {"filters": 64, "kernel": 1}}, "seconds": 0.000281}]}

`layer` is a layer as a spec writes it; `dtype` (default float32) is what the layers ran at.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from ..errors import CostcalcError
from ..files import read_json
from ..limits import MAX_RUNTIME_CHARS, MAX_TIMED_LAYERS
from ..model.tree import Layer, Spec
from ..safe import brief
from .reader import loads


@dataclass(frozen=True, slots=True)
class Timings:
    runtime: str
    dtype: str
    layers: tuple[tuple[Spec, float], ...]
    """Each timed layer as a one-layer spec, and the seconds it took."""


def read_timings(path: str) -> Timings:
    data = read_json(path, "a timings file")
    layers = data.get("layers") if isinstance(data, dict) else None
    if not isinstance(layers, list) or not layers:
        raise CostcalcError(f"{path}: expected an object with a non-empty 'layers' list",
                            hint="see docs/latency.md, Calibrating")
    if len(layers) > MAX_TIMED_LAYERS:
        raise CostcalcError(f"{path}: {len(layers):,} timed layers, more than {MAX_TIMED_LAYERS:,}, the limit for "
                            "a timings file", hint="a few hundred layers calibrate a device")
    runtime = data.get("runtime", "a runtime")
    if not isinstance(runtime, str) or len(runtime) > MAX_RUNTIME_CHARS:
        raise CostcalcError(f"{path}: runtime is {brief(runtime)}; give a text of at most {MAX_RUNTIME_CHARS} "
                            "characters",
                            hint="what timed the layers, such as 'torch 2.14.1, CPU, 1 thread'")
    return Timings(runtime, str(data.get("dtype", "float32")),
                   tuple(_timed(item, f"{path}: layers[{index}]") for index, item in enumerate(layers)))


def _timed(item, what: str) -> tuple[Spec, float]:
    if not isinstance(item, dict) or set(item) != {"input", "layer", "seconds"}:
        raise CostcalcError(f"{what}: expected input, layer and seconds, found {brief(item)}")
    seconds = item["seconds"]
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds < math.inf:
        raise CostcalcError(f"{what}: seconds is {brief(seconds)}; give a positive number")
    try:
        spec = loads(json.dumps({"input": item["input"], "layers": [item["layer"]]}), what)
    except CostcalcError as error:
        raise CostcalcError(f"{what}: {error.message}", hint=error.hint) from None
    (nodes,) = spec.designs.values()
    if len(nodes) != 1 or not isinstance(nodes[0], Layer):
        raise CostcalcError(f"{what}: a timing is of one layer, found {brief(item['layer'])}",
                            hint="time each layer alone")
    return spec, float(seconds)
