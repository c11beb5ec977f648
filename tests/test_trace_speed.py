"""tools/trace_speed.py: the slow spells and the summary it reads a trace of the machine's speed by."""

import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
from trace_speed import spells, summary  # noqa: E402

# Windows of 2 s as the 6 December 23:58 trace (onnxruntime, 2 threads) began: fast, a slow window, fast, slow.
TRACE = [0.00389, 0.00378, 0.00375, 0.00401, 0.00672, 0.00410, 0.00402, 0.00637, 0.00650, 0.00651]


def test_slow_windows_come_in_spells_of_their_lengths():
    assert spells(TRACE, 2.0) == (4, [2.0, 6.0])


def test_a_window_at_the_bound_is_not_slow():
    assert spells([0.004, 0.005, 0.00501], 1.0) == (1, [1.0])


def test_a_steady_trace_has_no_slow_spell():
    assert spells([0.0074, 0.0073, 0.0076], 2.0) == (0, [])


def test_summary_states_the_spread_and_the_spells():
    assert summary(TRACE, 2.0) == (
        "10 windows of 2 s, ms: least 3.75, 10th percentile 3.78, median 4.06, 90th percentile 6.53, most 6.72\n"
        "slow (over 1.25 times the least): 4 of 10, in spells of 2, 6 s")
