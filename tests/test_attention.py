"""The attention kinds: torchvision's ViTs and Swins against torch's parameters and fvcore, ptflops and thop, and
single attention layers as each tool counts them (tests/data/reference/attention_*.tsv, tools/count_attention.py)."""

import csv

import pytest
from conftest import ROOT, SPECS

from costcalc.count.conventions import CONVENTIONS, Facts
from costcalc.count.engine import analyze
from costcalc.model.attention import PartitionAttention, PoolingAttention, SelfAttention, WindowAttention
from costcalc.spec.reader import load

REFERENCE = ROOT / "tests" / "data" / "reference"
FAMILIES = {"vit": "vits.yaml", "swin_v2": "swins_v2.yaml", "swin3d": "swins_3d.yaml", "swin": "swins.yaml",
            "maxvit": "maxvits.yaml", "mvit": "mvits.yaml"}
BY_PARAMS = {"mvits.yaml"}
"""Specs whose input is set by their params frames and size (their attention's grids follow them)."""


def rows(name: str) -> list[dict]:
    lines = [line for line in (REFERENCE / name).read_text().splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def spec_of(model: str) -> str:
    return next(spec for prefix, spec in FAMILIES.items() if model.startswith(prefix))


def input_shape(written: str) -> tuple[int, ...]:
    """The table's input, a side (224) or a clip (16x224x224), as a spec's input channels last."""
    sides = tuple(map(int, written.split("x")))
    return (*sides, sides[0], 3) if len(sides) == 1 else (*sides, 3)


@pytest.mark.parametrize("row", rows("attention_models.tsv") + rows("attention_models_more.tsv"),
                         ids=lambda r: f"{r['model']}@{r['input']}")
def test_params_and_the_tools_totals_at_two_sizes(row):
    """Trainable: torch's parameters; non-trainable: BatchNorm's running statistics (a column of the second table;
    the first's models have no BatchNorm)."""
    spec, shape = spec_of(row["model"]), input_shape(row["input"])
    if spec in BY_PARAMS:
        loaded, shape = load(SPECS / "torchvision" / spec, (("frames", str(shape[0])), ("size", str(shape[1])))), None
    else:
        loaded = load(SPECS / "torchvision" / spec)
    analysis = {c: analyze(loaded, shape, [row["model"]], convention=c).designs[0]
                for c in ("fvcore", "ptflops", "thop")}
    design = analysis["fvcore"]
    assert (design.total.trainable_params, design.total.non_trainable_params) == \
        (int(row["params"]), int(row.get("bn_running_stats") or 0))
    assert design.total.flops == int(row["fvcore_total"])
    for tool in ("ptflops", "thop"):
        if row[f"{tool}_macs"] != "-":
            assert analysis[tool].total.flops == int(row[f"{tool}_macs"]), tool


VIDEO_SWIN = WindowAttention(heads=2, window=(8, 7, 7), shift=(4, 3, 3), shrink=True)
LAYERS = {
    "MultiheadAttention(64,4) need_weights=False": (SelfAttention(heads=4), (50, 64)),
    "ShiftedWindowAttention(32,[7,7],[3,3],2)": (WindowAttention(heads=2, window=(7, 7), shift=(3, 3)), (14, 14, 32)),
    "ShiftedWindowAttention(32,[7,7],[0,0],2)": (WindowAttention(heads=2, window=(7, 7)), (14, 14, 32)),
    "ShiftedWindowAttention(32,[7,7],[3,3],2) padded": (WindowAttention(heads=2, window=(7, 7), shift=(3, 3)),
                                                        (16, 16, 32)),
    "ShiftedWindowAttentionV2(32,[8,8],[4,4],2)": (
        WindowAttention(heads=2, window=(8, 8), shift=(4, 4), position_bias="continuous", cosine=True), (16, 16, 32)),
    "ShiftedWindowAttention3d(32,[8,7,7],[4,3,3],2)": (VIDEO_SWIN, (16, 14, 14, 32)),
    "ShiftedWindowAttention3d(32,[8,7,7],[4,3,3],2) shrunk": (VIDEO_SWIN, (4, 7, 10, 32)),
    "RelativePositionalMultiHeadAttention(64,32,49) on 16 groups": (PartitionAttention(heads=2, size=7), (28, 28, 64)),
    "MultiscaleAttention(32,32,2) kv pooled [1,2,2]": (PoolingAttention(heads=2, grid=(2, 8, 8), kernel_kv=(3, 3, 3),
                                                                       stride_kv=(1, 2, 2)), (129, 32)),
    "MultiscaleAttention(32,64,2) q and kv pooled [1,2,2], relative, residual": (
        PoolingAttention(heads=2, grid=(2, 8, 8), out=64, kernel_q=(3, 3, 3), stride_q=(1, 2, 2), kernel_kv=(3, 3, 3),
                         stride_kv=(1, 2, 2), relative=True, residual=True), (129, 32)),
}


@pytest.mark.parametrize("row", [r for r in rows("attention_layers.tsv") if r["layer"] in LAYERS],
                         ids=lambda r: r["layer"])
def test_single_layers_as_each_tool_counts_them(row):
    op, shape = LAYERS[row["layer"]]
    out = op.infer(shape)
    facts = Facts(op, shape, out, op.macs(shape, out), op.work(shape, out))
    assert op.params(shape, out) == (int(row["params"]), 0)
    assert sum(CONVENTIONS["fvcore"].count(facts).values()) == int(row["fvcore"])
    assert sum(CONVENTIONS["ptflops"].count(facts).values()) == int(row["ptflops"])
    assert sum(CONVENTIONS["thop"].count(facts).values()) == int(row["thop"])
    assert sum(CONVENTIONS["flopcounter"].count(facts).values()) == int(row["flop_counter_mode"])
    assert sum(CONVENTIONS["flops2x"].count(facts).values()) == int(row["flop_counter_mode"]) or \
        row["layer"].startswith("MultiheadAttention")  # FlopCounterMode counts the fused MHA 0 on CPU


def test_export_refuses_an_attention_kind_in_one_line_naming_it():
    from conftest import run

    spec = SPECS / "torchvision" / "swins.yaml"
    result = run("export", str(spec), "--to", "pytorch", "-o", "-")
    assert (result.code, result.out) == (2, "")
    assert result.err == (f"{spec}:34:15: swin_t/features.1/even/add_1/attention/attn (window_attention): export has "
                          "no form for window_attention yet; report, explain and draw count it\n")
