"""Readable at any width: every command fits the console, down to 60 columns, and loses no figure (issue 17)."""

import re
from pathlib import Path

import pytest
from conftest import GOLDEN, ROOT, SEQUENCES_AND_CLIPS, SPECS, run
from rich.cells import cell_len

from costcalc.show.table_layout import BOX, COMPACT, RECORDS, Column, Layout, layout, split, squeeze, table_width
from costcalc.show.text import ONE_CELL, elide_path, width, wrap, wrap_formula

WIDTHS = (60, 80, 100, 200)
ALL_SPECS = [str(p.relative_to(ROOT)) for p in sorted(SPECS.glob("*.yaml")) + sorted((SPECS / "zoo").glob("*.yaml"))
             + [ROOT / "tests" / "data" / "every_kind.yaml"]]
TWO_DESIGNS = {"specs/bottleneck_5x5.yaml": ("standard", "bottleneck"), "specs/googlenet_3a.yaml": ("naive", "reduced"),
               "specs/lightweight_inception.yaml": ("standard", "separable"),
               "specs/zoo/mobilenet_v2_vs_resnet50.yaml": ("resnet50", "mobilenet_v2"),
               "specs/zoo/vgg16.yaml": ("keras", "torchvision")}
PAIRS = [("specs/bottleneck_5x5.yaml", "tests/data/bottleneck_wider.yaml"),
         ("specs/zoo/resnet50_keras.yaml", "specs/zoo/resnet50_torchvision.yaml"),
         ("specs/zoo/inception_v3_keras.yaml", "specs/zoo/inception_v3_torchvision.yaml")]


def readme_commands():
    """The commands of the README's table and samples, on every example and zoo spec (and every layer kind)."""
    for spec in ALL_SPECS:
        yield ("compare", spec)
        yield ("compare", spec, "--exact")
        yield ("report", spec)
        yield ("report", spec, "--depth", "1", "--exact")
        yield ("report", spec, "--convention-diff", "fvcore", "ptflops")
        yield ("check", spec, "--max-macs", "600M", "--max-activation-bytes", "2MiB")
        if Path(spec).name not in SEQUENCES_AND_CLIPS:  # they refuse these in one line (test_dims.py)
            yield ("report", spec, "--receptive-field")
            yield ("explain", spec)
            yield ("explain", spec, "--receptive-field")
        if spec in TWO_DESIGNS:
            old, new = TWO_DESIGNS[spec]
            yield ("diff", spec, "--design", old, "--design", new)
    yield from (("diff", old, new) for old, new in PAIRS)
    yield ("check", "specs/bottleneck_5x5.yaml", "--design", "bottleneck", "--design", "separable")
    yield ("check", "tests/data/bottleneck_wider.yaml", "--against", "specs/bottleneck_5x5.yaml", "--max-growth",
           "macs=10%")
    yield ("conventions",)


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("args", list(readme_commands()), ids=" ".join)
def test_every_line_fits_the_width(args):
    for columns in WIDTHS:
        result = run(*args, columns=columns)
        assert result.code in (0, 1), result.err
        wide = [line for line in result.out.splitlines() if cell_len(line) > columns]
        assert wide == [], f"{len(wide)} lines wider than {columns}"


GOLDEN_80 = {
    "width80_compare_bottleneck_5x5.txt": ("compare", "specs/bottleneck_5x5.yaml"),
    "width80_compare_googlenet_3a.txt": ("compare", "specs/googlenet_3a.yaml"),
    "width80_report_googlenet_3a.txt": ("report", "specs/googlenet_3a.yaml"),
    "width80_check.txt": ("check", "specs/bottleneck_5x5.yaml", "--design", "bottleneck", "--design", "separable"),
    "width80_diff_bottleneck_wider.txt": ("diff", "specs/bottleneck_5x5.yaml", "tests/data/bottleneck_wider.yaml"),
    "width80_explain_inception_v3_keras_mixed0.txt": ("explain", "specs/zoo/inception_v3_keras.yaml",
                                                      "--layer", "mixed0"),
    "width60_compare_bottleneck_5x5.txt": ("compare", "specs/bottleneck_5x5.yaml"),
    "width60_explain_bottleneck_5x5.txt": ("explain", "specs/bottleneck_5x5.yaml"),
    "width60_check.txt": ("check", "specs/bottleneck_5x5.yaml"),
    "width60_report_receptive_field.txt": ("report", "specs/googlenet_3a.yaml", "--design", "reduced",
                                           "--receptive-field"),
}


@pytest.mark.parametrize("name", GOLDEN_80)
def test_golden_at_80_and_60_columns(name, golden):
    result = run(*GOLDEN_80[name], columns=int(name[5:7]))
    assert result.code in (0, 1)
    golden(name, result.out)


