"""JSON Schemas of every `--format json` output (docs/json.md), shipped as costcalc/schemas/output-*.schema.json.

Each schema is exact for its `format` number: every field required, none other allowed, so a test that
validates real output against it finds a field that is added, lost or misspelt.
"""

from __future__ import annotations

from ..analyses.compare import METRICS as RATIO_METRICS
from ..count.conventions import KINDS
from ..device.figures import FIGURES
from ..limits import MAX_CHANNEL_BLOCK
from ..model.tree import DEVICE_METRICS, METRICS, UNITS
from .check_render import JSON_UNITS
from .device import DEVICE_KEYS
from .device import KEYS as MEMORY_KEYS
from .receptive import KEYS as FIELD_KEYS
from .receptive import WHOLE
from .render import COST_FIELDS, JSON_FORMAT

DRAFT = "https://json-schema.org/draft/2020-12/schema"
TEXT = {"type": "string"}
COUNT = {"type": "integer", "minimum": 0}
NUMBER = {"type": "number"}
SHAPE = {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1}
ROLES = ("layer", "merge", "block", "branch", "branches")


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def mapping(values: dict, keys: dict | None = None) -> dict:
    """An object of any keys (of `keys`, if given) with values of one schema."""
    return {"type": "object", "additionalProperties": values, **({"propertyNames": keys} if keys else {})}


def record(properties: dict, optional=()) -> dict:
    """An object with exactly these fields, all required but the `optional` ones."""
    return {"type": "object", "properties": properties, "additionalProperties": False,
            "required": [name for name in properties if name not in optional]}


COST = {name: COUNT for name in COST_FIELDS}
FIELD_VALUE = {"anyOf": [NUMBER, {"type": "string", "pattern": "^-?[0-9]+/[0-9]+$"}, {"const": WHOLE},
                         {"type": "null"}]}
"""A receptive field's size, jump or offset: a number, `p/q` where binary has no exact float, `all`, or null."""
FIELDS = {name: FIELD_VALUE for name in FIELD_KEYS}  # with --receptive-field
MEMORY = {**{name: COUNT for name in MEMORY_KEYS}, "intensity": nullable(NUMBER)}  # with --memory or --device
ON_DEVICE = {"bound": {"enum": ["compute", "memory", "fused", "—"]}, **{name: NUMBER for name in DEVICE_KEYS[1:]}}
DEVICE_FIELDS = (*MEMORY_KEYS, *DEVICE_KEYS)
TRAINING = record({"optimizer": {"enum": ["sgd", "momentum", "adam"]}, **{name: COUNT for name in (
    "forward_macs", "input_grad_macs", "weight_grad_macs", "macs", "flops", "weights_bytes", "gradient_bytes",
    "optimizer_bytes", "saved_activation_bytes", "memory_bytes")}})
ON_A_DEVICE = {"batch": COUNT, "bytes_moved": COUNT, "peak_activation_bytes": COUNT, "weights_bytes": COUNT,
           "latency_s": mapping(NUMBER), "training": TRAINING}
"""A design's figures on a device (compare and sweep, with --memory, --device or --training):
device.figures.design_figures; training only with an optimizer."""
BY_KIND = record({kind: COUNT for kind in KINDS})
STAMP = {"costcalc": TEXT, "format": {"const": JSON_FORMAT}}
HEADER = {**STAMP, "spec": TEXT, "name": nullable(TEXT), "input": SHAPE, "convention": TEXT,
          "bytes_per_element": COUNT, "baseline": TEXT}


OUTPUTS = {"output": nullable(SHAPE), "outputs": mapping(SHAPE)}
"""A design's output shape (null where it names several outputs), and each named output's (`outputs:`)."""


DEVICES = mapping(TEXT)
"""Each device's name → where its figures come from: built-in, --devices FILE or spec FILE (empty without one)."""


def document(title: str, properties: dict, optional=()) -> dict:
    return {"$schema": DRAFT, "title": title, **record(properties, optional)}


