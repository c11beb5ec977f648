"""`costcalc explain`: the board for every layer kind, and arithmetic that always equals its result."""

import math
import re
from fractions import Fraction

import pytest
from conftest import ROOT, SPECS, run

from costcalc import analyze, load
from costcalc.model.merges import MERGES
from costcalc.model.ops import OPS
from costcalc.teach.boards import EXPLAINERS, explainer
from costcalc.teach.explain import board, explain, text

EVERY_KIND = ROOT / "tests" / "data" / "every_kind.yaml"
EVERY_ATTENTION_KIND = ROOT / "tests" / "data" / "every_kind_attention.yaml"
ALL_SPECS = sorted(SPECS.rglob("*.yaml")) + [EVERY_KIND, EVERY_ATTENTION_KIND]
ARITHMETIC = re.compile(r"^(?:ceil|floor|[\d,·()+−/ ])+$")


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def evaluate(numbers: str) -> Fraction:
    """The value of printed arithmetic such as `(28·28·32) · 192 · (5·5)` or `ceil((7 + 2·1 − 2) / 2) + 1`."""
    expr = re.sub(r"(?<=\d),(?=\d{3})", "", numbers).replace("·", "*").replace("−", "-")
    expr = re.sub(r"\d+", lambda m: f"F({m.group()})", expr)
    return eval(expr, {"F": Fraction, "ceil": math.ceil, "floor": math.floor, "__builtins__": {}})


def analyses():
    for path in ALL_SPECS:
        analysis = analyze(load(path))
        if len(analysis.input) in (1, 3):  # boards are for images; on a sequence or a clip explain refuses
            yield pytest.param(analysis, id=str(path.relative_to(ROOT)))


def test_explain_refuses_a_sequence_in_one_line():
    result = run("explain", str(ROOT / "specs" / "m5_audio.yaml"))
    assert (result.code, result.out) == (2, "")
    assert result.err == ("explain's boards are written for images: 'conv1' (conv) is on [32000×1], a sequence or"
                          " a clip; report, compare and check count it\n")


@pytest.mark.parametrize("analysis", list(analyses()))
def test_every_row_states_the_engines_numbers(analysis):
    """MACs, params (trainable and not), elementwise work and output sizes agree with the engine."""
    for design in analysis.designs:
        for index, row in enumerate(design.rows):
            values = {line.label: line.value for line in board(design, index).cost}
            assert values.get("MACs", 0) == row.cost.macs, row.path
            assert values.get("params", sum(values.get(key, 0) for key in ("trainable", "frozen", "non-trainable"))) \
                == row.cost.params, row.path
            if "trainable" in values:
                assert values["trainable"] == row.cost.trainable_params, row.path
            assert not (row.frozen and "trainable" in values), row.path  # a frozen layer's are non-trainable
            if "work" in values:
                assert values["work"] == sum(row.work.values()), row.path
            axes = {"Ho": row.output[0], "Wo": row.output[1 % len(row.output)], "Co": row.output[-1],
                    "length": row.output[0]}
            for line in board(design, index).shape:
                for label in line.label.split(" = "):
                    assert line.value == axes[label], (row.path, label)


@pytest.mark.parametrize("analysis", list(analyses()))
def test_printed_arithmetic_equals_the_result_it_states(analysis):
    """Every `= …` segment of numbers on every printed line evaluates to the same value."""
    checked = 0
    for line in text(explain(analysis)).splitlines():
        segments = [s.strip().split(" ≈ ")[0] for s in line.split(" = ")[1:]]
        numeric = [s for s in segments if ARITHMETIC.match(s)]
        assert len({evaluate(s) for s in numeric}) <= 1, line
        checked += len(numeric) > 1
    assert checked


def test_every_kind_and_merge_has_its_explainer_and_is_tested():
    kinds = {row.kind for bed in (EVERY_KIND, EVERY_ATTENTION_KIND) for d in analyze(load(bed)).designs
             for row in d.rows if row.role in ("layer", "merge")}
    assert kinds == set(OPS) | set(MERGES)
    for cls in [*OPS.values(), *MERGES.values()]:
        assert explainer(cls.__new__(cls)) in EXPLAINERS.values()


def test_the_issue_example_as_printed():
    out = run("explain", "specs/bottleneck_5x5.yaml", "--design", "standard").out
    squeezed = [re.sub(r" {2,}(?==)", " ", line) for line in out.splitlines()]
    assert "conv1: conv 5×5, 192 → 32 channels, on 28×28 (stride 1, same)" in squeezed
    assert "  MACs = (Ho·Wo·Cout) · Cin · (kh·kw) = (28·28·32) · 192 · (5·5) = 120,422,400 ≈ 120.4M" in squeezed
    assert "  params = kh·kw·Cin·Cout + Cout = 5·5·192·32 + 32 = 153,632" in squeezed


def test_the_equals_signs_line_up():
    out = run("explain", "specs/bottleneck_5x5.yaml", "--design", "standard").out.splitlines()
    macs, params = (next(line for line in out if line.startswith(label)) for label in ("  MACs", "  params"))
    assert [i for i, c in enumerate(macs) if c == "="] == [i for i, c in enumerate(params) if c == "="]


