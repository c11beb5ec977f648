"""`costcalc report --convention-diff` as a call: one spec read once, analysed under two conventions."""

from __future__ import annotations

from ..count.engine import Analysis


def convention_diff_file(path: str, first: str, second: str, input_shape=None, designs=(), bytes_per_element: int = 4,
                         settings=()) -> tuple[Analysis, Analysis]:
    """The spec at `path` analysed under the conventions `first` and `second` (FLOPs by operation kind in each
    design's `breakdown`), its `designs` only if given."""
    from ..count.engine import analyze
    from ..spec.reader import load

    loaded, chosen = load(path, settings), list(designs) or None
    return (analyze(loaded, input_shape, chosen, bytes_per_element, first),
            analyze(loaded, input_shape, chosen, bytes_per_element, second))
