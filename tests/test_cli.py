"""report and compare: golden outputs in every format, and what each flag does."""

import json

import pytest
from conftest import SPECS, run

BOTTLENECK = str(SPECS / "bottleneck_5x5.yaml")
INCEPTION = str(SPECS / "googlenet_3a.yaml")
LIGHTWEIGHT = str(SPECS / "lightweight_inception.yaml")

GOLDEN = {
    "report_googlenet_3a.txt": ("report", INCEPTION),
    "report_googlenet_3a.json": ("report", INCEPTION, "--format", "json"),
    "report_googlenet_3a.csv": ("report", INCEPTION, "--format", "csv"),
    "report_googlenet_3a.md": ("report", INCEPTION, "--format", "markdown"),
    "report_lightweight_depth1_exact.txt": ("report", LIGHTWEIGHT, "--depth", "1", "--exact"),
    "compare_bottleneck_5x5.txt": ("compare", BOTTLENECK),
    "compare_bottleneck_5x5.json": ("compare", BOTTLENECK, "--format", "json"),
    "compare_bottleneck_5x5.csv": ("compare", BOTTLENECK, "--format", "csv"),
    "compare_googlenet_3a.md": ("compare", INCEPTION, "--format", "markdown"),
    "compare_lightweight_exact.txt": ("compare", LIGHTWEIGHT, "--exact"),
}


@pytest.mark.parametrize("name", GOLDEN)
def test_golden(name, golden, monkeypatch):
    monkeypatch.chdir(SPECS.parent)
    args = [a.replace(str(SPECS.parent) + "/", "") for a in GOLDEN[name]]
    result = run(*args)
    assert (result.code, result.err) == (0, "")
    golden(name, result.out)


def test_input_override():
    """How does the bottleneck fare on 14×14×480?"""
    data = json.loads(run("compare", BOTTLENECK, "--input", "14,14,480", "--format", "json").out)
    assert data["input"] == [14, 14, 480]
    macs = {d["name"]: d["totals"]["macs"] for d in data["designs"]}
    assert macs == {
        "standard": 14 * 14 * 32 * 480 * 25,
        "bottleneck": 14 * 14 * 16 * 480 + 14 * 14 * 32 * 16 * 25,
        "separable": 14 * 14 * 480 * 25 + 14 * 14 * 480 * 32,
    }


def test_depth_folds_rows_into_their_subtotals():
    data = json.loads(run("report", INCEPTION, "--design", "reduced", "--depth", "1", "--format", "json").out)
    rows = data["designs"][0]["rows"]
    assert [r["path"] for r in rows] == ["3a", "3a/1x1", "3a/3x3", "3a/5x5", "3a/pool", "3a/concat"]
    assert sum(r["macs"] for r in rows[1:]) == rows[0]["macs"] == data["designs"][0]["totals"]["macs"]


def test_exact_shows_full_integers():
    out = run("report", INCEPTION, "--design", "naive", "--exact").out
    assert "303,464,448" in out and "303.5M" not in out.split("MACs:")[0]


def test_dtype_sets_activation_bytes():
    data = json.loads(run("report", BOTTLENECK, "--design", "standard", "--dtype", "float16", "--format", "json").out)
    assert data["bytes_per_element"] == 2
    assert data["designs"][0]["totals"]["activation_bytes"] == 28 * 28 * 32 * 2


def test_compare_with_another_baseline():
    data = json.loads(run("compare", BOTTLENECK, "--baseline", "bottleneck", "--format", "json").out)
    assert data["baseline"] == "bottleneck"
    ratios = {d["name"]: d["ratios"]["macs"] for d in data["designs"]}
    assert ratios["bottleneck"] == 1.0
    assert ratios["standard"] == 120_422_400 / 12_443_648


def test_best_of_each_column():
    data = json.loads(run("compare", BOTTLENECK, "--format", "json").out)
    assert data["best"] == {"params": ["separable"], "macs": ["separable"], "flops": ["separable"],
                            "activation_bytes": ["standard"]}


def test_no_colour_when_not_a_terminal():
    assert "\x1b[" not in run("compare", INCEPTION).out


def test_colour_codes_on_a_forced_terminal(monkeypatch):
    from click.testing import CliRunner

    from costcalc.cli import main

    result = CliRunner(env={"FORCE_COLOR": "1", "NO_COLOR": None, "TTY_COMPATIBLE": "1"}).invoke(
        main, ["compare", BOTTLENECK])
    assert "\x1b[1m" in result.stdout


