"""fvcore, ptflops and thop, reproduced exactly: totals, kind by kind, and layer by layer.

Reference data in tests/data/reference/ (with provenance): torchvision.tsv (each tool's
headline for five networks), conventions_breakdown.tsv (those headlines by operation kind)
and single_layers.tsv (what each tool counts for one PyTorch layer).
"""

import csv
from pathlib import Path

import pytest
from conftest import SPECS

from costcalc import analyze, load, loads
from costcalc.count.conventions import CONVENTIONS, KINDS

REFERENCE = Path(__file__).parent / "data" / "reference"
TOOLS = ("fvcore", "ptflops", "thop")
NETWORKS = {  # torchvision model: (zoo spec, design)
    "googlenet": ("googlenet_torchvision.yaml", "main"),
    "inception_v3": ("inception_v3_torchvision.yaml", "main"),
    "mobilenet_v2": ("mobilenet_v2_torchvision.yaml", "main"),
    "resnet50": ("resnet50_torchvision.yaml", "main"),
    "vgg16": ("vgg16.yaml", "torchvision"),
}
HEADLINE = {"fvcore": "fvcore_total", "ptflops": "ptflops_macs", "thop": "thop_macs"}


def rows(name: str) -> list[dict]:
    lines = [line for line in (REFERENCE / name).read_text().splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


HEADLINES = {row["model"]: row for row in rows("torchvision.tsv")}
BREAKDOWN = {(row["model"], row["kind"]): row for row in rows("conventions_breakdown.tsv")}
EVIDENCE = {row["layer"]: row for row in rows("single_layers.tsv")}


def network(model: str, convention: str):
    spec, design = NETWORKS[model]
    return analyze(load(SPECS / "zoo" / spec), convention=convention).design(design)


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("model", NETWORKS)
def test_the_fifteen_headlines(model, tool):
    assert network(model, tool).total.flops == int(HEADLINES[model][HEADLINE[tool]])


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("model", NETWORKS)
def test_kind_by_kind(model, tool):
    breakdown = network(model, tool).breakdown
    expected = {kind: int(BREAKDOWN[(model, kind)][tool]) for kind in KINDS if (model, kind) in BREAKDOWN}
    assert {kind: breakdown[kind] for kind in expected} == expected
    assert breakdown["merge"] == 0  # residual `+` and torch.cat are counted by none of them


def test_flops2x_is_twice_the_macs():
    design = network("resnet50", "flops2x")
    assert design.total.flops == 2 * design.total.macs == 2 * (4_087_136_256 + 2_048_000)


# One PyTorch layer as a costcalc layer (channels last), keyed by the evidence row's label.
SINGLE_LAYERS = {
    "Conv2d(8,16,3,p=1)": ("[14, 14, 8]", "conv: {filters: 16, kernel: 3, padding: 1}"),
    "Conv2d(8,16,3,p=1,bias=False)": ("[14, 14, 8]", "conv: {filters: 16, kernel: 3, padding: 1, bias: false}"),
    "Conv2d(8,16,3,s=2,p=1,bias=False)": ("[14, 14, 8]",
                                          "conv: {filters: 16, kernel: 3, stride: 2, padding: 1, bias: false}"),
    "Conv2d(8,16,3,p=2,d=2,bias=False)": ("[14, 14, 8]",
                                          "conv: {filters: 16, kernel: 3, padding: 2, dilation: 2, bias: false}"),
    "Conv2d(8,16,3,p=1,g=4,bias=False)": ("[14, 14, 8]",
                                          "conv: {filters: 16, kernel: 3, padding: 1, groups: 4, bias: false}"),
    "Conv2d(8,8,3,p=1,g=8,bias=False) dw": ("[14, 14, 8]", "depthwise: {kernel: 3, padding: 1, bias: false}"),
    "Conv2d(8,8,3,p=1,g=8) dw+bias": ("[14, 14, 8]", "depthwise: {kernel: 3, padding: 1}"),
    "Conv2d(8,16,1,bias=False)": ("[14, 14, 8]", "conv: {filters: 16, kernel: 1, bias: false}"),
    "Linear(64,10)": ("[64]", "dense: {units: 10}"),
    "Linear(64,10,bias=False)": ("[64]", "dense: {units: 10, bias: false}"),
    "Linear(64,10) 3-D input": ("[1, 5, 64]", "dense: {units: 10}"),
    "BatchNorm2d(8) eval": ("[14, 14, 8]", "batchnorm"),
    "BatchNorm2d(8,affine=False) eval": ("[14, 14, 8]", "batchnorm: {center: false, scale: false}"),
    "ReLU()": ("[14, 14, 8]", "relu"),
    "ReLU6(inplace=True)": ("[14, 14, 8]", "relu6"),
    "Sigmoid()": ("[14, 14, 8]", "sigmoid"),
    "Hardswish()": ("[14, 14, 8]", "hswish"),
    "Hardsigmoid()": ("[14, 14, 8]", "hsigmoid"),
    "SiLU()": ("[14, 14, 8]", "swish"),
    "Tanh()": ("[14, 14, 8]", "tanh"),
    "Softmax(dim=1) on (1,1000)": ("[1000]", "softmax"),
    "Softmax(dim=1) on NCHW": ("[14, 14, 8]", "softmax"),
    "F.relu(x, inplace=True)": ("[14, 14, 8]", "relu: {torch: functional}"),
    "torch.relu(x)": ("[14, 14, 8]", "relu: {torch: operator}"),
    "F.relu6(x)": ("[14, 14, 8]", "relu6: {torch: functional}"),
    "F.silu(x)": ("[14, 14, 8]", "swish: {torch: functional}"),
    "F.hardswish(x)": ("[14, 14, 8]", "hswish: {torch: functional}"),
    "MaxPool2d(3,2)": ("[15, 15, 8]", "maxpool: {size: 3, stride: 2, padding: valid}"),
    "MaxPool2d(3,2,ceil_mode=True)": ("[14, 14, 8]", "maxpool: {size: 3, stride: 2, padding: valid, ceil_mode: true}"),
    "MaxPool2d(3,1,p=1)": ("[15, 15, 8]", "maxpool: {size: 3, stride: 1, padding: 1}"),
    "MaxPool2d(2,2)": ("[14, 14, 8]", "maxpool: {size: 2, stride: 2, padding: valid}"),
    "AvgPool2d(3,2)": ("[15, 15, 8]", "avgpool: {size: 3, stride: 2, padding: valid}"),
    "AvgPool2d(3,2,ceil_mode=True)": ("[14, 14, 8]", "avgpool: {size: 3, stride: 2, padding: valid, ceil_mode: true}"),
    "AvgPool2d(3,1,p=1)": ("[15, 15, 8]", "avgpool: {size: 3, stride: 1, padding: 1}"),
    "F.max_pool2d(x,3,2)": ("[15, 15, 8]", "maxpool: {size: 3, stride: 2, padding: valid, torch: functional}"),
    "F.avg_pool2d(x,3,1,1)": ("[15, 15, 8]", "avgpool: {size: 3, stride: 1, padding: 1, torch: functional}"),
    "AdaptiveAvgPool2d(1)": ("[14, 14, 8]", "adaptive_avgpool: {output: 1}"),
    "AdaptiveAvgPool2d(7) on 14x14": ("[14, 14, 8]", "adaptive_avgpool: {output: 7}"),
    "AdaptiveAvgPool2d(7) on 7x7": ("[7, 7, 8]", "adaptive_avgpool: {output: 7}"),
    "AdaptiveAvgPool2d(6) on 15x15": ("[15, 15, 8]", "adaptive_avgpool: {output: 6}"),
    "AdaptiveMaxPool2d(1)": ("[14, 14, 8]", "adaptive_maxpool: {output: 1}"),
    "F.adaptive_avg_pool2d(x,1)": ("[14, 14, 8]", "adaptive_avgpool: {output: 1, torch: functional}"),
    "F.adaptive_max_pool2d(x,1)": ("[14, 14, 8]", "adaptive_maxpool: {output: 1, torch: functional}"),
    "x.mean((2,3))": ("[14, 14, 8]", "global_avgpool: {torch: operator}"),
    "torch.add(x,x)": ("[14, 14, 8]", "branches: {a: [], b: []}\n    merge: add\n    torch: functional"),
    "x + x": ("[14, 14, 8]", "branches: {a: [], b: []}\n    merge: add"),
    "torch.cat([x,x],1)": ("[14, 14, 8]", "branches: {a: [], b: []}"),
    "Flatten()": ("[14, 14, 8]", "flatten"),
    "Dropout(0.5) eval": ("[14, 14, 8]", "dropout: {rate: 0.5}"),
    "ZeroPad2d(1)": ("[14, 14, 8]", "zeropad: {padding: 1}"),
    "LeakyReLU()": ("[14, 14, 8]", "leaky_relu"),
    "LayerNorm(8) channels-last": ("[14, 14, 8]", "layernorm"),
    "LayerNorm(8,elementwise_affine=False) channels-last": ("[14, 14, 8]", "layernorm: {center: false, scale: false}"),
    "LayerNorm(8,bias=False) channels-last": ("[14, 14, 8]", "layernorm: {center: false}"),
    "F.layer_norm(x,(8,)) channels-last": ("[14, 14, 8]",
                                           "layernorm: {center: false, scale: false, torch: functional}"),
    "LayerNorm2d(8)": ("[14, 14, 8]", "layernorm: {torch: functional}"),
    "GroupNorm(4,8)": ("[14, 14, 8]", "groupnorm: {groups: 4}"),
    "GroupNorm(4,8,affine=False)": ("[14, 14, 8]", "groupnorm: {groups: 4, center: false, scale: false}"),
    "F.group_norm(x,4)": ("[14, 14, 8]", "groupnorm: {groups: 4, center: false, scale: false, torch: functional}"),
    "gamma * x (layer scale)": ("[14, 14, 8]", "layer_scale"),
    "(x - mean) / torch.sqrt(var)": ("[14, 14, 8]", "normalization"),
    "x * (1/255) + 0.5": ("[14, 14, 8]", "rescaling: {scale: 0.00392156862745098, offset: 0.5}"),
    "GELU()": ("[14, 14, 8]", "gelu"),
    "GELU(approximate='tanh')": ("[14, 14, 8]", "gelu"),
    "F.gelu(x)": ("[14, 14, 8]", "gelu: {torch: functional}"),
    "F.leaky_relu(x)": ("[14, 14, 8]", "leaky_relu: {torch: functional}"),
    "ELU()": ("[14, 14, 8]", "elu"),
    "F.elu(x)": ("[14, 14, 8]", "elu: {torch: functional}"),
    "Mish()": ("[14, 14, 8]", "mish"),
    "F.mish(x)": ("[14, 14, 8]", "mish: {torch: functional}"),
    "PReLU()": ("[14, 14, 8]", "prelu: {slopes: shared}"),
    "PReLU(8)": ("[14, 14, 8]", "prelu: {slopes: channel}"),
    "F.prelu(x,w)": ("[14, 14, 8]", "prelu: {slopes: channel, torch: functional}"),
    "Upsample(x2,nearest)": ("[14, 14, 8]", "resize: {scale: 2}"),
    "Upsample(x2,bilinear)": ("[14, 14, 8]", "resize: {scale: 2, mode: bilinear}"),
    "Upsample(size=(21,21),nearest)": ("[14, 14, 8]", "resize: {size: [21, 21]}"),
    "Upsample(size=(21,21),bilinear)": ("[14, 14, 8]", "resize: {size: 21, mode: bilinear}"),
    "Upsample(x3,bilinear)": ("[14, 14, 8]", "resize: {scale: 3, mode: bilinear}"),
    "F.interpolate(x,scale_factor=2,nearest)": ("[14, 14, 8]", "resize: {scale: 2, torch: functional}"),
    "F.interpolate(x,size=(21,21),bilinear)": ("[14, 14, 8]",
                                               "resize: {size: [21, 21], mode: bilinear, torch: functional}"),
    "F.interpolate(x,size=(7,7),bilinear)": ("[14, 14, 8]",
                                             "resize: {size: [7, 7], mode: bilinear, torch: functional}"),
    "ConvTranspose2d(8,16,3,s=2,p=1,op=1)": ("[14, 14, 8]", "conv_transpose: {filters: 16, kernel: 3, stride: 2, "
                                             "padding: 1, output_padding: 1}"),
    "ConvTranspose2d(8,16,2,s=2,bias=False)": ("[14, 14, 8]", "conv_transpose: {filters: 16, kernel: 2, stride: 2, "
                                               "padding: 0, bias: false}"),
    "ConvTranspose2d(8,16,3,s=2,p=1,g=4,bias=False)": ("[14, 14, 8]", "conv_transpose: {filters: 16, kernel: 3, "
                                                       "stride: 2, padding: 1, groups: 4, bias: false}"),
    "ConvTranspose2d(8,4,3,s=1,p=2,d=2)": ("[14, 14, 8]", "conv_transpose: {filters: 4, kernel: 3, padding: 2, "
                                           "dilation: 2}"),
    "ChannelShuffle(2)": ("[14, 14, 8]", "channel_shuffle: {groups: 2}"),
    "x[:,:,1:-2,3:-4]": ("[14, 14, 8]", "crop: {cropping: [1, 2, 3, 4]}"),
    "x[:,2:6]": ("[14, 14, 8]", "slice: {start: 2, end: 6}"),
    "x.narrow(1,2,4)": ("[14, 14, 8]", "slice: {start: 2, end: 6}"),
    "x.chunk(2,dim=1)[1]": ("[14, 14, 8]", "slice: {start: 4}"),
    "torch.split(x,[3,5],1)[1]": ("[14, 14, 8]", "slice: {start: 3, end: 8}"),
}


def single_layer(label: str, convention: str = "costcalc"):
    shape, layer = SINGLE_LAYERS[label]
    return analyze(loads(f"input: {shape}\nlayers:\n  - {layer}\n", "t.yaml"), convention=convention).designs[0]




@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("label", SINGLE_LAYERS)
def test_single_layer_evidence(label, tool):
    assert single_layer(label, tool).total.flops == int(EVIDENCE[label][tool])


@pytest.mark.parametrize("label", SINGLE_LAYERS)
def test_single_layer_shape_and_macs(label):
    """The output shape of each layer is PyTorch's, and conv-like MACs are the conventional count."""
    row, design = EVIDENCE[label], single_layer(label)
    image = len(design.output) == 3 and row["op"] != "linear" and "channels-last" not in label
    out = (design.output[2], *design.output[:2]) if image else design.output
    batch = () if SINGLE_LAYERS[label][0].startswith("[1, ") else (1,)  # [1, 5, 64] stands for the batch and all
    assert row["out_shape"] == "x".join(map(str, (*batch, *out)))
    assert design.total.macs == int(row["macs"] or 0)


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("label", SINGLE_LAYERS)
def test_a_tool_with_no_rule_is_said_to_have_none(label, tool):
    """`costcalc conventions` lists a kind as unknown to a tool exactly where the tool knows no rule for it."""
    op = next(row.op for row in single_layer(label).rows if row.role in ("layer", "merge"))
    assert CONVENTIONS[tool].unknown(op) == (tool in EVIDENCE[label]["no_rule"].split(",")), op


def test_a_global_average_pool_module_counts_as_adaptive_pooling_to_one():
    """global_avgpool is nn.AdaptiveAvgPool2d(1) to PyTorch's counters, as the evidence row for that module."""
    row = EVIDENCE["AdaptiveAvgPool2d(1)"]
    for tool in TOOLS:
        design = analyze(loads("input: [14, 14, 8]\nlayers: [global_avgpool]\n", "t.yaml"), convention=tool).designs[0]
        assert design.total.flops == int(row[tool])


def test_every_convention_says_its_rule_for_every_kind_it_counts():
    for convention in CONVENTIONS.values():
        for model in NETWORKS:
            counted = {kind for kind, n in network(model, convention.name).breakdown.items() if n}
            assert counted <= set(convention.summary), (convention.name, model)


# ---- the command line ---------------------------------------------------------------------

import json  # noqa: E402

from conftest import run  # noqa: E402

RESNET = str(SPECS / "zoo" / "resnet50_torchvision.yaml")


@pytest.mark.parametrize("tool", TOOLS)
def test_report_json_carries_the_tools_figure(tool):
    data = json.loads(run("report", RESNET, "--convention", tool, "--format", "json").out)
    assert data["convention"] == tool
    assert data["designs"][0]["totals"]["flops"] == int(HEADLINES["resnet50"][HEADLINE[tool]])
    assert sum(data["designs"][0]["flops_by_kind"].values()) == data["designs"][0]["totals"]["flops"]


def test_compare_check_explain_and_diff_take_a_convention(spec_file):
    bottleneck = str(SPECS / "bottleneck_5x5.yaml")
    data = json.loads(run("compare", bottleneck, "--convention", "flops2x", "--format", "json").out)
    assert {d["name"]: d["totals"]["flops"] for d in data["designs"]} == {
        "standard": 2 * 120_422_400, "bottleneck": 2 * 12_443_648, "separable": 2 * 8_580_096}
    unbudgeted = spec_file("input: [28, 28, 192]\nlayers: [conv: {filters: 32, kernel: 5}]\n")
    limit = str(2 * 120_422_400)
    assert run("check", unbudgeted, "--max-flops", limit, "--convention", "flops2x").code == 0
    assert run("check", unbudgeted, "--max-flops", limit).code == 1  # costcalc's FLOPs add the biases
    assert "FLOPs" in run("explain", bottleneck, "-d", "standard", "--convention", "fvcore").out
    assert run("diff", bottleneck, "-d", "standard", "-d", "bottleneck", "--convention", "thop").code == 0


def test_convention_diff_golden(golden):
    result = run("report", RESNET, "--convention-diff", "fvcore", "ptflops")
    assert result.code == 0
    golden("convention_diff_resnet50.txt", result.out)


def test_convention_diff_json():
    data = json.loads(run("report", RESNET, "--convention-diff", "ptflops", "thop", "--format", "json").out)
    design = data["designs"][0]
    assert data["conventions"] == ["ptflops", "thop"]
    assert design["flops"] == {"ptflops": 4_132_436_968, "thop": 4_133_742_592}
    assert design["flops_by_kind"]["thop"]["batchnorm"] == 2 * design["flops_by_kind"]["ptflops"]["batchnorm"]


def test_convention_diff_has_no_csv():
    result = run("report", RESNET, "--convention-diff", "fvcore", "thop", "--format", "csv")
    assert result.code == 2
    assert "this output has no csv form" in result.err


def test_conventions_command_golden(golden):
    golden("conventions.txt", run("conventions").out)
    data = json.loads(run("conventions", "--format", "json").out)
    assert [c["name"] for c in data["conventions"]] == list(CONVENTIONS)


@pytest.mark.parametrize("args", [("report", RESNET, "--convention", "fvcor"),
                                  ("report", RESNET, "--convention-diff", "fvcore", "ptflop")])
def test_an_unknown_convention_is_a_usage_error(args):
    result = run(*args)
    assert result.code == 2
    wrong = args[-1]
    assert f"{wrong!r} is not a convention; did you mean {wrong + ('e' if wrong == 'fvcor' else 's')!r}?" in result.err


def test_the_docs_example_is_current():
    from conftest import GOLDEN, ROOT

    docs = (ROOT / "docs" / "conventions.md").read_text(encoding="utf-8")
    assert (GOLDEN / "convention_diff_resnet50.txt").read_text(encoding="utf-8") in docs


EVERY_KIND = Path(__file__).parent / "data" / "every_kind.yaml"
EVERY_ATTENTION_KIND = EVERY_KIND.with_name("every_kind_attention.yaml")


def every_call_of_every_kind():
    """(op, facts) for each layer kind and merge of every_kind.yaml and every_kind_attention.yaml, called each way
    its `torch` option allows."""
    from dataclasses import replace

    from costcalc.count.conventions import EVERY_FORM, Facts

    for row in (row for bed in (EVERY_KIND, EVERY_ATTENTION_KIND) for row in analyze(load(bed)).designs[0].rows):
        if row.role in ("layer", "merge"):
            for form in EVERY_FORM if hasattr(row.op, "torch") else ("module",):
                op = replace(row.op, torch=form) if hasattr(row.op, "torch") else row.op
                macs = op.macs(row.input, row.output) if row.role == "layer" else 0
                yield op, Facts(op, row.input, row.output, macs, row.work)


def test_every_layer_kind_and_merge_is_in_the_test_bed():
    from costcalc.model.merges import MERGES
    from costcalc.model.ops import OPS

    assert {op.kind for op, _ in every_call_of_every_kind()} == set(OPS) | set(MERGES)


@pytest.mark.parametrize("convention", CONVENTIONS.values(), ids=CONVENTIONS)
def test_every_kind_called_every_way_has_a_rule_or_is_listed_as_unknown(convention):
    """Never an exception, never an unlisted 0: where costcalc counts work and the tool counts none, either
    the tool has no rule for that call (and `costcalc conventions` lists it) or its rule says the kind is free."""
    from costcalc.count.conventions import nothing

    for op, facts in every_call_of_every_kind():
        counted = convention.count(facts)
        if sum(CONVENTIONS["costcalc"].count(facts).values()) and not counted:
            rule = convention.rule(type(op))
            assert convention.unknown(op) or rule.count is nothing, (convention.name, op)
        if convention.unknown(op):
            assert counted == {}, (convention.name, op)


def test_a_kind_registered_later_is_listed_as_unknown_to_every_tool(monkeypatch):
    from costcalc.count.conventions import EVERY_FORM, Facts
    from costcalc.model import ops
    from costcalc.record import record

    @record
    class Squareplus(ops.Activation):
        kind = "squareplus"

    monkeypatch.setitem(ops.OPS, "squareplus", Squareplus)
    facts = Facts(Squareplus(), (4, 4, 8), (4, 4, 8), 0, {"activation": 128})
    for tool in TOOLS:
        assert CONVENTIONS[tool].no_rule["squareplus"] == EVERY_FORM
        assert CONVENTIONS[tool].unknown(Squareplus())
        assert CONVENTIONS[tool].count(facts) == {}
    assert CONVENTIONS["costcalc"].count(facts) == {"activation": 128}
    assert "squareplus" not in CONVENTIONS["costcalc"].no_rule
    assert CONVENTIONS["flops2x"].no_rule == {}


def test_a_rule_may_see_some_layers_of_a_kind_and_lists_the_others():
    """thop hooks Swin V2's position-bias MLP modules and nothing of Swin V1's attention: a V2 window attention
    counts the MLP's MACs, a V1 one is unknown to thop (counted 0, and said so), not a silent 0."""
    from costcalc.count.conventions import Facts
    from costcalc.model.attention import WindowAttention

    thop, shape = CONVENTIONS["thop"], (14, 14, 32)
    v1 = WindowAttention(heads=2, window=(7, 7), shift=(3, 3))
    v2 = WindowAttention(heads=2, window=(7, 7), shift=(3, 3), position_bias="continuous", cosine=True)
    counts = [thop.count(Facts(op, shape, shape, op.macs(shape, shape), op.work(shape, shape))) for op in (v1, v2)]
    assert counts == [{}, {"dense": 13 * 13 * (2 + 2) * 512}]
    assert (thop.unknown(v1), thop.unknown(v2)) == (True, False)
    assert "window_attention" not in thop.no_rule
    assert thop.no_rule_lines()[-1] == "  window_attention with position_bias: table (Swin V1's attention: no module" \
                                       " thop hooks)"