WIDE_NAMES = """\
name: 一个很长的名字 with a title that goes on and on, past any terminal width you could imagine
input: [28, 28, 192]
designs:
  标准设计:
    - conv: {filters: 32, kernel: 5, name: 卷积层一}
  a_design_name_far_too_long_for_any_column_of_a_table_at_sixty_columns:
    - conv: {filters: 16, kernel: 1}
    - conv: {filters: 32, kernel: 5}
"""


@pytest.mark.parametrize("command", ["compare", "report", "explain", "check --max-macs 1M"])
def test_wide_characters_and_long_names_fit(command, spec_file):
    """Two cells per CJK character; a name longer than the width is elided in the middle, as a last resort."""
    spec = spec_file(WIDE_NAMES)
    for columns in WIDTHS:
        out = run(*command.split()[:1], spec, *command.split()[1:], columns=columns).out
        assert max(map(cell_len, out.splitlines())) <= columns
    assert "│ 卷积层一 │ conv │" in run("report", spec, columns=80).out


def cells_of(line: str) -> list[str]:
    return [cell.strip() for cell in re.split(r"[│┃]", line)[1:-1]]


def test_the_first_command_shows_every_figure_with_its_ratio_at_80_columns():
    """Each design's params, MACs, FLOPs and activations, each with its ratio to the baseline, as at full width."""
    wide_table = run("compare", "specs/bottleneck_5x5.yaml").out.split("\nat a glance\n")[0]
    wide = [cells_of(line) for line in wide_table.splitlines() if "│" in line]
    table = run("compare", "specs/bottleneck_5x5.yaml", columns=80).out.split("\nat a glance\n")[0]
    narrow = {cells[0]: cells[1:] for line in table.splitlines() if (cells := cells_of(line))}
    assert narrow["design"] == [row[0] for row in wide]
    for number, metric in enumerate(("params", "MACs", "FLOPs", "activations")):
        assert narrow[metric] == [f"{row[2 + 2 * number]} {row[3 + 2 * number]}" for row in wide]
    assert narrow["MACs"] == ["120.4M 1.00×", "12.4M 0.103×", "8.6M ★ 0.0712×"]


def test_the_readme_shows_the_first_command_at_80_columns(golden):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sample = re.search(r"<!-- at 80 columns: COLUMNS=80 costcalc (.*?) -->\n```text\n(.*?)\n```", readme, re.S)
    assert sample.group(1) == "compare specs/bottleneck_5x5.yaml"
    assert sample.group(2) + "\n" == run(*sample.group(1).split(), columns=80).out


def test_no_terminal_and_no_columns_is_todays_full_width():
    """As a script sees it: COLUMNS unset, output piped. Nothing is fitted, however wide (129 and 200+ columns)."""
    out = run("compare", "specs/bottleneck_5x5.yaml").out
    assert out == (GOLDEN / "compare_bottleneck_5x5.txt").read_text(encoding="utf-8")
    assert max(map(cell_len, out.splitlines())) == 129
    out = run("explain", "tests/data/every_kind.yaml").out
    assert out == (GOLDEN / "explain_every_kind.txt").read_text(encoding="utf-8")
    assert max(map(cell_len, out.splitlines())) > 200


# ---- the layout function alone ------------------------------------------------------------

def test_table_width_of_each_style():
    assert table_width([5, 3], BOX) == 5 + 3 + 3 * 2 + 1  # │ 12345 │ 123 │
    assert table_width([5, 3], COMPACT) == 5 + 1 + 3


def test_the_first_form_that_fits_boxed_at_full_width_or_squeezed():
    forms = [[Column(20, 8), Column(30, 30)], [Column(10, 10), Column(10, 10)]]
    assert layout(forms, 57) == Layout(0, BOX, (20, 30))  # 20 + 30 + 7
    assert layout(forms, 56) == Layout(0, BOX, (19, 30))  # squeezed, before the next form
    assert layout(forms, 44) == Layout(1, BOX, (10, 10))  # 8 + 30 + 7 > 44


def test_squeezed_boxed_before_compact():
    forms = [[Column(20, 8), Column(30, 30)]]
    assert layout(forms, 50) == Layout(0, BOX, (13, 30))
    assert layout(forms, 45) == Layout(0, BOX, (8, 30))
    assert layout(forms, 44) == Layout(0, COMPACT, (13, 30))  # 8 + 30 + 7 > 44: compact, one space apart
    assert layout(forms, 39) == Layout(0, COMPACT, (8, 30))
    assert layout(forms, 38) == Layout(0, RECORDS)  # two columns: no groups to split into


def test_split_in_groups_of_columns_led_by_the_first_before_records():
    form = [Column(10, 6), Column(20, 20), Column(20, 20), Column(5, 5)]
    assert layout([form], 54) == Layout(0, COMPACT, (6, 20, 20, 5))  # the floors: 51 + 3 spaces
    assert layout([form], 40) == Layout(0, COMPACT, (10, 20, 20, 5), ((1,), (2, 3)))
    assert layout([form], 32) == Layout(0, COMPACT, (10, 20, 20, 5), ((1,), (2,), (3,)))
    assert layout([form], 26) == Layout(0, RECORDS)  # 6 + 1 + 20 > 26
    assert split(form[:2], 80) is None