def test_help_shows_an_example_per_command():
    assert "costcalc compare examples/bottleneck_5x5\n" in run("--help").out
    assert "costcalc report examples/googlenet_3a --design reduced --depth 1" in run("report", "--help").out
    assert "costcalc compare examples/bottleneck_5x5 --input 14,14,480" in run("compare", "--help").out


def test_the_flops_by_kind_box_lists_the_kinds_with_flops_and_json_every_kind():
    out = run("report", "specs/bottleneck_5x5.yaml", "--design", "separable").out
    box = out.split("separable: FLOPs by operation kind, costcalc convention\n")[1].split("Total params")[0]
    assert [line.split()[1] for line in box.splitlines() if line.startswith("│")] == ["conv", "bias", "total"]
    kinds = json.loads(run("report", "specs/bottleneck_5x5.yaml", "--design", "separable", "--format", "json").out)
    assert kinds["designs"][0]["flops_by_kind"] == {"conv": 17_160_192, "dense": 0, "bias": 175_616, "batchnorm": 0,
                                                   "norm": 0, "activation": 0, "pooling": 0, "resize": 0, "merge": 0}


def test_version():
    assert run("--version").out == "costcalc, version 0.1.0\n"


def test_unknown_command_is_a_usage_error():
    result = run("reprot", BOTTLENECK)
    assert result.code == 2
    assert "No such command 'reprot'" in result.err


def test_generated_names_keep_a_kind_ending_in_a_digit_apart_from_its_position(spec_file):
    path = spec_file("""
input: [8, 8, 4]
blocks:
  stage2: {layers: [conv: {filters: 4, kernel: 1}]}
layers:
  - stage2
  - conv: {filters: 4, kernel: 3}
  - relu6
  - relu
  - relu6
  - relu
""")
    paths = [json_row["path"]
             for json_row in json.loads(run("report", path, "--format", "json").out)["designs"][0]["rows"]]
    assert paths == ["stage2_1", "stage2_1/conv1", "conv2", "relu6_3", "relu4", "relu6_5", "relu6"]


@pytest.mark.parametrize("command", [
    ["report", "specs/googlenet_3a.yaml"], ["compare", BOTTLENECK], ["check", BOTTLENECK, "--design", "bottleneck"],
    ["explain", BOTTLENECK], ["diff", BOTTLENECK, "--design", "standard", "--design", "bottleneck"], ["conventions"],
])
def test_text_and_table_name_the_same_format_everywhere(command):
    default, text, table = (run(*command, *flags) for flags in ([], ["--format", "text"], ["--format", "table"]))
    assert default.code == text.code == table.code == 0
    assert default.out == text.out == table.out
    assert "[default: text]" in " ".join(run(command[0], "--help").out.split())


def test_compare_takes_designs_and_ratios_to_the_first_when_the_baseline_is_left_out():
    data = json.loads(run("compare", BOTTLENECK, "--design", "separable", "--design", "bottleneck",
                          "--format", "json").out)
    assert [d["name"] for d in data["designs"]] == ["separable", "bottleneck"]
    assert data["baseline"] == "separable"
    assert data["designs"][1]["ratios"]["macs"] == 12443648 / 8580096


def test_compare_shows_branches_only_where_designs_share_their_paths():
    zoo = "specs/zoo/mobilenet_v2_vs_resnet50.yaml"
    assert "cost by branch" not in run("compare", zoo).out
    assert json.loads(run("compare", zoo, "--format", "json").out)["branches"] == []
    every = run("compare", zoo, "--branches").out
    assert "│ conv2_block1/add (all branches) │" in every  # MobileNetV2's shortcuts are named-tensor merges
    assert "cost by branch" in run("compare", INCEPTION).out
    assert "cost by branch" not in run("compare", INCEPTION, "--no-branches").out


def test_compare_depth_keeps_the_branches_at_most_that_deep():
    paths = [b["path"]
             for b in json.loads(run("compare", INCEPTION, "--depth", "0", "--format", "json").out)["branches"]]
    assert paths == ["3a"]
    deeper = [b["path"] for b in json.loads(run("compare", INCEPTION, "--format", "json").out)["branches"]]
    assert deeper == ["3a", "3a/1x1", "3a/3x3", "3a/5x5", "3a/pool"]


def test_compare_exact_gives_activations_their_unit():
    out = run("compare", BOTTLENECK, "--exact").out
    assert "│ standard (baseline) │ 28×28×32 │  153,632 │      1.00× │ 120,422,400 │" in out
    assert "│ 100,352 B ★ │      1.00× │" in out