def test_the_comparison_in_words():
    out = run("explain", "specs/bottleneck_5x5.yaml").out
    assert out.endswith(
        "Against standard: 120,422,400 MACs, 153,632 params.\n"
        "bottleneck costs 12,443,648 MACs, 10.3% of standard, 9.68× fewer.\n"
        "bottleneck has 15,920 params, 10.4% of standard, 9.65× fewer.\n"
        "separable costs 8,580,096 MACs, 7.1% of standard, 14.0× fewer.\n"
        "separable has 11,168 params, 7.3% of standard, 13.8× fewer.\n"
    )


def test_a_costlier_design_is_said_to_cost_more():
    out = run("explain", "specs/googlenet_3a.yaml").out
    assert "naive costs 303,464,448 MACs, 237.0% of reduced, 2.37× more.\n" in out


def test_the_bottleneck_total_is_the_sum_of_its_layers():
    out = run("explain", "specs/bottleneck_5x5.yaml", "--design", "bottleneck").out
    assert "  MACs   = conv1 + conv2 = 2,408,448 + 10,035,200 = 12,443,648 ≈ 12.4M\n" in out


@pytest.mark.parametrize("args, name", [
    (["specs/bottleneck_5x5.yaml"], "explain_bottleneck_5x5.txt"),
    (["specs/bottleneck_5x5.yaml", "--format", "markdown"], "explain_bottleneck_5x5.md"),
    (["specs/googlenet_3a.yaml", "--design", "reduced"], "explain_googlenet_3a_reduced.txt"),
    (["tests/data/every_kind.yaml"], "explain_every_kind.txt"),
    (["specs/lightweight_inception.yaml", "--layer", "inception/shared_1x1/separable/5x5", "--format", "markdown"],
     "explain_lightweight_layer.md"),
])
def test_golden(args, name, golden):
    result = run("explain", *args)
    assert (result.code, result.err) == (0, "")
    golden(name, result.out)


def test_layer_shows_that_path_and_what_is_under_it():
    out = run("explain", "specs/googlenet_3a.yaml", "--layer", "3a/5x5").out
    headings = [line.split(":")[0] for line in out.splitlines() if line.startswith("3a/")]
    assert headings == ["3a/5x5/conv1", "3a/5x5/conv2", "3a/5x5", "3a/5x5/conv1", "3a/5x5"]
    assert "Against" not in out and "total" not in out


def test_unknown_layer_exit_2_with_a_suggestion():
    result = run("explain", "specs/googlenet_3a.yaml", "--layer", "3a/5x5/conv3")
    assert (result.code, result.out) == (2, "")
    assert result.err == ("--layer '3a/5x5/conv3' is not a path in specs/googlenet_3a.yaml; "
                          "did you mean '3a/5x5/conv2'?\n")


def test_unknown_design_exit_2():
    result = run("explain", "specs/googlenet_3a.yaml", "--design", "wide")
    assert result.code == 2
    assert result.err == "no design 'wide' in specs/googlenet_3a.yaml; designs: reduced, naive\n"


@pytest.mark.parametrize("fmt, mark", [("text", "{}:"), ("markdown", "**{}**:")])
def test_a_branch_module_is_told_bottom_up_parts_first_then_their_sum(fmt, mark):
    out = run("explain", "specs/googlenet_3a.yaml", "--design", "reduced", "--format", fmt).out
    order = ["3a/5x5/conv1", "3a/5x5/conv2", "3a/5x5", "3a/pool/conv2", "3a/pool", "3a/concat", "3a"]
    places = [out.index("\n" + mark.format(path) + " ") for path in order]
    assert places == sorted(places)
    assert out.index("\n" + mark.format("3a") + " ") < out.index("total: 28×28×192")


def test_the_roofline_board_on_onnxruntime_says_which_flops_it_computes(tmp_path):
    """A conv's taps in the padding are left out of its compute time on an onnxruntime-calibrated device, and the
    board says so; the FLOPs counted stay the convention's."""
    spec = tmp_path / "aspp.yaml"
    spec.write_text("input: [14, 14, 960]\nlayers:\n"
                    "  - {conv: {filters: 256, kernel: 3, dilation: 24, padding: 24, bias: false, name: aspp}}\n")
    devices = tmp_path / "devices.json"
    devices.write_text('{"devices": {"ort": {"tflops": {"float32": 1}, "bandwidth_gbs": 1000, "source": "s", '
                       '"efficiency": {"compute": 1, "memory": 1}, "overhead_us": 0, "fusion": "onnxruntime"}}}')
    done = run("explain", str(spec), "--devices", str(devices), "--device", "ort")
    assert done.code == 0, done.err
    lines = [line.strip() for line in done.out.splitlines()]
    assert "onnxruntime skips the taps that fall in the padding: it computes 96,337,920 of the 867,041,280 FLOPs" \
        in lines
    assert "compute = FLOPs / (peak × efficiency) = 96,337,920 / (1e12 × 1) = 96.3 µs" in lines
    assert "FLOPs  = conv = 867,041,280 ≈ 867.0M" in lines
