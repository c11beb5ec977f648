"""FLOP conventions: how MACs and the elementwise work of each layer add up to FLOPs.

An op reports its work by kind (`bias`, `batchnorm`, `activation`, `pool`, `merge`:
elements operated on); a convention weighs MACs and each kind of work. The rules of
`costcalc` are written out in docs/conventions.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Convention:
    """A named set of counting rules."""

    name: str
    description: str
    flops_per_mac: int
    weights: dict[str, int] = field(default_factory=dict)

    def flops(self, macs: int, work: dict[str, int]) -> int:
        return self.flops_per_mac * macs + sum(self.weights.get(kind, 0) * n for kind, n in work.items())


COSTCALC = Convention(
    "costcalc",
    "2 FLOPs per MAC; 1 per bias addition, activation, pooled window element and merged element; "
    "2 per batchnorm element (a scale and a shift)",
    flops_per_mac=2,
    weights={"bias": 1, "batchnorm": 2, "activation": 1, "pool": 1, "merge": 1},
)

CONVENTIONS: dict[str, Convention] = {c.name: c for c in (COSTCALC,)}
