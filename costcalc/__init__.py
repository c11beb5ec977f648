"""costcalc: what a CNN design costs (shapes, MACs, FLOPs, parameters, activations), from a YAML spec.

    import costcalc
    spec = costcalc.load("specs/bottleneck_5x5.yaml")
    analysis = costcalc.analyze(spec)
    analysis.design("bottleneck").total.macs   # 12443648
    costcalc.from_torch(torchvision.models.resnet18(), (224, 224, 3))   # the same Analysis, from a model object

The names below are imported on first use, so that `import costcalc` stays cheap.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_API = {
    "load": "spec.reader", "loads": "spec.reader", "Spec": "model.tree",
    "analyze": "count.engine", "Analysis": "count.engine", "DesignResult": "count.engine", "Row": "count.engine",
    "Cost": "count.engine",
    "compare": "analyses.compare", "Comparison": "analyses.compare",
    "from_torch": "bridges.framework", "from_keras": "bridges.framework",
    "check_file": "tasks.check", "FileCheck": "analyses.checks", "draw_file": "tasks.draw",
    "calibrate_file": "tasks.calibrate", "calibrate_runtime": "tasks.calibrate",
    "measure_file": "tasks.measure", "Measurement": "device.measured",
    "export_file": "tasks.export", "Exported": "tasks.export",
    "convention_diff_file": "tasks.convention_diff", "diff_files": "tasks.diff", "Diff": "analyses.diff",
    "DeviceSettings": "device.settings",
    "CostcalcError": "errors", "SpecError": "errors", "ShapeError": "errors", "Where": "errors",
}
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name not in _API:
        raise AttributeError(f"module 'costcalc' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_API[name]}", __name__), name)