def test_every_group_of_a_split_repeats_every_key_column():
    form = [Column(6, 4), Column(8, 8), Column(20, 20), Column(20, 20)]
    assert layout([form], 40, [2]) == Layout(0, COMPACT, (6, 8, 20, 20), ((2,), (3,)))  # 6 + 8 + 20 + 2 spaces
    assert layout([form], 34, [2]) == Layout(0, COMPACT, (4, 8, 20, 20), ((2,), (3,)))  # the keys at their floors
    assert layout([form], 33, [2]) == Layout(0, RECORDS)
    assert split(form[:3], 80, keys=2) is None  # one column beside the keys: nothing to split


THREE_DESIGNS = """\
params: {width: 32, resolution: 64}
input: [$resolution, $resolution, 3]
designs:
  plain: [{conv: {filters: $width, kernel: 3}}, relu, global_avgpool, {dense: {units: 10}}]
  wide: [{conv: {filters: "${width * 2}", kernel: 3}}, relu, global_avgpool, {dense: {units: 10}}]
  deep: [{conv: {filters: $width, kernel: 3}}, {conv: {filters: $width, kernel: 3}}, relu, global_avgpool,
         {dense: {units: 10}}]
budget: {macs: 20M}
"""


@pytest.mark.parametrize("columns", [80, 100])
def test_a_split_sweep_repeats_the_design_and_every_varied_parameter(spec_file, columns):
    spec = spec_file(THREE_DESIGNS)
    out = run("sweep", spec, "--vary", "width=16,32", "--vary", "resolution=64,128", "--device", "jetson-nano",
              columns=columns).out
    parts = out.split("\n\n")
    assert len(parts) == 2, out
    tables = [part.splitlines()[part.startswith(spec):][:15] for part in parts]  # the first part under its title
    assert [table[0].split()[:3] for table in tables] == [["width", "resolution", "design"]] * 2
    every = [[w, r, d] for w in ("16", "32") for r in ("64", "128") for d in ("plain", "wide", "deep")]
    assert [[row.split()[:3] for row in table[2:14]] for table in tables] == [every, every]
    assert tables[1][6].split()[:3] == ["16", "128", "wide"] and tables[1][6].endswith("yes ★")


def test_squeeze_takes_from_the_widest_first_and_never_below_a_floor():
    assert squeeze([Column(20, 5), Column(12, 12), Column(16, 4)], 40) == (14, 12, 14)
    assert squeeze([Column(20, 15), Column(16, 4)], 20) == (15, 5)
    assert squeeze([Column(9, 9)], 3) == (9,)


# ---- text --------------------------------------------------------------------------------

def test_paths_are_elided_in_the_middle_by_whole_segments():
    assert elide_path("3a/5x5/conv2", 12) == "3a/5x5/conv2"
    assert elide_path("3a/5x5/conv2", 11) == "3a/…/conv2"
    assert elide_path("mixed_7c/branch3x3dbl/conv_2a", 20) == "mixed_7c/…/conv_2a"
    assert elide_path("mixed_7c/branch3x3dbl/conv_2a", 12) == "…/conv_2a"
    assert elide_path("branch3x3dbl_conv", 9) == "bran…conv"


def test_wrap_keeps_the_indent_and_hangs_continuations():
    assert wrap("  a bb ccc dddd", 8) == ["  a bb", "  ccc", "  dddd"]
    assert wrap("title with words", 10, hang=2) == ["title with", "  words"]
    assert wrap("  one/very/long/path", 12) == ["  one/…/path"]


def test_a_formula_breaks_before_an_operator_under_its_equals_sign():
    line = "  MACs   = (Ho·Wo·Cout) · Cin · (kh·kw) = (28·28·32) · 192 · (5·5) = 120,422,400 ≈ 120.4M"
    assert wrap_formula(line, 60) == [
        "  MACs   = (Ho·Wo·Cout) · Cin · (kh·kw)",
        "         = (28·28·32) · 192 · (5·5) = 120,422,400 ≈ 120.4M",
    ]
    assert wrap_formula(line, 40) == [
        "  MACs   = (Ho·Wo·Cout) · Cin · (kh·kw)",
        "         = (28·28·32) · 192 · (5·5)",
        "         = 120,422,400 ≈ 120.4M",
    ]
    assert wrap_formula("  MACs = a + b + c = 1 + 2 + 3 = 6", 16) == [
        "  MACs = a + b", "       + c", "       = 1 + 2", "       + 3", "       = 6"]
    assert wrap_formula(line, 200) == [line]


def test_the_characters_measured_without_rich_take_one_cell_in_rich():
    assert [cell_len(char) for char in ONE_CELL] == [1] * len(ONE_CELL)
    assert width("28×28×192 …") == cell_len("28×28×192 …") == 11
    assert width("中文×") == cell_len("中文×") == 5  # a wide character still asks Rich
