"""Which kernel a layer runs, at which matrix-multiply shape, and how well a calibrated device runs it.

Every layer is named by its kernel (its kind; a conv is `conv 1x1`, `conv grouped` or `conv`)
and sized by the dimensions of the matrix multiply it is, per group: M output positions, N
outputs per position, K inputs per output (a pool: its window; an elementwise layer: 1). A
device calibrated with `costcalc devices calibrate` carries, per kernel, the compute efficiency
that timed layers of it reached at their shapes; a layer takes that of the nearest timed shape
of its kernel (in log2 of M, N and K) if one is nearer than NEAR, and otherwise (a kernel the
device has no timings of, or a shape far from them all) runs at the device's compute efficiency.
"""

from __future__ import annotations

from math import log2

from ..count.engine import Row

NEAR = 4.0
"""How far, in log2 of M, N and K, a timed shape may be from a layer's and still speak for it: a
factor of 16 in one dimension, two steps of tools/time_torch_layers.py's grid. Farther, a kernel
may run another way (a dense layer on one vector reads its weights once per output; on a
feature map it is a matrix multiply)."""

Sample = tuple[int, int, int, float]
"""A timed shape of a kernel, M, N and K, and the compute efficiency it reached."""


def kernel(row: Row, batch: int = 1) -> tuple[str, tuple[int, int, int]]:
    """The row's kernel name and its (M, N, K), M counting every sample of the batch."""
    name, (m, n, k) = row.op.matmul(row.input, row.output)
    return name, (batch * m, n, k)


def nearest(samples: tuple[Sample, ...], shape: tuple[int, int, int]) -> float | None:
    """The efficiency of the sample nearest `shape` in log2 of M, N and K (the first of equals), or None
    where none is nearer than NEAR."""
    at = [log2(size) for size in shape]
    distances = [sum((log2(size) - x) ** 2 for size, x in zip(sample[:3], at)) for sample in samples]
    closest = min(range(len(samples)), key=distances.__getitem__)
    return samples[closest][3] if distances[closest] < NEAR**2 else None
