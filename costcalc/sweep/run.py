"""A sweep as plain data: a row per variant and design, its figures, and whether it fits its budget."""

from __future__ import annotations

import contextlib
import gc
from dataclasses import dataclass, field

from ..count.engine import Cost
from ..errors import CostcalcError
from ..model.tree import METRICS, Spec
from ..spec.reader import params_where, parse, spec_params
from .evaluate import evaluate, rows_of
from .grid import variants


@dataclass(frozen=True, slots=True)
class Variant:
    """One design at one setting of the varied parameters; `limits` are its budget (metric → figure)."""

    values: tuple
    design: str
    cost: Cost
    limits: dict[str, int] = field(default_factory=dict)

    @property
    def fits(self) -> bool | None:
        """Within every limit (a limit exactly met holds); None without a budget."""
        if not self.limits:
            return None
        return all(getattr(self.cost, metric) <= limit for metric, limit in self.limits.items())


@dataclass(frozen=True, slots=True)
class Sweep:
    """Every variant of a spec, in the order of the grid (or of the zipped lists)."""

    file: str
    name: str | None
    names: tuple[str, ...]
    variants: tuple[Variant, ...]
    convention: str
    bytes_per_element: int
    zipped: bool = False

    @property
    def budgeted(self) -> bool:
        return any(v.limits for v in self.variants)

    @property
    def largest(self) -> Variant | None:
        """The variant that fits with the most MACs (then the most parameters); None when none fits."""
        fitting = [v for v in self.variants if v.fits]
        return max(fitting, key=lambda v: (v.cost.macs, v.cost.params), default=None)


@contextlib.contextmanager
def collector_paused():
    """Python's cycle collector off while a sweep makes its (acyclic) objects, a few per variant:
    otherwise it runs every 700 of them, over everything made so far (a third of the time at 100,000)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def limits(spec: Spec, design: str, flags: dict[str, int]) -> dict[str, int]:
    """metric → limit for a design: the spec's budget, overridden by flags, in METRICS order."""
    budget = {**{metric: limit.value for metric, limit in spec.budgets.get(design, {}).items()}, **flags}
    return {metric: budget[metric] for metric in METRICS if metric in budget}


def sweep(text: str, filename: str, vary: list[tuple[str, list[str]]], zipped: bool = False, settings=(),
          designs=None, flags: dict[str, int] | None = None, bytes_per_element: int = 4,
          convention: str = "costcalc") -> Sweep:
    """Every variant of the spec `text` over `vary` ((name, value texts) pairs), with `settings` fixed."""
    root = parse(text, filename)
    where = params_where(root)
    params = spec_params(root, dict(settings))
    for name, _ in vary:
        if name in dict(settings):
            raise CostcalcError(f"{name} is both set (--set) and varied (--vary)", where, "give it one of them")
    names, columns = variants(params, vary, zipped, where)
    with collector_paused():
        rows = rows_of(columns, zipped)
        outcomes = evaluate(root, filename, names, columns, zipped, dict(settings), designs, bytes_per_element,
                            convention)
        found, budgets = [], {}
        for values, (spec, designs, totals) in zip(rows, outcomes):
            for design, cost in zip(designs, totals):
                key = (id(spec), design)  # a group of variants shares its spec, so its budgets
                if key not in budgets:
                    budgets[key] = limits(spec, design, flags or {})
                found.append(Variant(values, design, cost, budgets[key]))
    name = root.get("name") if "$" not in str(root.get("name")) else None  # a name that varies: the file instead
    return Sweep(filename, name, names, tuple(found), convention, bytes_per_element, zipped)
