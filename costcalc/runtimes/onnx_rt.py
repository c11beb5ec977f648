"""onnxruntime (CPU): a design as `costcalc export --to onnx` writes it, run by an InferenceSession at all its
graph optimisations (it folds batchnorms and activations, and adds, into the convolutions before them)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable

from ..count.engine import DesignResult
from ..errors import CostcalcError
from . import Runtime, path_of


class OnnxRuntime(Runtime):
    name = "onnxruntime"
    fuses = True

    def __init__(self, threads: int):
        import onnxruntime

        super().__init__(threads)
        self.version = onnxruntime.__version__

    def session(self, design: DesignResult, batch: int, profile_prefix: str | None = None):
        """An InferenceSession of the design at a batch, and its input: random numbers of a fixed seed."""
        import numpy
        import onnx
        import onnxruntime

        from ..bridges.graph import graph
        from ..bridges.onnx_export import export

        model = onnx.load_from_string(export(graph(design)))
        for value in (*model.graph.input[:1], *model.graph.output):
            value.type.tensor_type.shape.dim[0].dim_value = batch
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        if profile_prefix:
            options.enable_profiling = True
            options.profile_file_prefix = profile_prefix
        try:
            session = onnxruntime.InferenceSession(model.SerializeToString(), options,
                                                   providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own classes, one per failure
            raise CostcalcError(f"onnxruntime cannot run design {design.name} at batch {batch}: "
                                f"{str(error).splitlines()[0][:200]}") from None
        first = session.get_inputs()[0]
        shape = [batch, *(d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim[1:])]
        x = numpy.random.default_rng(0).standard_normal(shape).astype(numpy.float32)
        return session, {first.name: x}

    def build(self, design: DesignResult, batch: int = 1) -> Callable[[], object]:
        session, feed = self.session(design, batch)
        return lambda: session.run(None, feed)

    def layer_seconds(self, design: DesignResult, batch: int = 1, runs: int = 10) -> dict[str, float]:
        """Each row's median time per run by onnxruntime's profiler, after a warm-up run: a node's kernel time goes
        to the row its name begins with (a fused conv1_nchwc to conv1); nodes of no row (layout reorders) to ""."""
        import statistics

        paths = [row.path for row in design.rows]
        with tempfile.TemporaryDirectory() as folder:
            session, feed = self.session(design, batch, os.path.join(folder, "profile"))
            for _ in range(runs + 1):
                session.run(None, feed)
            with open(session.end_profiling(), encoding="utf-8") as handle:
                events = json.load(handle)
        per_run: list[dict[str, float]] = []
        current: dict[str, float] = {}
        for event in events:  # a run's node events come before its model_run event
            name = event.get("name", "")
            if event.get("cat") == "Session" and name == "model_run":
                per_run.append(current)
                current = {}
            elif event.get("cat") == "Node" and name.endswith("_kernel_time"):
                path = path_of(name[: -len("_kernel_time")], paths) or ""
                current[path] = current.get(path, 0.0) + event["dur"] * 1e-6
        timed = per_run[1:] or per_run
        return {path: statistics.median(run.get(path, 0.0) for run in timed) for path in {p for r in timed for p in r}}
