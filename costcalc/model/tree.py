"""The parsed spec: plain frozen data between the parser and the engine."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import Where
from ..record import field, record
from ..units import decimal_text
from .merges import Merge
from .ops import Op, Shape

if TYPE_CHECKING:
    from fractions import Fraction


@record
class Layer:
    """One layer of a built-in kind.

    Every node reads the output of the node before it, or with `source` the tensor of that
    name (`from:` in the spec); with `keep` its output is named for later nodes (`as:`).
    A `frozen` layer's parameters are all non-trainable (`trainable: false`).
    """

    name: str
    op: Op
    where: Where = field(compare=False)
    source: str | None = None
    keep: str | None = None
    frozen: bool = False


@record
class Group:
    """A sequence of nodes under one name: a block call (`kind` is the block) or a branch."""

    name: str
    kind: str
    children: tuple[Node, ...]
    where: Where = field(compare=False)
    source: str | None = None
    keep: str | None = None


@record
class Branches:
    """Parallel branches from one input, merged into one output."""

    name: str
    merge: Merge
    branches: tuple[Group, ...]
    where: Where = field(compare=False)
    source: str | None = None
    keep: str | None = None


@record
class Join:
    """A merge of named tensors (`{merge: add, from: [a, b]}`): the graph's many-to-one node."""

    name: str
    merge: Merge
    sources: tuple[str, ...]
    where: Where = field(compare=False)
    keep: str | None = None
    source = None


INPUT = "input"
"""The name under which a design, block or branch reads its own input."""

Node = Layer | Group | Branches | Join


METRICS = ("macs", "flops", "params", "trainable_params", "activations", "activation_bytes")
"""What a budget may limit."""
DEVICE_METRICS = ("latency", "bytes_moved", "peak_memory", "weights_bytes", "train_memory")
"""What a budget may also limit, figured by costcalc.device: latency in nanoseconds, the others in bytes."""
BYTE_METRICS = ("activation_bytes", "bytes_moved", "peak_memory", "weights_bytes", "train_memory")
UNITS = {"latency": "ns", **dict.fromkeys(BYTE_METRICS, "B")}
"""The unit of a metric's exact figure (costcalc.units.quantity); a count has none."""


@record
class Limit:
    """One budget figure and where the spec states it."""

    value: int
    where: Where | None = field(default=None, compare=False)


@record
class Growth:
    """How much a metric may grow over a baseline: a percentage of it, or an amount."""

    percent: Fraction | None = None
    amount: int | None = None
    where: Where | None = field(default=None, compare=False)

    def ceiling(self, old: int) -> int:
        """The largest value that holds against a baseline of `old`."""
        if self.percent is not None:
            return old + math.floor(old * self.percent / 100)
        assert self.amount is not None, "a growth is a percentage or an amount"
        return old + self.amount

    def __str__(self) -> str:
        if self.percent is None:
            return f"+{self.amount:,}"
        return f"+{decimal_text(self.percent)}%"


@record
class Spec:
    """A validated spec: its designs as node trees, with input, baseline and budgets."""

    file: str
    input: Shape
    designs: dict[str, tuple[Node, ...]]
    baseline: str
    name: str | None = None
    description: str | None = None
    budgets: dict[str, dict[str, Limit]] = field(default_factory=dict)
    growth: dict[str, dict[str, Growth]] = field(default_factory=dict)
    rebuild: Callable[[Shape], dict[str, tuple[Node, ...]]] | None = field(default=None, compare=False, repr=False)
    """For a spec whose expressions read shapes (`in_channels`), its designs expanded on another input."""
    devices: dict = field(default_factory=dict, compare=False)
    """The spec's own devices (`devices:`), as written: costcalc.device.profiles reads them."""
    params: dict[str, int | float] = field(default_factory=dict)
    outputs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Design name → the named tensors it ends in (`outputs:`), for the designs that name them."""
