"""Write docs/zoo.md: every network of the zoo manifest, the frameworks' figures beside costcalc's.

    python tools/zoo_table.py > docs/zoo.md

The manifest, specs/models.tsv, has a row per framework model: framework (torchvision or keras),
model (the framework's name), spec (a path under specs/), design, set (`--set` values as
`k=v;k=v`, or -) and sizes (the two input sides checked, the framework's default first). The
reference figures were measured by running the frameworks (tests/data/reference/, with their
provenance): torchvision_sizes.tsv (params as trainable, batchnorm running statistics as
non-trainable, fvcore's conv + linear MACs) and keras_applications.tsv (Keras's trainable and
non-trainable weights and MACs). A keras row's reference is the row whose args are the
manifest row's set, or - . tests/test_model_zoo.py checks every figure and that docs/zoo.md is
this script's output. Needs costcalc only.
"""
import csv
import sys
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "specs" / "models.tsv"
REFERENCE = ROOT / "tests" / "data" / "reference"


class Entry(NamedTuple):
    framework: str
    model: str
    spec: str
    design: str
    settings: tuple[tuple[str, str], ...]
    sizes: tuple[int, ...]


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
                  tuple(int(side) for side in row["sizes"].split(",")))
            for row in rows_of(MANIFEST)]


def shape(text: str) -> tuple[int, ...]:
    return tuple(int(d) for d in text.split("x"))


def torchvision_rows() -> dict[tuple[str, int], dict[str, int]]:
    """torchvision_sizes.tsv by (model, input side): its counts as ints, the output as a shape."""
    return {(row["model"], int(row["input"])): {k: int(v) for k, v in row.items() if k not in ("model", "output")}
            | {"output": shape(row["output"])} for row in rows_of(REFERENCE / "torchvision_sizes.tsv")}


def keras_rows() -> dict[tuple[str, str, int], dict[str, str]]:
    """keras_applications.tsv by (model, args, input side)."""
    return {(row["model"], row["args"], int(row["input"])): row for row in rows_of(REFERENCE / "keras_applications.tsv")}


def reference(entry: Entry, side: int, torchvision=None, keras=None) -> Figures | None:
    """The framework's figures for `entry` at `side` × `side`, None where none were measured."""
    if entry.framework == "torchvision":
        row = (torchvision or torchvision_rows()).get((entry.model, side))
        return row and Figures(row["params"], row["bn_running_stats"], row["conv_macs"] + row["linear_macs"],
                               row["output"])
    table = keras or keras_rows()
    args = ";".join(f"{name}={value}" for name, value in entry.settings) or "-"
    found = table.get((entry.model, args, side)) or table.get((entry.model, "-", side))
    return found and Figures(int(found["trainable"]), int(found["non_trainable"]), int(found["macs"]),
                             shape(found["output"]))


def design_at(entry: Entry, side: int):
    """costcalc's DesignResult for `entry` on a `side` × `side` × 3 input."""
    from costcalc import analyze, load

    spec = load(ROOT / "specs" / entry.spec, entry.settings)
    return analyze(spec, (side, side, 3), designs=[entry.design]).design(entry.design)


def figures(entry: Entry, side: int) -> Figures:
    result = design_at(entry, side)
    total = result.total
    return Figures(total.trainable_params, total.non_trainable_params, total.macs, tuple(result.output))


def spec_cell(entry: Entry) -> str:
    parts = [f"`{entry.spec}`"] + ([f"design `{entry.design}`"] if entry.design != "main" else []) \
        + [f"`--set {name}={value}`" for name, value in entry.settings]
    return " ".join(parts)


def markdown() -> str:
    torchvision, keras = torchvision_rows(), keras_rows()
    lines = ["# The zoo", "",
             "Every framework model written as a spec, with the framework's own figures measured by running it",
             "(tests/data/reference/, with provenance): trainable and non-trainable parameters, and forward MACs at",
             "the default input size and one other (torchvision: fvcore's conv + linear MACs; Keras: Conv2D,",
             "DepthwiseConv2D, SeparableConv2D and Dense). ✓: costcalc gives the same parameters, MACs and output",
             "shape at both sizes. Generated by `python tools/zoo_table.py > docs/zoo.md` from specs/models.tsv;",
             "do not edit.", "",
             "| framework | model | spec | trainable params | non-trainable params | MACs, default size | MACs, other size"
             " | exact |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | :---: |"]
    entries, exact = manifest(), 0
    for entry in entries:
        wanted = [reference(entry, side, torchvision, keras) for side in entry.sizes]
        same = all(w == figures(entry, side) for w, side in zip(wanted, entry.sizes, strict=True))
        exact += same
        first = wanted[0] or Figures(0, 0, 0, ())
        macs = [f"{w.macs:,} ({side}²)" if w else f"— ({side}²)" for w, side in zip(wanted, entry.sizes, strict=True)]
        lines.append(f"| {entry.framework} | {entry.model} | {spec_cell(entry)} | {first.trainable:,} | "
                     f"{first.non_trainable:,} | {' | '.join(macs)} | {'✓' if same else '✗'} |")
    lines += ["", f"{exact} of {len(entries)} models exact at both sizes."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
