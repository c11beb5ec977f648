"""The variants of a sweep: `--vary NAME=VALUES` as lists or ranges, as a grid or zipped."""

from __future__ import annotations

import re
from decimal import Decimal

from ..errors import CostcalcError, Where
from ..limits import MAX_SWEEP_VARIANTS
from ..safe import brief
from ..spec.params import number, parse_setting
from ..suggest import did_you_mean

_RANGE = re.compile(r"^([^:]+):([^:]+):([^:]+)$")


def parse_vary(text: str) -> tuple[str, list[str]]:
    """`alpha=0.25,0.5` → ('alpha', ['0.25', '0.5']); `resolution=128:224:32` keeps the range as one item."""
    name, values = parse_setting(text)
    items = [item.strip() for item in values.split(",")]
    if not all(items):
        raise ValueError(f"{brief(text)}: an empty value in the list")
    return name, items


def column(name: str, items: list[str], default) -> list:
    """The values of one parameter: each item a number, or a range START:STOP:STEP (STOP included)."""
    values = []
    for item in items:
        found = _RANGE.match(item)
        if not found:
            values.append(number(name, item, default))
            continue
        start, stop, step = (number(name, part.strip(), default) for part in found.groups())
        if step <= 0 or stop < start:
            raise ValueError(f"range {brief(item)}: write START:STOP:STEP with STOP ≥ START and STEP > 0")
        exact = [Decimal(part.strip()) for part in found.groups()]  # 0.25:1.0:0.05 without float drift
        if exact[1] - exact[0] >= exact[2] * MAX_SWEEP_VARIANTS:  # before dividing: 0:1:1e-30 has 10^30 values
            raise ValueError(f"range {brief(item)} has more than {MAX_SWEEP_VARIANTS:,} values")
        count = int((exact[1] - exact[0]) // exact[2]) + 1
        kind = float if any(isinstance(v, float) for v in (start, stop, step)) else int
        values.extend(kind(exact[0] + i * exact[2]) for i in range(count))
    if any(isinstance(v, float) for v in values):  # one type per parameter, as its array will have
        values = [float(v) for v in values]
    return values


def variants(params: dict, vary: list[tuple[str, list[str]]], zipped: bool,
             where: Where) -> tuple[tuple[str, ...], list[list]]:
    """The varied names and their values, checked: for every combination, or (zipped) as many of each.

    `params` are the spec's parameters with their defaults; errors point at `where` (its params: key).
    """
    names = [name for name, _ in vary]
    columns = []
    for name, items in vary:
        if name not in params:
            hint = did_you_mean(name, params) or (f"its parameters are {', '.join(params)}" if params
                                                 else "it declares none (params: {name: default})")
            raise CostcalcError(f"--vary {name}: the spec has no parameter {brief(name)}", where, hint)
        if names.count(name) > 1:
            raise CostcalcError(f"--vary {name} is given twice", where, "list all its values in one --vary")
        try:
            columns.append(column(name, items, params[name]))
        except ValueError as exc:
            raise CostcalcError(f"--vary {name}: {exc}", where) from None
    total = 1
    if zipped:
        lengths = {len(values) for values in columns}
        if len(lengths) > 1:
            counts = ", ".join(f"{name} {len(values)}" for name, values in zip(names, columns))
            raise CostcalcError(f"--zip pairs values element by element, so every --vary needs as many: {counts}")
        total = max(lengths, default=1)
    else:
        for values in columns:
            total *= len(values)
    if total > MAX_SWEEP_VARIANTS:
        what = "the zipped values make" if zipped else "the grid has"
        raise CostcalcError(f"{what} {total:,} variants, more than {MAX_SWEEP_VARIANTS:,}", where, "vary fewer values")
    return tuple(names), columns
