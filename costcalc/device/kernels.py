"""Which kernel a layer runs, at which matrix-multiply shape, and how well a calibrated device runs it.

Every layer is named by its kernel (its kind; a conv is `conv 1x1`, `conv grouped` or `conv`)
and sized by the dimensions of the matrix multiply it is, per group: M output positions, N
outputs per position, K inputs per output (a pool: its window; an elementwise layer: 1); a
separable layer runs as two kernels, a depthwise and a 1×1 conv (`stages`). A device calibrated
with `costcalc devices calibrate` carries, per kernel, the compute efficiency that timed layers
of it reached at their shapes; a layer takes that of the nearest timed shape of its kernel (in
log2 of M, N and K) if one is nearer than NEAR, else that of its KIN's nearest, and otherwise (a
kernel the device has no timings of, or a shape far from them all) runs at the device's compute
efficiency.
"""

from __future__ import annotations

from math import log2

from ..count.engine import Row
from ..model.ops import Conv

NEAR = 4.0
"""How far, in log2 of M, N and K, a timed shape may be from a layer's and still speak for it: a
factor of 16 in one dimension, two steps of tools/time_torch_layers.py's grid. Farther, a kernel
may run another way (a dense layer on one vector reads its weights once per output; on a
feature map it is a matrix multiply)."""

KIN = {"dense": "conv 1x1"}
"""A kernel whose shapes, where none of its own timed shapes is near, take the nearest of another kernel that does
the same arithmetic: a dense layer on a feature map multiplies the matrices a 1×1 conv does (ConvNeXt's at 7×7×768,
which no calibration network has, ran at 0.32 of torch's peak, its 1×1 convs at 7×7 at 0.26 to 0.28, where the
device's compute efficiency, 1, put it 3 times faster: torch 2.14.1, 1 thread)."""

Sample = tuple[int, int, int, float]
"""A timed shape of a kernel, M, N and K, and the compute efficiency it reached."""


BLOCKED = ("maxpool", "avgpool", "conv grouped")
"""The kernels a runtime with a blocked layout (onnxruntime's NCHWc: channels in blocks of 8 or 16, `channel_block`)
runs blocked only on channels the block divides (a grouped conv: its input and its output channels per group); on
others it runs its plain kernel, named `KERNEL unblocked` (an average pool at 28×28×44 took 308 µs where at ×48 it
took 6, onnxruntime 1.32 on AVX-512)."""


SKIPS_PADDING = ("conv", "conv 1x1", "conv dilated", "conv grouped")
"""The kernels onnxruntime runs over the taps that fall on the input only, skipping those in the padding: a 3×3
conv 960 → 256 at 14×14 took 3,483 µs at dilation 1, 1,040 at 12 and 612 at 24, where all taps but the centre's
fall in the padding, and a 1×1 conv there 406 (onnxruntime 1.32, 1 thread, AVX-512; with 964 input channels,
which its blocks do not divide, 3,515 and 620; tools/time_padding_taps.py). Its depthwise kernel and a grouped
conv's on channels its blocks do not divide run every tap (at 56×56×256, 240 µs at dilation 1, 333 at 24); torch
runs every tap (DeepLabV3's ASPP at dilation 24 took longer than at 12)."""


def work(row: Row, batch: int = 1, block: int | None = None, fusion: str | None = None) -> int:
    """The FLOPs the row's kernel computes for the batch on the runtime whose fusion a device follows (`fusion`):
    its count, less, on onnxruntime (SKIPS_PADDING), the FLOPs of its MACs whose taps fall in the padding."""
    flops = batch * row.cost.flops
    if fusion != "onnxruntime" or not isinstance(row.op, Conv) or kernel(row, block=block)[0] not in SKIPS_PADDING:
        return flops
    landed = row.op.landed_macs(row.input, row.output)
    return flops - batch * (row.breakdown.get("conv", 0) * (row.cost.macs - landed) // row.cost.macs)


def kernel(row: Row, batch: int = 1, block: int | None = None) -> tuple[str, tuple[int, int, int]]:
    """The row's kernel name and its (M, N, K), M counting every sample of the batch, on a runtime whose layout
    blocks channels by `block` (None: none does)."""
    assert row.op is not None, "a layer or merge row"
    name, (m, n, k) = row.op.matmul(row.input, row.output)
    return _on_layout(name, n, row, block), (batch * m, n, k)


def stages(row: Row, batch: int = 1, block: int | None = None) -> list[tuple[str, tuple[int, int, int], int]]:
    """The kernels the row runs as, one after the other (a separable layer: a depthwise, then a 1×1 conv), each
    named and sized as `kernel` gives a row's, with its MACs for the batch."""
    assert row.op is not None, "a layer or merge row"
    return [(_on_layout(name, n, row, block), (batch * m, n, k), batch * macs)
            for (name, (m, n, k)), macs in row.op.stages(row.input, row.output)]


def _on_layout(name: str, n: int, row: Row, block: int | None) -> str:
    """`name`, or its unblocked kernel where the block does not divide the channels it runs on (N of a grouped
    conv is its output channels per group, N × input / output channels its input channels per group)."""
    if not block or name not in BLOCKED:
        return name
    widths = (n, n * row.input[-1] // row.output[-1]) if name == "conv grouped" else (row.input[-1],)
    return f"{name} unblocked" if any(width % block for width in widths) else name


class Samples(tuple):
    """A kernel's timed shapes (Sample rows, in order). The first lookup builds a k-d tree over their log2
    (M, N, K), and each shape's answer is kept: a lookup costs about log(rows), not rows, and a design
    asks for the same shapes again and again."""

    def nearest(self, shape: tuple[int, int, int]) -> float | None:
        """The efficiency of the sample nearest `shape` in log2 of M, N and K (the first of equals), or None
        where none is nearer than NEAR."""
        found = self.__dict__.setdefault("found", {})
        if shape not in found:
            if "tree" not in self.__dict__:
                self.tree = _tree([(tuple(log2(size) for size in sample[:3]), i) for i, sample in enumerate(self)], 0)
            best = _search(self.tree, [log2(size) for size in shape], (NEAR**2, -1))  # -1: none nearer than NEAR
            found[shape] = self[best[1]][3] if best[1] >= 0 else None
        return found[shape]


def _tree(points: list, axis: int):
    """A k-d tree node: (point, index, axis, lower, upper), split at the median along `axis`; None when empty."""
    if not points:
        return None
    points.sort(key=lambda p: (p[0][axis], p[1]))
    middle = len(points) // 2
    point, index = points[middle]
    return point, index, axis, _tree(points[:middle], (axis + 1) % 3), _tree(points[middle + 1:], (axis + 1) % 3)


def _search(node, at: list[float], best: tuple[float, int]) -> tuple[float, int]:
    """The least (squared distance, index) in `node`'s tree, or `best` where none is less."""
    if node is None:
        return best
    point, index, axis, lower, upper = node
    distance = sum((p - x) ** 2 for p, x in zip(point, at))
    best = min(best, (distance, index))
    offset = at[axis] - point[axis]
    near, far = (lower, upper) if offset < 0 else (upper, lower)
    best = _search(near, at, best)
    if offset * offset <= best[0]:  # the far side may hold a point as near (an equal one of lower index)
        best = _search(far, at, best)
    return best
