"""Two versions of a spec, or two designs of one, side by side: totals old → new, layers that changed most."""

from __future__ import annotations

from dataclasses import dataclass

from ..count.engine import Analysis, Cost, DesignResult
from ..errors import CostcalcError
from ..model.tree import METRICS
from ..safe import brief

LAYER_METRICS = ("macs", "params")
RANKING = ("macs", "params", "activations")


@dataclass(frozen=True, slots=True)
class Change:
    """One metric, old → new."""

    metric: str
    old: int | float
    new: int | float
    device: str | None = None
    """The device of an estimated latency (`latency_s`, in seconds); None for every other metric."""

    @property
    def label(self) -> str:
        """The metric as tables and csv name it: `latency_s_a100` for the latency on a100."""
        return self.metric if self.device is None else f"{self.metric}_{self.device}"

    @property
    def percent(self) -> float | None:
        """The change in percent of the old value; None when the old value is 0 and the new is not."""
        if self.old == self.new:
            return 0.0
        return round(100 * (self.new - self.old) / self.old, 4) if self.old else None


@dataclass(frozen=True, slots=True)
class LayerChange:
    """A layer (by path) whose cost changed; `old` or `new` is None where it was added or removed."""

    path: str
    kind: str
    old: Cost | None
    new: Cost | None

    def change(self, metric: str) -> Change:
        return Change(metric, getattr(self.old or Cost(), metric), getattr(self.new or Cost(), metric))

    def delta(self, metric: str) -> int:
        return getattr(self.new or Cost(), metric) - getattr(self.old or Cost(), metric)


@dataclass(frozen=True, slots=True)
class DesignDiff:
    """A design in both (or two designs of one spec), its totals and its most changed layers."""

    name: str
    old: DesignResult
    new: DesignResult
    layers: tuple[LayerChange, ...]
    changed_layers: int
    on_device: tuple[Change, ...] = ()
    """With device options, bytes moved, peak activation memory, weights bytes and latencies old → new
    (costcalc.device.figures.diff_on_device); empty otherwise."""

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(Change(m, getattr(self.old.total, m), getattr(self.new.total, m)) for m in METRICS)

    @property
    def every_change(self) -> tuple[Change, ...]:
        """The totals' changes, then the device figures'."""
        return self.changes + self.on_device


@dataclass(frozen=True, slots=True)
class Diff:
    """What changed from one analysis to another."""

    old_file: str
    new_file: str
    designs: tuple[DesignDiff, ...]
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    batch: int | None = None
    """The batch the device figures are for; None without them."""
    devices: tuple[tuple[str, str], ...] = ()
    """Each device's name and where its figures come from (costcalc.device.profiles.origin)."""


def _leaves(design: DesignResult) -> dict:
    return {row.path: row for row in design.rows if row.role in ("layer", "merge")}


def layer_changes(old: DesignResult, new: DesignResult) -> list[LayerChange]:
    """Every layer whose kind or cost differs, biggest change first (MACs, then params, then activations)."""
    before, after = _leaves(old), _leaves(new)
    changes = []
    for path in dict.fromkeys([*after, *before]):
        was, now = before.get(path), after.get(path)
        if was and now and was.kind == now.kind and was.cost == now.cost:
            continue
        changes.append(LayerChange(path, (now or before[path]).kind, was and was.cost, now and now.cost))
    return sorted(changes, key=lambda c: tuple(-abs(c.delta(m)) for m in RANKING))


def design_diff(name: str, old: DesignResult, new: DesignResult, top: int) -> DesignDiff:
    changes = layer_changes(old, new)
    return DesignDiff(name, old, new, tuple(changes[:top]), len(changes))


def diff(old: Analysis, new: Analysis, designs=(), top: int = 10) -> Diff:
    """Designs present in both analyses (or those named), and the names added and removed; two names, the
    first only of `old` or the second only of `new`, pair those two designs."""
    old_names, new_names = [d.name for d in old.designs], [d.name for d in new.designs]
    unknown = [name for name in designs if name not in old_names and name not in new_names]
    if unknown:
        raise CostcalcError(f"no design {brief(unknown[0])} in {old.file} or {new.file}",
                            hint=f"designs: {', '.join(dict.fromkeys(old_names + new_names))}")
    if len(designs) == 2 and designs[0] in old_names and designs[1] in new_names and (
            designs[0] not in new_names or designs[1] not in old_names):  # a pair, old design then new
        return diff_designs(old, designs[0], designs[1], top=top, new=new)
    keep = (lambda name: name in designs) if designs else (lambda name: True)
    both = [name for name in old_names if name in new_names and keep(name)]
    return Diff(
        old.file, new.file,
        tuple(design_diff(name, old.design(name), new.design(name), top) for name in both),
        tuple(name for name in new_names if name not in old_names and keep(name)),
        tuple(name for name in old_names if name not in new_names and keep(name)),
    )


def diff_designs(analysis: Analysis, first: str, second: str, top: int = 10, new: Analysis | None = None) -> Diff:
    """Two designs, the first (of `analysis`) taken as old, the second (of `new`, default the same analysis) as new."""
    new = new or analysis
    pair = design_diff(f"{first} → {second}", analysis.design(first), new.design(second), top)
    return Diff(analysis.file, new.file, (pair,))
