"""Every subtotal equals the sum of its rows, on every spec in the repository."""

from pathlib import Path

import pytest
from conftest import SPECS

from costcalc import analyze, load
from costcalc.count.engine import Cost

ALL_SPECS = sorted(SPECS.rglob("*.yaml"))


def children(rows, index):
    """The rows directly under rows[index] (one level deeper, until the depth returns)."""
    depth = rows[index].depth
    for row in rows[index + 1:]:
        if row.depth <= depth:
            return
        if row.depth == depth + 1:
            yield row


def total(costs) -> Cost:
    result = Cost()
    for cost in costs:
        result += cost
    return result


@pytest.mark.parametrize("path", ALL_SPECS, ids=[str(p.relative_to(SPECS)) for p in ALL_SPECS])
def test_subtotals_add_up(path: Path):
    for design in analyze(load(path)).designs:
        rows = design.rows
        assert total(r.cost for r in rows if r.depth == 0) == design.total
        for index, row in enumerate(rows):
            if row.role in ("layer", "merge"):
                continue
            assert total(r.cost for r in children(rows, index)) == row.cost, row.path
        assert len({r.path for r in rows}) == len(rows), "paths are unique"


def test_there_are_specs_to_check():
    assert len(ALL_SPECS) >= 3
