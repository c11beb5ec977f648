"""Evaluate every variant of a sweep with the one engine, many variants at a time.

The variants start as one group whose varied parameters are numpy arrays. A group is built
and counted as any spec is; where a single value is needed and its variants differ (a
repeat, a kernel, a structure), `varying.Varies` splits the group by that value, and each
part goes on alone. Sizes (widths, resolutions) stay arrays all the way to the totals.

Counts are int64 arrays. Each group is counted a second time with its sizes as float64, only
to bound every figure: where one might reach 2**62, the group is halved, down to single
variants counted with Python ints. A group that meets an error, or code that cannot take
arrays, is halved in the same way, so that an error names the first variant that has it.
"""

from __future__ import annotations

import itertools
import math

import numpy

from ..count.engine import Analysis, Cost, analyze
from ..errors import CostcalcError
from ..limits import MAX_SWEEP_BUILDS, MAX_SWEEP_LAYERS
from ..model.tree import Branches, Group, Layer, Spec
from ..record import fields, replace
from ..spec.reader import build, spec_params
from ..spec.yamlload import YMap
from ..varying import INT64_SAFE, Varies, is_array

COST_FIELDS = tuple(f.name for f in fields(Cost))


Outcome = tuple[Spec, tuple[str, ...], tuple[Cost, ...]]
"""One variant's spec (its budgets; shared by its group), its designs' names, and their totals in plain integers."""


class VariantError(CostcalcError):
    """An error in one variant, naming its parameter values."""


def evaluate(root: YMap, filename: str, names: tuple[str, ...], columns: list[list], zipped: bool, settings: dict,
             designs=None, bytes_per_element: int = 4, convention: str = "costcalc") -> list[Outcome]:
    """One Outcome per variant: every combination of `columns` (the values of `names`), in the order of
    itertools.product, or (zipped) one per position; `settings` (name → value) fixed for all."""
    shape = tuple(len(values) for values in columns)
    if not zipped and math.prod(shape) > 1:
        try:  # each parameter along its own axis: most arrays stay as small as one parameter's values
            grid = {name: _along(values, axis, len(shape)) for axis, (name, values) in enumerate(zip(names, columns))}
            return _counted(root, filename, {**settings, **grid}, shape, designs, bytes_per_element, convention)
        except (Varies, CostcalcError, ArithmeticError, TypeError, ValueError):
            pass  # variants differ in structure, or some fail: group by group, as below
    return _grouped(root, filename, names, rows_of(columns, zipped), settings, designs, bytes_per_element, convention)


def rows_of(columns: list[list], zipped: bool) -> list[tuple]:
    return list(zip(*columns)) if zipped else list(itertools.product(*columns))


def _grouped(root: YMap, filename: str, names, rows: list[tuple], settings: dict, designs, bytes_per_element: int,
             convention: str) -> list[Outcome]:
    """Variants in groups, each group's values one array per parameter; split where they must be."""
    outcomes: list[Outcome | None] = [None] * len(rows)
    errors: dict[int, CostcalcError] = {}
    pending, builds, layers = [numpy.arange(len(rows))], 0, 0
    while pending:
        index = pending.pop()
        if errors and index[0] > min(errors):
            continue  # only variants after one that fails: never reported
        if builds >= MAX_SWEEP_BUILDS or layers > MAX_SWEEP_LAYERS:
            raise CostcalcError(f"the variants differ in structure (a repeat, a kernel, a rate): {builds:,} builds "
                                f"of {layers:,} layers so far, past a sweep's limits ({MAX_SWEEP_BUILDS:,} builds, "
                                f"{MAX_SWEEP_LAYERS:,} layers)",
                                root.where, "vary fewer values, or the parameters that change sizes only")
        builds += 1
        try:  # an integer beyond int64 fails as an array (OverflowError): halved down to Python ints
            values = {name: _column([rows[i][k] for i in index]) for k, name in enumerate(names)}
            found = _counted(root, filename, {**settings, **values}, (len(index),), designs, bytes_per_element,
                             convention)
        except Varies as split:  # the group of the first variant on top: an error there ends the rest
            pending.extend(sorted(_split(index, split.values), key=lambda group: -group[0]))
            continue
        except (CostcalcError, ArithmeticError, TypeError, ValueError) as error:
            if len(index) > 1:  # halves, the first first: down to the variant an error is in, or to Python ints
                half = len(index) // 2
                pending += [index[half:], index[:half]]
                continue
            if not isinstance(error, CostcalcError):
                raise
            errors[int(index[0])] = error
            continue
        layers += sum(_size(nodes) for nodes in found[0][0].designs.values())
        for i, outcome in zip(index, found):
            outcomes[i] = outcome
    if errors:  # the first variant in order that fails, whichever group met it first
        first = min(errors)
        raise _named(errors[first], names, rows[first])
    return [outcome for outcome in outcomes if outcome is not None]  # every one, as no variant failed


