"""Write docs/zoo.md: every network of the zoo manifest, the frameworks' figures beside costcalc's.

    python tools/zoo_table.py > docs/zoo.md

The manifest, specs/models.tsv, has a row per framework model: framework (torchvision or keras),
model (the framework's name), spec (a path under specs/), design, set (`--set` values as
`k=v;k=v`, or -) and sizes (the two inputs checked, the framework's default first: a side N for
an N x N x 3 image, TxHxW for a clip of T frames). The reference figures were measured by running
the frameworks (tests/data/reference/, with their provenance): torchvision_sizes.tsv and
video_audio.tsv (params as trainable, batchnorm running statistics as non-trainable, fvcore's
conv + linear MACs), attention_models.tsv (the ViTs and Swins: params, fvcore's total, compared
with costcalc's total under --convention fvcore) and keras_applications.tsv (Keras's trainable
and non-trainable weights and MACs). A keras row's reference is the row whose args are the
manifest row's set, or - . tests/test_model_zoo.py checks every figure and that docs/zoo.md is
this script's output. Needs costcalc only.
"""
import csv
import sys
from functools import cache
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "specs" / "models.tsv"
REFERENCE = ROOT / "tests" / "data" / "reference"


# torchvision's classification, segmentation and video models not yet in the manifest, with the reason;
# tests/test_registries.py holds the manifest and this to torchvision_registry.tsv. Another helper writes
# the attention models (branch attn2).
NOT_YET = {
    "maxvit_t": "block and grid attention",
    "mvit_v1_b": "multiscale pooling attention", "mvit_v2_s": "multiscale pooling attention",
    "swin3d_t": "3-D shifted-window attention", "swin3d_s": "3-D shifted-window attention",
    "swin3d_b": "3-D shifted-window attention",
}
COVERED = ("classification", "segmentation", "video")


class Entry(NamedTuple):
    framework: str
    model: str
    spec: str
    design: str
    settings: tuple[tuple[str, str], ...]
    sizes: tuple[str, ...]


class Figures(NamedTuple):
    trainable: int
    non_trainable: int
    macs: int
    output: tuple[int, ...]


def rows_of(path: Path) -> list[dict[str, str]]:
    """A tab-separated table's rows, its # comment lines skipped."""
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def settings_of(text: str) -> tuple[tuple[str, str], ...]:
    if text == "-":
        return ()
    return tuple((name, value) for name, _, value in (pair.partition("=") for pair in text.split(";")))


def manifest() -> list[Entry]:
    return [Entry(row["framework"], row["model"], row["spec"], row["design"], settings_of(row["set"]),
                  tuple(row["sizes"].split(",")))
            for row in rows_of(MANIFEST)]


def shape(text: str) -> tuple[int, ...]:
    return tuple(int(d) for d in text.split("x"))


def input_shape(size: str) -> tuple[int, ...]:
    """The input of a manifest size, channels last: `224` is 224 x 224 x 3, `16x112x112` a clip of 16 frames."""
    dims = shape(size)
    return (dims * 2 if len(dims) == 1 else dims) + (3,)


def size_cell(size: str) -> str:
    return f"{size}²" if "x" not in size else size.replace("x", "×")


COUNTS = ("params", "bn_running_stats", "conv_macs", "linear_macs", "fvcore_total")


@cache
def torchvision_rows() -> dict[tuple[str, str], dict]:
    """torchvision_sizes.tsv and video_audio.tsv by (model, input): their counts as ints, the output as a shape."""
    rows = rows_of(REFERENCE / "torchvision_sizes.tsv") + rows_of(REFERENCE / "video_audio.tsv")
    return {(row["model"], row["input"]): {k: int(row[k]) for k in COUNTS} | {"output": shape(row["output"])}
            for row in rows}


@cache
def attention_rows() -> dict[tuple[str, str], dict[str, str]]:
    """attention_models.tsv by (model, input)."""
    return {(row["model"], row["input"]): row for row in rows_of(REFERENCE / "attention_models.tsv")}


@cache
def keras_rows() -> dict[tuple[str, str, str], dict[str, str]]:
    """keras_applications.tsv by (model, args, input)."""
    return {(row["model"], row["args"], row["input"]): row for row in rows_of(REFERENCE / "keras_applications.tsv")}


def convention(entry: Entry) -> str:
    """The --convention under which costcalc's total is the reference's MAC figure: fvcore's total for the
    attention models (their matmuls, layer norms and pooling), costcalc's MACs for the others."""
    return "fvcore" if (entry.model, entry.sizes[0]) in attention_rows() else "costcalc"


def reference(entry: Entry, size: str) -> Figures | None:
    """The framework's figures for `entry` at `size`, None where none were measured."""
    if entry.framework == "torchvision":
        if convention(entry) == "fvcore":  # torchvision's ViTs and Swins: 1000 classes, no batchnorm
            found = attention_rows().get((entry.model, size))
            return Figures(int(found["params"]), 0, int(found["fvcore_total"]), (1000,)) if found else None
        row = torchvision_rows().get((entry.model, size))
        return Figures(row["params"], row["bn_running_stats"], row["conv_macs"] + row["linear_macs"],
                       row["output"]) if row else None
    args = ";".join(f"{name}={value}" for name, value in entry.settings) or "-"
    found = keras_rows().get((entry.model, args, size)) or keras_rows().get((entry.model, "-", size))
    return Figures(int(found["trainable"]), int(found["non_trainable"]), int(found["macs"]),
                   shape(found["output"])) if found else None


