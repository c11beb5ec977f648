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
        # Each session has its own thread pool, whose threads spin for a while after a run: timed right after
        # another session, MobileNet (Keras) took 5.4 to 8.0 ms at 2 threads on 2 cores, 3.7 ms alone or 0.1 s later.
        self.settle_s = 0.1 if threads > 1 else 0.0

    def session(self, design: DesignResult, batch: int, profile_prefix: str | None = None,
                optimized: str | None = None):
        """An InferenceSession of the design at a batch, and its input: random numbers of a fixed seed; the graph
        onnxruntime optimised it to is written to `optimized` where given."""
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
        if optimized:
            options.optimized_model_filepath = optimized
        try:
            session = onnxruntime.InferenceSession(model.SerializeToString(), options,
                                                   providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own classes, one per failure
            raise cannot_run(design, batch, error) from None
        first = session.get_inputs()[0]
        shape = [batch, *(d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim[1:])]
        x = numpy.random.default_rng(0).standard_normal(shape).astype(numpy.float32)
        return session, {first.name: x}

    def channel_block(self) -> int | None:
        """The channels onnxruntime's NCHWc layout holds in a block on this machine (8 with AVX2, 16 with AVX-512),
        as the graph it makes of a 1×1 conv and a 3×3 average pool shows: the fewest channels, of 4 to 64, at which
        the pool joins the layout; None where it never does."""
        import onnx

        from .layers import unit_design

        for channels in (4, 8, 16, 32, 64):
            design = unit_design(([8, 8, channels], [{"conv": {"filters": channels, "kernel": 1}},
                                                     {"avgpool": {"size": 3, "stride": 1, "padding": "same"}}]))
            with tempfile.TemporaryDirectory() as folder:
                self.session(design, 1, optimized=os.path.join(folder, "optimized.onnx"))
                nodes = onnx.load(os.path.join(folder, "optimized.onnx")).graph.node
            if any(node.op_type == "AveragePool" and node.domain == "com.microsoft.nchwc" for node in nodes):
                return channels
        return None

    def build(self, design: DesignResult, batch: int = 1) -> Callable[[], object]:
        session, feed = self.session(design, batch)

        def run():
            try:
                return session.run(None, feed)
            except Exception as error:  # as in `session`
                raise cannot_run(design, batch, error) from None

        return run

    def layer_seconds(self, design: DesignResult, batch: int = 1, runs: int = 10) -> dict[str, float]:
        """Each row's median time per run by onnxruntime's profiler, after a warm-up run: a node's kernel time goes
        to the row its name begins with (a fused conv1_nchwc to conv1), or to the row that one folds into (a
        batchnorm2_nchwc, the conv before it fused with it, to that conv). A node the optimiser made and named
        (HardSigmoid_2 and Mul_3 of a hardswish after a conv) goes to the next row that runs as a layer of its own
        and has no node named after it (`renamed`); layout reorders, and nodes that follow no row, to ""."""
        import statistics

        with tempfile.TemporaryDirectory() as folder:
            session, feed = self.session(design, batch, os.path.join(folder, "profile"))
            for _ in range(runs + 1):
                session.run(None, feed)
            with open(session.end_profiling(), encoding="utf-8") as handle:
                events = json.load(handle)
        nodes = [(event["name"].removesuffix("_kernel_time"), event["dur"] * 1e-6) for event in events
                 if event.get("cat") == "Node" and event.get("name", "").endswith("_kernel_time")
                 or event.get("cat") == "Session" and event.get("name") == "model_run"]
        per_run: list[dict[str, float]] = []
        current: dict[str, float] = {}
        owner = renamed(design, [name for name, _ in nodes])
        for name, seconds in nodes:  # a run's node events come before its model_run event
            if name == "model_run":
                per_run.append(current)
                current = {}
            else:
                current[owner[name]] = current.get(owner[name], 0.0) + seconds
        timed = per_run[1:] or per_run
        return {path: statistics.median(run.get(path, 0.0) for run in timed) for path in {p for r in timed for p in r}}


def cannot_run(design: DesignResult, batch: int, error: Exception) -> CostcalcError:
    return CostcalcError(f"onnxruntime cannot run design {design.name} at batch {batch}: "
                         f"{str(error).splitlines()[0][:200]}")


def renamed(design: DesignResult, names: list[str]) -> dict[str, str]:
    """The row path each node name stands for, in the order the nodes ran (path_of): the row it names, or the row
    that one folds into (onnxruntime names a conv fused with its batchnorm after the batchnorm); a name of no row
    that follows a row's node stands for the next row after that one (in the order of evaluation, onnxruntime's
    fusion) that runs on its own and has no node of its own, else for ""; a layout reorder for ""."""
    from ..device.traffic import memory

    found = memory(design, fused=True, fold_adds=True)
    host: dict[str, str] = {}  # each step → the step it runs in: itself, or the one it folds into
    for path in found.steps:
        host[path] = host[found.steps[found.steps.index(path) - 1]] if path in found.folded and host else path
    steps = [path for path in found.steps if path not in found.folded]
    owner = {name: path_of(name, [row.path for row in design.rows]) or "" for name in names}
    own = {host.get(path) for path in owner.values()}
    last = None
    for name in names:
        if owner[name] in host:
            last = host[owner[name]]
        elif last is not None and not name.startswith("Reorder") and name != "model_run":
            after = steps[steps.index(last) + 1:]
            owner[name] = next((path for path in after if path not in own), "")
    return {name: host.get(path, path) for name, path in owner.items()}
