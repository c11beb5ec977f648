"""Evaluate every variant of a sweep with the one engine, many variants at a time.

The variants start as one group whose varied parameters are numpy arrays. A group is built
and counted as any spec is; where a single value is needed and its variants differ (a
repeat, a kernel, a structure), `varying.Varies` splits the group by that value, and each
part goes on alone. Sizes (widths, resolutions) stay arrays all the way to the totals.

Counts are int64 arrays. Each group is counted a second time with its sizes as float64, only
to bound every figure: where one might reach 2**62, the group's variants are counted one by
one with Python ints instead. A group that meets an error, or code that cannot take arrays,
is also counted one variant at a time, so that an error names the variant that has it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy

from ..count.engine import Analysis, Cost, analyze
from ..errors import CostcalcError
from ..model.tree import Group, Layer, Spec
from ..spec.reader import build, spec_params
from ..spec.yamlload import YMap
from ..varying import INT64_SAFE, Varies, is_array

COST_FIELDS = tuple(f.name for f in fields(Cost))


@dataclass(frozen=True, slots=True)
class Outcome:
    """One variant's spec (its budgets) and analysis, with plain integer totals."""

    spec: Spec
    totals: dict[str, Cost]


class VariantError(CostcalcError):
    """An error in one variant, naming its parameter values."""


def evaluate(root: YMap, filename: str, names: tuple[str, ...], rows: list[tuple], settings: dict,
             designs=None, bytes_per_element: int = 4, convention: str = "costcalc") -> list[Outcome]:
    """One Outcome per row of values (`names` → values), with `settings` (name → value) fixed for all."""
    outcomes: list[Outcome | None] = [None] * len(rows)
    pending = [numpy.arange(len(rows))]
    while pending:
        index = pending.pop()
        values = {name: _column([rows[i][k] for i in index]) for k, name in enumerate(names)}
        try:
            spec, analysis = _count(root, filename, {**settings, **values}, designs, bytes_per_element, convention)
            if len(index) > 1 and not _fits_int64(spec, designs, bytes_per_element, convention):
                raise OverflowError("beyond int64")
        except Varies as split:
            pending.extend(_split(index, split.values))
            continue
        except (CostcalcError, ArithmeticError, TypeError, ValueError) as error:
            if len(index) > 1:  # one by one, in order: exact, and an error names its variant
                pending.extend(index[i:i + 1] for i in range(len(index) - 1, -1, -1))
                continue
            if not isinstance(error, CostcalcError):
                raise
            raise _named(error, names, rows[index[0]]) from None
        for position, i in enumerate(index):
            outcomes[i] = Outcome(spec, {d.name: _one_cost(d.total, position) for d in analysis.designs})
    return outcomes


def _column(values: list):
    """One variant's value as itself (Python ints and floats); several as one numpy array."""
    if len(values) == 1:
        return values[0]
    return numpy.array(values, dtype="float64" if isinstance(values[0], float) else "int64")


def _count(root: YMap, filename: str, values: dict, designs, bytes_per_element: int, convention: str):
    spec = build(root, filename, spec_params(root, values))
    return spec, analyze(spec, None, designs, bytes_per_element, convention)


def _split(index, values) -> list:
    """The variants of `index` grouped by their element of `values` (aligned with `index`)."""
    _, groups = numpy.unique(values, return_inverse=True)
    return [index[groups.reshape(-1) == g] for g in range(int(groups.max()) + 1)]


def _one_cost(total: Cost, position: int) -> Cost:
    """A variant's Cost as Python ints, from a Cost whose figures are arrays or plain numbers."""
    return Cost(*(int(v[position] if is_array(v) else v) for v in (getattr(total, f) for f in COST_FIELDS)))


def _fits_int64(spec: Spec, designs, bytes_per_element: int, convention: str) -> bool:
    """Whether every figure of every row stays below 2**62, counted again with float64 sizes."""
    floating = replace(spec, input=tuple(_float(v) for v in spec.input),
                       designs={name: _float_nodes(nodes) for name, nodes in spec.designs.items()})
    analysis: Analysis = analyze(floating, None, designs, bytes_per_element, convention)
    for design in analysis.designs:
        for cost, shape in [(design.total, design.output), *((row.cost, row.output) for row in design.rows)]:
            for value in (*(getattr(cost, f) for f in COST_FIELDS), *shape):
                if is_array(value) and not (abs(value) < INT64_SAFE).all():
                    return False
    return True


def _float(value):
    return value.astype("float64") if is_array(value) else value


def _float_nodes(nodes):
    """The nodes with every array in their ops as float64."""
    result = []
    for node in nodes:
        if isinstance(node, Layer):
            arrays = {f.name: _float(getattr(node.op, f.name)) for f in fields(node.op) if is_array(getattr(node.op, f.name))}
            result.append(replace(node, op=replace(node.op, **arrays)) if arrays else node)
        elif isinstance(node, Group):
            result.append(replace(node, children=_float_nodes(node.children)))
        else:
            result.append(replace(node, branches=_float_nodes(node.branches)))
    return tuple(result)


def _named(error: CostcalcError, names: tuple[str, ...], values: tuple) -> VariantError:
    which = ", ".join(f"{name}={value}" for name, value in zip(names, values))
    return VariantError(f"{error.message} (variant {which})", error.where, error.hint)
