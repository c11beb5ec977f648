"""`costcalc export` as a call: a design as an ONNX model, a PyTorch nn.Module or a Keras builder."""

from __future__ import annotations

from dataclasses import dataclass

from ..device.settings import DeviceSettings
from ..errors import CostcalcError
from ..safe import brief

TARGETS = ("onnx", "pytorch", "keras")


@dataclass(frozen=True, slots=True)
class Exported:
    """An exported design: `content`, an ONNX model's bytes or code as text, and with figures `netron`, the
    attachment that shows them in Netron (JSON bytes, written beside the model as NAME.netron.json)."""

    content: bytes | str
    netron: bytes | None = None


def refuse_sequences_and_clips(design, to: str) -> None:
    """One line for the first layer on a sequence or a clip: exports write layers on images and vectors (a dense
    layer on [L, C] would have been written as a Gemm that no runtime can load)."""
    for row in design.rows:
        if row.role == "layer" and len(row.input) in (2, 4):
            axes = "1-D" if len(row.input) == 2 else "3-D"
            raise CostcalcError(f"export --to {to} writes images' layers, not {axes} ones: {brief(row.path)}"
                                f" ({row.kind}) is on [{'×'.join(map(str, row.input))}];"
                                " report, compare and check count it")


def export_file(path: str, to: str = "onnx", design: str | None = None, input_shape=None, settings=(),
                weights: str = "random", figures: bool = False, on_device: DeviceSettings = DeviceSettings(),
                device_name: str | None = None, devices_files: tuple[str, ...] = ()) -> Exported:
    """`design` (default: the baseline) of the spec at `path`, as `to`: onnx, pytorch or keras.

    ONNX only: `weights` random (seeded: the same file every time), zeros or none (graph inputs); with
    `figures`, costcalc's figures on each node at `on_device`, with the latency on `device_name` if given."""
    if to not in TARGETS:
        raise ValueError(f"{to!r} is not an export target; one of {', '.join(TARGETS)}")
    if to == "onnx":
        import importlib.util

        if importlib.util.find_spec("onnx") is None:
            raise CostcalcError("export --to onnx needs the onnx package: pip install 'costcalc[onnx]'")
    from ..bridges.graph import graph
    from ..count.engine import analyze
    from ..spec.reader import load

    loaded = load(path, settings)
    analysis = analyze(loaded, input_shape, [design] if design else None, on_device.activation_bytes)
    chosen = analysis.design(design or analysis.baseline)
    refuse_sequences_and_clips(chosen, to)
    title = f"{analysis.name or analysis.file} — {chosen.name}"
    if to == "pytorch":
        from ..bridges.pytorch_export import module_code

        return Exported(module_code(graph(chosen), title))
    if to == "keras":
        from ..bridges.keras_export import builder_code

        return Exported(builder_code(graph(chosen), title))
    from ..bridges.onnx_export import export

    if not figures:
        return Exported(export(graph(chosen), weights, None, title))
    from ..bridges.netron import attachment, node_figures
    from ..device.profiles import pick

    found = node_figures(chosen, on_device, pick((device_name,), devices_files, loaded) if device_name else [])
    return Exported(export(graph(chosen), weights, found, title), attachment(found))
