"""The roofline on the board, with the numbers put in, for `explain --device`."""

from __future__ import annotations

from ..device.latency import Estimate
from ..device.profiles import Device
from ..device.traffic import Traffic
from ..record import replace
from ..units import seconds
from .formulas import Board, Line


def roofline_board(board: Board, flops: tuple[int, int], traffic: Traffic, estimate: Estimate, device: Device,
                   dtype: str, kernel_name: str) -> Board:
    """A layer's board with its bytes moved and its roofline time added (`flops`: those it counts and those its
    runtime computes, kernels.work; `kernel_name`: what the layer runs)."""
    counted, computed = flops
    skipped = (f"{device.fusion} skips the taps that fall in the padding: it computes {computed:,} of the "
               f"{counted:,} FLOPs",) if computed != counted else ()
    calibrated = f" (calibrated: {kernel_name})" if kernel_name in device.kernels else ""
    moved = Line("bytes", "read + weights + written", f"{traffic.read:,} + {traffic.weights:,} + {traffic.written:,}",
                 traffic.total)
    factor = f" × network factor {device.network_factor:g}" if device.network_factor != 1 else ""
    if estimate.bound == "fused":
        return replace(board, cost=board.cost + (moved,), notes=board.notes + (
            f"folded into the layer before it: compute {seconds(estimate.compute_s)}{factor}, no memory time or "
            "overhead",))
    device = device.at(dtype)
    peak, bandwidth, efficiency = device.peak(dtype), device.bytes_per_s, estimate.efficiency
    notes = skipped + (
        f"on {device.name} ({dtype}): peak {peak / 1e12:g} TFLOP/s, {bandwidth / 1e9:g} GB/s, "
        f"efficiency {efficiency:g}{calibrated} / {device.memory_efficiency:g}, "
        f"overhead {seconds(device.kernel_overhead_s)}",
        f"compute = FLOPs / (peak × efficiency) = {computed:,} / ({peak / 1e12:g}e12 × {efficiency:g})"
        f" = {seconds(estimate.compute_s)}",
        f"memory  = bytes / (bandwidth × efficiency) = {traffic.total:,} / ({bandwidth / 1e9:g}e9 × "
        f"{device.memory_efficiency:g})"
        f" = {seconds(estimate.memory_s)}",
        f"time    = {'(' * bool(factor)}max(compute, memory) + overhead{')' * bool(factor)}{factor} = "
        f"{'(' * bool(factor)}max({seconds(estimate.compute_s)}, {seconds(estimate.memory_s)})"
        f" + {seconds(estimate.overhead_s)}{')' * bool(factor)}{factor} = {seconds(estimate.seconds)}, "
        f"{estimate.bound}-bound",
    )
    return replace(board, cost=board.cost + (moved,), notes=board.notes + notes)