def report() -> dict:
    row = record({"path": TEXT, "name": TEXT, "kind": TEXT, "role": {"enum": list(ROLES)}, "depth": COUNT,
                  "input": SHAPE, "output": SHAPE, **COST, "line": nullable(COUNT), **FIELDS, **MEMORY, **ON_DEVICE,
                  "from": array(TEXT), "as": TEXT}, optional=(*FIELD_KEYS, *DEVICE_FIELDS, "from", "as"))
    totals = record({**COST, **FIELDS, **MEMORY, **ON_DEVICE}, (*FIELD_KEYS, *DEVICE_FIELDS))
    design = record({"name": TEXT, "input": SHAPE, **OUTPUTS, "totals": totals,
                     "flops_by_kind": BY_KIND, "rows": array(row)}, optional=("outputs",))
    return document("costcalc report --format json", {**HEADER, "devices": DEVICES, "designs": array(design)})


def convention_diff() -> dict:
    design = record({"name": TEXT, "flops_by_kind": mapping(BY_KIND), "flops": mapping(COUNT)})
    return document("costcalc report --convention-diff A B --format json",
                    {**HEADER, "convention": {"type": "null"}, "conventions": array(TEXT), "designs": array(design)})


def compare() -> dict:
    on_device = ON_A_DEVICE  # with --memory, --device or --training
    design = record({"name": TEXT, **OUTPUTS, "totals": record(COST),
                     "ratios": record({name: nullable(NUMBER) for name in RATIO_METRICS}), **on_device},
                    optional=(*on_device, "outputs"))
    branch = record({"path": TEXT, "role": {"enum": ["branch", "branches"]}, "designs": mapping(record(COST))})
    return document("costcalc compare --format json", {
        **HEADER, "devices": DEVICES, "designs": array(design),
        "best": record({name: array(TEXT) for name in RATIO_METRICS}),
        "branches": array(branch)})


def figure_in(unit: str) -> dict:
    """A budget figure in json, by its unit (UNITS): seconds for a time, an exact integer (bytes or a count)
    otherwise."""
    return {**NUMBER, "minimum": 0} if unit == "ns" else COUNT


def check() -> dict:
    verdict = record({"design": TEXT, "metric": {"enum": [*METRICS, *DEVICE_METRICS]},
                      "unit": {"enum": list(JSON_UNITS.values())}, "value": NUMBER, "limit": NUMBER,
                      "used": nullable(NUMBER), "over": {"type": "boolean"}, "line": nullable(COUNT),
                      "col": nullable(COUNT), "source": TEXT, "device": nullable(TEXT),
                      "growth": nullable(record({"baseline": NUMBER, "allowed": TEXT}))})
    metrics = (*METRICS, *DEVICE_METRICS)
    verdict["allOf"] = [  # each metric's unit, and its figures in it
        {"if": {"properties": {"metric": {"enum": [m for m in metrics if UNITS.get(m, "") == unit]}}},
         "then": {"properties": {"unit": {"const": name}, "value": figure, "limit": figure,
                                 "growth": nullable(record({"baseline": figure, "allowed": TEXT}))}}}
        for unit, name in JSON_UNITS.items() for figure in [figure_in(unit)]]
    spec = record({"spec": TEXT, "passed": {"type": "boolean"}, "checks": array(verdict), "unchecked": array(TEXT),
                   "no_baseline": array(TEXT), "new_since": nullable(TEXT), "devices": DEVICES,
                   "error": nullable(TEXT)})
    return document("costcalc check --format json", {**STAMP, "passed": {"type": "boolean"}, "specs": array(spec)})


def diff() -> dict:
    change = record({"old": COUNT, "new": COUNT, "change_percent": nullable(NUMBER)})
    on_device = {**{name: change for name in FIGURES},  # with --memory or --device
                 "latency_s": mapping(record({"old": NUMBER, "new": NUMBER, "change_percent": nullable(NUMBER)}))}
    totals = record({**{name: change for name in METRICS}, **on_device}, optional=tuple(on_device))
    layer = record({"path": TEXT, "kind": TEXT, "old": nullable(record(COST)), "new": nullable(record(COST))})
    design = record({"name": TEXT, "old": TEXT, "new": TEXT, "totals": totals, "changed_layers": COUNT,
                     "layers": array(layer)})
    return document("costcalc diff --format json", {**STAMP, "old": TEXT, "new": TEXT, "batch": COUNT,
                                                    "devices": DEVICES, "designs": array(design), "added": array(TEXT),
                                                    "removed": array(TEXT)}, optional=("batch",))


