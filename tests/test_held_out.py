"""The held-out evaluation (issue 25): tools/held_out_latency.py's list is docs/latency.md's, and the docs' table of
every run is what the tool computes from the recorded rows (tests/data/reference/held_out_runs.tsv), so neither
can drift. No runtime is needed: the rows hold the measured and estimated times."""

import sys

import pytest
from conftest import ROOT

from costcalc.runtimes.grid import NETWORKS

sys.path.insert(0, str(ROOT / "tools"))
from held_out_latency import (  # noqa: E402
    COLUMNS,
    HELD_OUT,
    LISTS,
    RUNS,
    SECOND,
    THIRD,
    design_of,
    measure_run,
    read_runs,
    run_markdown,
    runs_table,
    summary,
)

DOCS = ROOT / "docs" / "latency.md"


def docs_lines() -> list[str]:
    return DOCS.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("heading, held_out", [("### The held-out networks", HELD_OUT),
                                               ("### The second held-out list", SECOND),
                                               ("### The third held-out list", THIRD)])
def test_the_tool_holds_the_lists_the_docs_give(heading, held_out):
    lines = docs_lines()
    header = lines.index("| network | spec (specs/) | design | --set | kernels |", lines.index(heading))
    listed = {}
    for line in lines[header + 2:]:  # after the header and its rule, to the table's end
        if not line.startswith("| "):
            break
        name, *rest = [cell.strip() for cell in line.strip("|").split("|")]
        listed[name] = tuple(rest[:3])
    assert listed == held_out


def test_no_network_the_calibration_times_is_held_out_nor_on_two_lists():
    """A calibration network is a spec's design at its defaults (None: its first design, `main` in each)."""
    timed_whole = {(spec.removeprefix("examples/") + ".yaml", design or "main") for spec, design in NETWORKS}
    lists = [set(held_out.values()) for held_out in LISTS.values()]
    assert len(timed_whole) == 14 and len(lists) == 3
    assert sum(len(networks) for networks in lists) == len(set.union(*lists)) == 42
    assert not {(spec, design) for spec, design, settings in set.union(*lists) if not settings} & timed_whole


@pytest.mark.parametrize("name", ["regnet_y_400mf", "efficientnet_b0_keras"])
def test_a_network_is_its_spec_at_its_settings(name):
    design = design_of(name)  # MACs as torchvision's and Keras's counts give them (specs/models.tsv)
    assert (design.name, design.total.macs) == (name, {"regnet_y_400mf": 401_842_848,
                                                       "efficientnet_b0_keras": 385_814_752}[name])


def test_the_summary_of_a_run():
    rows = [{"network": n, "macs": str(macs), "measured_s": str(measured), "estimated_s": str(estimated)}
            for n, macs, measured, estimated in [("a", 100, 0.010, 0.0105), ("b", 300, 0.020, 0.016),
                                                 ("c", 200, 0.040, 0.0436), ("d", 400, 0.050, 0.050)]]
    found = summary(rows)  # errors +5%, -20%, +9%, 0%
    assert (found.networks, found.within) == (4, 3)
    assert found.median_error == pytest.approx(7.0)
    assert found.spearman_estimate == pytest.approx(1.0)  # the estimates rank a, b, c, d as the measured times do
    assert found.spearman_macs == pytest.approx(1 - 6 * 2 / (4 * 15))  # MACs swap b and c: 0.8


def test_every_recorded_run_is_whole_and_held_out():
    runs = read_runs()
    assert runs, f"{RUNS} holds no run"
    for run, rows in runs.items():
        assert len({(r["runtime"], r["version"], r["threads"], r["device"]) for r in rows}) == 1, run
        networks = [r["network"] for r in rows]
        assert len(networks) == len(set(networks)) and any(set(networks) <= set(held) for held in LISTS.values()), run
        for row in rows:
            assert int(row["macs"]) == design_of(row["network"]).total.macs
            assert float(row["low_s"]) <= float(row["measured_s"]) <= float(row["high_s"])


def test_the_docs_table_of_every_run_is_computed_from_the_rows():
    lines = docs_lines()
    start = lines.index("Every run:") + 2
    end = lines.index("", start)
    assert "\n".join(lines[start:end]) + "\n" == runs_table(read_runs())


def test_a_run_on_onnxruntime_gives_a_row_per_network():
    (row,) = measure_run(["mobilenet_keras"], "onnxruntime", 1, (), "a100", rounds=1)
    assert tuple(row) == COLUMNS
    assert (row["runtime"], row["threads"], row["device"], row["network"], row["macs"]) == (
        "onnxruntime", "1", "a100", "mobilenet_keras", "568740352")
    assert float(row["measured_s"]) > 0 and float(row["estimated_s"]) > 0
    assert "| mobilenet_keras | 568,740,352 |" in run_markdown([row])
    assert run_markdown([row]).endswith("Spearman with the measured times: estimate —, MACs —\n")  # one network


def test_two_runs_started_in_the_same_minute_stay_two(tmp_path):
    """The campaign ran onnxruntime at 2 threads and torch at 1 thread both from 09:07: keyed by the minute alone,
    they were one run of 28 networks."""
    row = {"run": "2026-12-05 09:07", "version": "1", "device": "d", "load_before": "1", "load_after": "1",
           "network": "resnet50", "macs": "1", "measured_s": "2", "low_s": "1", "high_s": "3", "estimated_s": "2"}
    rows = [{**row, "runtime": "onnxruntime", "threads": "2"}, {**row, "runtime": "torch", "threads": "1"},
            {**row, "runtime": "torch", "threads": "1", "network": "resnet101"}]  # the second list's
    path = tmp_path / "runs.tsv"
    path.write_text("\n".join("\t".join(r[c] for c in COLUMNS) for r in [dict(zip(COLUMNS, COLUMNS)), *rows]) + "\n")
    runs = read_runs(path)
    assert [len(found) for found in runs.values()] == [1, 1, 1]
    assert runs_table(runs).count("| 2026-12-05 09:07 |") == 3 and runs_table(runs).count("| second |") == 1
