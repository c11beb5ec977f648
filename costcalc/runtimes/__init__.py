"""Running designs on the runtime a user deploys: onnxruntime or PyTorch, on this machine's CPU.

Each adapter builds a design as that runtime runs it (the exports of `bridges/`), gives a call that runs
it once, and times its layers with the runtime's own profiler, mapped to report rows by path. The runtimes
are optional: each is imported inside the functions that use it, and a missing one is one line that says
what to install (`need`).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

from ..count.engine import DesignResult
from ..errors import CostcalcError

RUNTIMES = ("onnxruntime", "torch")
INSTALL = {"onnxruntime": "pip install 'costcalc[runtime]'", "torch": "pip install torch"}


class Runtime:
    """A runtime at a number of threads: `build` a design into a call that runs it once on a batch, and
    `layer_seconds`, the time the runtime's profiler gives each report row."""

    name = ""
    version = ""
    fuses = False
    """Whether the runtime folds batchnorms and activations into the conv before them (estimated --fused)."""
    settle_s = 0.0
    """Seconds to wait before timing a design after another one ran: the threads a runtime keeps for each built
    design may spin on after its run, taking a core from the next one's."""

    def __init__(self, threads: int):
        self.threads = threads

    def build(self, design: DesignResult, batch: int = 1) -> Callable[[], object]:
        raise NotImplementedError

    def layer_seconds(self, design: DesignResult, batch: int = 1, runs: int = 10) -> dict[str, float]:
        raise NotImplementedError

    def channel_block(self) -> int | None:
        """The channels its layout holds in a block, off which pools and grouped convs run other kernels
        (device/kernels.py, BLOCKED), or None: it blocks none."""
        return None

    @property
    def about(self) -> str:
        return f"{self.name} {self.version} CPU, {self.threads} thread{'s' * (self.threads != 1)}"


def need(name: str, command: str) -> None:
    """Raise the one-line error of a runtime that is not installed."""
    if name not in RUNTIMES:
        raise CostcalcError(f"{name!r} is not a runtime; one of {', '.join(RUNTIMES)}")
    if importlib.util.find_spec(name) is None or (name == "onnxruntime" and importlib.util.find_spec("onnx") is None):
        raise CostcalcError(f"{command} --runtime {name} needs {name}, which is not installed: {INSTALL[name]}")


def open_runtime(name: str, threads: int = 1, command: str = "costcalc measure") -> Runtime:
    """The runtime `name` at `threads`; a CostcalcError if it is not installed."""
    need(name, command)
    if name == "onnxruntime":
        from .onnx_rt import OnnxRuntime

        return OnnxRuntime(threads)
    from .pytorch import TorchRuntime

    return TorchRuntime(threads)


def path_of(node: str, paths: list[str]) -> str | None:
    """The report path a runtime's node name stands for: the longest path that the name is, or begins with
    followed by `:` or `_` (onnxruntime's fused and reordered nodes: conv1_nchwc), else None. onnxruntime names
    the node of a Gemm and the activation it fuses `fused NAME` after the Gemm's."""
    node = node.removeprefix("fused ")
    found = [p for p in paths if node == p or (node.startswith(p) and node[len(p)] in ":_.")]
    return max(found, key=len, default=None)