def design_at(entry: Entry, size: str | None = None, convention: str = "costcalc"):
    """costcalc's DesignResult for `entry` on a `size` input (None: the spec's own input)."""
    from costcalc import analyze, load

    spec = load(ROOT / "specs" / entry.spec, entry.settings)
    return analyze(spec, size and input_shape(size), designs=[entry.design],
                   convention=convention).design(entry.design)


def figures(entry: Entry, size: str) -> Figures:
    result = design_at(entry, size, convention(entry))
    total = result.total
    macs = total.macs if convention(entry) == "costcalc" else total.flops
    return Figures(total.trainable_params, total.non_trainable_params, macs, tuple(result.output))


def spec_cell(entry: Entry) -> str:
    parts = [f"`{entry.spec}`"] + ([f"design `{entry.design}`"] if entry.design != "main" else []) \
        + [f"`--set {name}={value}`" for name, value in entry.settings]
    return " ".join(parts)


@cache
def registry(framework: str) -> dict[str, str]:
    """torchvision_registry.tsv or keras_registry.tsv: every model the framework ships, by name, its module."""
    return {row["model"]: row["module"] for row in rows_of(REFERENCE / f"{framework}_registry.tsv")}


def coverage(entries: list[Entry]) -> list[str]:
    """The lines of docs/zoo.md that say how much of each framework's registry the table holds."""
    listed = {(entry.framework, entry.model) for entry in entries}
    wanted = [name for name, module in registry("torchvision").items() if module in COVERED]
    quantized = [name for name, module in registry("torchvision").items() if module == "quantization"]
    keras = list(registry("keras"))
    return ["", f"torchvision 0.29.1's registry (tests/data/reference/torchvision_registry.tsv): "
            f"{sum(('torchvision', name) in listed for name in wanted)} of its {len(wanted)} classification,",
            "segmentation and video models are here. Not yet, each waiting for what its spec needs: "
            + "; ".join(f"{', '.join(name for name in NOT_YET if NOT_YET[name] == reason)} ({reason})"
                        for reason in dict.fromkeys(NOT_YET.values())) + ".",
            f"Its {len(quantized)} quantizable models (quantized_*) are their float twins between a QuantStub and a",
            "DeQuantStub, which hold no weights: built with quantize=False they have the twin's parameters and MACs",
            "(torchvision_quantized.tsv), so the twin's row stands for them; the int8 model after torch's convert",
            "is not counted. Detection, keypoint and optical-flow models (dynamic operations) are out of scope.",
            f"Keras 3.15.1's applications (keras_registry.tsv): {sum(('keras', name) in listed for name in keras)}"
            f" of {len(keras)} here."]


def compared(entry: Entry) -> str:
    """Which MAC figure of the framework's the row compares."""
    if entry.framework == "keras":
        return "Keras conv + dense"
    return "fvcore total" if convention(entry) == "fvcore" else "fvcore conv + linear"


def markdown() -> str:
    lines = ["# The zoo", "",
             "Every framework model written as a spec, with the framework's own figures measured by running it",
             "(tests/data/reference/, with provenance): trainable and non-trainable parameters (torchvision: the",
             "parameters, and batchnorm running statistics as non-trainable; Swin's position index buffers are not",
             "weights; at the default input: a ViT at another side has another position embedding), and forward",
             "MACs at the default input and one other (N²: an N × N image; T×H×W: a clip of",
             "T frames). The MAC figure compared, per row: *fvcore conv + linear*, fvcore's conv and linear MACs",
             "(torchvision CNNs and video networks; costcalc's MACs); *fvcore total*, fvcore's whole count, its",
             "attention matmuls, layer norms and pooling included (torchvision ViTs and Swins; costcalc's total",
             "under `--convention fvcore`); *Keras conv + dense*, the MACs of Conv2D, DepthwiseConv2D,",
             "SeparableConv2D and Dense (Keras Applications; costcalc's MACs). ✓: costcalc gives the same",
             "parameters, MACs and output shape at both sizes. Generated by `python tools/zoo_table.py >",
             "docs/zoo.md` from specs/models.tsv; do not edit.", "",
             "| framework | model | spec | trainable params | non-trainable params | MACs compared | MACs, default size"
             " | MACs, other size | exact |",
             "| --- | --- | --- | ---: | ---: | --- | ---: | ---: | :---: |"]
    entries, exact = manifest(), 0
    for entry in entries:
        wanted = [reference(entry, size) for size in entry.sizes]
        same = all(w == figures(entry, size) for w, size in zip(wanted, entry.sizes, strict=True))
        exact += same
        first = wanted[0] or Figures(0, 0, 0, ())
        macs = [f"{w.macs:,} ({size_cell(size)})" if w else f"— ({size_cell(size)})"
                for w, size in zip(wanted, entry.sizes, strict=True)]
        lines.append(f"| {entry.framework} | {entry.model} | {spec_cell(entry)} | {first.trainable:,} | "
                     f"{first.non_trainable:,} | {compared(entry)} | {' | '.join(macs)} | {'✓' if same else '✗'} |")
    lines += ["", f"{exact} of {len(entries)} models exact at both sizes.", *coverage(entries)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