def conventions() -> dict:
    convention = record({"name": TEXT, "description": TEXT, "flops_per_mac": COUNT,
                         "rules": mapping(TEXT, {"enum": list(KINDS)}),
                         "no_rule": mapping(array(TEXT)), "partly": mapping(TEXT)})
    return document("costcalc conventions --format json", {**STAMP, "conventions": array(convention)})


def devices() -> dict:
    device = record({"title": TEXT, "tflops": mapping(NUMBER), "bandwidth_gbs": NUMBER, "estimated": array(TEXT),
                     "source": TEXT, "efficiency": record({"compute": NUMBER, "memory": NUMBER}),
                     "overhead_us": NUMBER,
                     "kernels": mapping(array({"type": "array", "prefixItems": [COUNT, COUNT, COUNT, NUMBER],
                                                                     "minItems": 4, "maxItems": 4})),
                     "fitted": record({"dtype": TEXT, "efficiency": record({"compute": NUMBER, "memory": NUMBER}),
                                       "overhead_us": NUMBER, "figures": COUNT, "held_out": COUNT,
                                       "median_error_percent": NUMBER, "source": TEXT}),
                     "fusion": {"enum": ["onnxruntime"]}, "network_factor": NUMBER, "network_slope": NUMBER,
                     "calibrated_on": record({"runtime": TEXT, "version": TEXT, "threads": COUNT, "machine": TEXT,
                                              "cpus": COUNT, "date": TEXT}),
                     "network_overhead_us": NUMBER,
                     "channel_block": {"type": "integer", "minimum": 1, "maximum": MAX_CHANNEL_BLOCK},
                     "probe": record({"network": TEXT, "seconds": NUMBER}),
                     "origin": TEXT, "efficiency_from": TEXT},
                    optional=("kernels", "fitted", "fusion", "network_factor", "network_slope", "calibrated_on",
                              "network_overhead_us", "channel_block", "probe"))
    return document("costcalc devices --format json", {**STAMP, "devices": mapping(device)})


RUNTIME = {"enum": ["onnxruntime", "torch"]}


def sweep() -> dict:
    measured = record({"measured_s": NUMBER, "low_s": NUMBER, "high_s": NUMBER, "rounds": COUNT,
                       "error_percent": mapping(NUMBER)})
    variant = record({"values": mapping(NUMBER), "design": TEXT, **COST, **ON_A_DEVICE, "measured": measured,
                      "limits": record({metric: figure_in(UNITS.get(metric, ""))
                                        for metric in (*METRICS, *DEVICE_METRICS)},
                                       optional=(*METRICS, *DEVICE_METRICS)),
                      "fits": nullable({"type": "boolean"})},
                     optional=(*ON_A_DEVICE, "measured"))
    runtime = record({"runtime": RUNTIME, "version": TEXT, "threads": COUNT, "rounds": COUNT,
                      "fused": {"type": "boolean"}, "caveats": array(TEXT)})
    return document("costcalc sweep --format json", {
        **STAMP, "spec": TEXT, "name": nullable(TEXT), "convention": TEXT, "bytes_per_element": COUNT,
        "varied": array(TEXT), "zipped": {"type": "boolean"}, "devices": DEVICES, "measured": nullable(runtime),
        "variants": array(variant), "largest_that_fits": nullable(variant)})


def measure() -> dict:
    layer = record({"path": TEXT, "measured_s": NUMBER, "estimated_s": nullable(NUMBER)})
    design = record({"name": TEXT, "measured_s": NUMBER, "low_s": NUMBER, "high_s": NUMBER, "rounds": COUNT,
                     "estimated_s": NUMBER, "error_percent": NUMBER, "layers": array(layer)})
    return document("costcalc measure --format json", {
        **STAMP, "spec": TEXT, "runtime": RUNTIME, "version": TEXT, "threads": COUNT,
        "batch": COUNT, "dtype": TEXT, "fused": {"type": "boolean"}, "device": TEXT, "device_origin": TEXT,
        "caveat": nullable(TEXT), "designs": array(design)})


SCHEMAS = {"report": report, "convention-diff": convention_diff, "compare": compare, "check": check, "diff": diff,
           "conventions": conventions, "devices": devices, "sweep": sweep, "measure": measure}
"""Each output's name (its file: costcalc/schemas/output-NAME.schema.json) and the function that builds its schema."""
