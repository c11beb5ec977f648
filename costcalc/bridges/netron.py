"""costcalc's figures where Netron shows them, beside each node of an exported ONNX model.

Netron (9.x) shows a node's `metadata_props` (ONNX IR 10) under Metadata when it opens the
model, and, when a JSON file whose `signature` is `netron:attachment` is opened after the model,
that file's entries for the node (`kind: node`, `target`: the node's name) under Metrics
(its source, `metadata.Attachment` in view.js). Both carry the same figures, as text.
"""

from __future__ import annotations

import json
import math

from ..count.engine import DesignResult
from ..device.settings import DeviceSettings

PREFIX = "costcalc."


def node_figures(design: DesignResult, settings: DeviceSettings, devices) -> dict[str, dict[str, str]]:
    """Each layer's and merge's figures by path, at `settings`: MACs, FLOPs, parameters, bytes moved, and the
    estimated latency on each device (whole nanoseconds, rounded up, and what bounds it)."""
    from ..device.latency import latency
    from ..device.traffic import memory

    s = settings
    moved = memory(design, s.activation_bytes, s.weight_bytes, s.fused, s.batch)
    times = [(device.name, latency(design, moved, device, s.dtype, s.batch)) for device in devices]
    figures = {}
    for row in design.rows:
        if row.role in ("layer", "merge"):
            entries = {"macs": row.cost.macs, "flops": row.cost.flops, "params": row.cost.params,
                       "bytes_moved": moved.traffic[row.path].total}
            figures[row.path] = {PREFIX + key: f"{value:,}" for key, value in entries.items()}
            for name, estimates in times:
                estimate = estimates[row.path]
                figures[row.path][f"{PREFIX}latency_ns.{name}"] = (f"{math.ceil(estimate.seconds * 1e9):,} "
                                                                   f"({estimate.bound})")
    return figures


def attachment(figures: dict[str, dict[str, str]]) -> bytes:
    """A Netron attachment: open it in Netron after the model to see the figures under each node's Metrics."""
    metrics = [{"kind": "node", "target": path, "name": name, "value": value}
               for path, entries in figures.items() for name, value in entries.items()]
    return (json.dumps({"signature": "netron:attachment", "metrics": metrics}, indent=1, ensure_ascii=False)
            + "\n").encode()


def attachment_name(model: str) -> str:
    """model.onnx → model.netron.json, beside it."""
    stem = model[:-5] if model.lower().endswith(".onnx") else model
    return stem + ".netron.json"