def _along(values: list, axis: int, axes: int):
    """A grid parameter's values along its own axis (a plain value when there is one)."""
    if len(values) == 1:
        return values[0]
    return _column(values).reshape([-1 if k == axis else 1 for k in range(axes)])


def _column(values: list):
    """One variant's value as itself (Python ints and floats); several as one numpy array."""
    if len(values) == 1:
        return values[0]
    kind = "bool" if isinstance(values[0], bool) else "float64" if isinstance(values[0], float) else "int64"
    return numpy.array(values, dtype=kind)


def _counted(root: YMap, filename: str, values: dict, shape: tuple[int, ...], designs, bytes_per_element: int,
             convention: str) -> list[Outcome]:
    """The Outcomes of the variants whose values (arrays broadcasting to `shape`) are `values`, in C order."""
    spec = build(root, filename, spec_params(root, values))
    analysis = analyze(spec, None, designs, bytes_per_element, convention, rows=False)
    if any(map(is_array, values.values())) and not _fits_int64(spec, designs, bytes_per_element, convention):
        raise OverflowError("beyond int64")
    count = math.prod(shape)
    names = tuple(d.name for d in analysis.designs)
    costs = [[Cost(*figures) for figures in zip(*(_spread(getattr(d.total, f), shape, count) for f in COST_FIELDS))]
             for d in analysis.designs]
    return [(spec, names, totals) for totals in zip(*costs)]


def _spread(value, shape: tuple[int, ...], count: int) -> list[int]:
    """A figure as one Python int per variant."""
    if is_array(value):
        return numpy.broadcast_to(value, shape).ravel().tolist()
    return [int(value)] * count


def _split(index, values) -> list:
    """The variants of `index` grouped by their element of `values` (aligned with `index`)."""
    _, groups = numpy.unique(values, return_inverse=True)
    groups = groups.reshape(-1)  # one sort, not a pass per group: 100,000 groups of one were quadratic
    ordered = index[numpy.argsort(groups, kind="stable")]
    return numpy.split(ordered, numpy.cumsum(numpy.bincount(groups))[:-1])


def _fits_int64(spec: Spec, designs, bytes_per_element: int, convention: str) -> bool:
    """Whether every figure stays below 2**62, counted again with float64 sizes.

    Every figure of a row is a product or a sum of positive sizes, and no more than its
    design's total (costs are never negative; a size is at most its layer's output elements),
    so bounding each design's total bounds them all.
    """
    floating = replace(spec, input=tuple(_float(v) for v in spec.input),
                       designs={name: _float_nodes(nodes) for name, nodes in spec.designs.items()})
    analysis: Analysis = analyze(floating, None, designs, bytes_per_element, convention, rows=False)
    return all(not is_array(figure) or bool((abs(figure) < INT64_SAFE).all())
               for design in analysis.designs for figure in (getattr(design.total, f) for f in COST_FIELDS))


def _float(value):
    return value.astype("float64") if is_array(value) else value


def _float_nodes(nodes):
    """The nodes with every array in their ops as float64."""
    result: list[Layer | Group | Branches] = []
    for node in nodes:
        if isinstance(node, Layer):
            arrays = {f.name: _float(getattr(node.op, f.name)) for f in fields(node.op)
                      if is_array(getattr(node.op, f.name))}
            result.append(replace(node, op=replace(node.op, **arrays)) if arrays else node)
        elif isinstance(node, Group):
            result.append(replace(node, children=_float_nodes(node.children)))
        elif isinstance(node, Branches):
            result.append(replace(node, branches=_float_nodes(node.branches)))
        else:  # a merge of named tensors: no sizes of its own
            result.append(node)
    return tuple(result)


def _size(nodes) -> int:
    """The layers and merges of a built design."""
    total = 0
    for node in nodes:
        total += (_size(node.children) if isinstance(node, Group)
                  else _size(node.branches) if isinstance(node, Branches) else 1)
    return total


def _named(error: CostcalcError, names: tuple[str, ...], values: tuple) -> VariantError:
    which = ", ".join(f"{name}={value}" for name, value in zip(names, values))
    return VariantError(f"{error.message} (variant {which})", error.where, error.hint)
