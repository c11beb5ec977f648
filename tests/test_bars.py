"""Bars in the terminal: compare's glance at each design, explain's share of each branch."""

import pytest
from conftest import ROOT, run

from costcalc.show.text import bar


@pytest.mark.parametrize("part, whole, cells, drawn", [
    (1, 1, 12, "█" * 12),
    (79, 100, 20, "█" * 15 + "▊"),   # 126.4 eighths → 126: 15 full cells and 6 eighths
    (1, 10**6, 12, "▏"),             # anything above zero shows
    (0, 100, 12, ""),
    (5, 0, 12, ""),
])
def test_bar_in_eighths(part, whole, cells, drawn):
    assert bar(part, whole, cells) == drawn


def test_compare_glances_only_in_the_table(monkeypatch):
    monkeypatch.chdir(ROOT)
    table = run("compare", "specs/bottleneck_5x5.yaml").out
    assert table.split("\nat a glance\n")[1].splitlines()[3:6] == [
        "│ standard   │ ████████████ │ ████████████ │ █▊           │",
        "│ bottleneck │ █▎           │ █▎           │ ██▋          │",
        "│ separable  │ ▉            │ ▉            │ ████████████ │",
    ]
    for fmt in ("markdown", "json", "csv"):
        assert "glance" not in run("compare", "specs/bottleneck_5x5.yaml", "--format", fmt).out


def test_explain_ends_with_each_branch_s_share(monkeypatch):
    monkeypatch.chdir(ROOT)
    out = run("explain", "specs/googlenet_3a.yaml", "--design", "reduced").out
    assert out.splitlines()[-5:] == [
        "MACs by branch, 3a (128,049,152 MACs):",
        "  1x1   █▌                      7.5%",
        "  3x3   ███████████████▊       79.0%",
        "  5x5   ██                      9.7%",
        "  pool  ▊                       3.8%",
    ]
