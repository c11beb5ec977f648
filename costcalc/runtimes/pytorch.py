"""PyTorch (CPU, eval mode, no_grad): a design as `costcalc export --to pytorch` writes it, run eagerly.
torch is never a costcalc dependency; it is imported here only, when asked for."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from ..count.engine import DesignResult
from . import Runtime

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
"""glibc's mallopt parameters (malloc.h)."""


def keep_freed_memory(size: int = 1 << 30) -> bool:
    """Make glibc's malloc keep freed blocks of up to `size` bytes for reuse, as jemalloc and tcmalloc do: torch
    allocates each tensor with malloc, and glibc by default maps a large one afresh (and faults in its pages) on
    every run, or not, as the process's history has moved its threshold; False, changing nothing, off Linux or
    where the C library has no mallopt (musl's does nothing)."""
    import ctypes

    mallopt = getattr(ctypes.CDLL(None), "mallopt", None) if sys.platform.startswith("linux") else None
    return mallopt is not None and all([mallopt(M_MMAP_THRESHOLD, size), mallopt(M_TRIM_THRESHOLD, size)])


class TorchRuntime(Runtime):
    name = "torch"

    def __init__(self, threads: int):
        import torch

        super().__init__(threads)
        self.version = torch.__version__
        torch.set_num_threads(threads)
        keep_freed_memory()

    def module(self, design: DesignResult, batch: int):
        """The design's nn.Module (eval mode, seeded weights), its PATHS and an input of the batch."""
        import torch

        from ..bridges.graph import graph
        from ..bridges.pytorch_export import module_code

        namespace: dict = {"__name__": "costcalc_design"}
        exec(compile(module_code(graph(design), design.name), "<costcalc design>", "exec"), namespace)
        torch.manual_seed(0)
        model = namespace["Model"]().eval()
        x = torch.randn(batch, *namespace["INPUT"][1:])
        return model, namespace["PATHS"], x

    def build(self, design: DesignResult, batch: int = 1) -> Callable[[], object]:
        import torch

        model, _, x = self.module(design, batch)

        def run():
            with torch.no_grad():
                return model(x)

        return run

    def layer_seconds(self, design: DesignResult, batch: int = 1, runs: int = 10) -> dict[str, float]:
        """Each row's median time over `runs` runs, between forward hooks before and after its module (a median,
        since a run another process interrupts is slow in one layer); what `forward` does outside the modules
        (merges, which are tensors of `forward` and no module; padding) goes under "", the median run's time less
        its layers'."""
        import statistics

        import torch

        model, paths, x = self.module(design, batch)
        spent: dict[str, float] = {}
        started: dict[str, float] = {}
        modules = dict(model.named_children())
        for attribute, path in paths.items():
            if attribute not in modules:  # a merge
                continue
            layer = modules[attribute]
            layer.register_forward_pre_hook(lambda _m, _i, path=path: started.__setitem__(path, time.perf_counter()))
            layer.register_forward_hook(lambda _m, _i, _o, path=path: spent.__setitem__(
                path, spent.get(path, 0.0) + time.perf_counter() - started[path]))
        per_run, wholes = [], []
        with torch.no_grad():
            model(x)
            for _ in range(runs):
                spent.clear()
                start = time.perf_counter()
                model(x)
                wholes.append(time.perf_counter() - start)
                per_run.append(dict(spent))
        found = {path: statistics.median(run[path] for run in per_run) for path in per_run[0]}
        found[""] = max(0.0, statistics.median(wholes) - sum(found.values()))
        return found
