"""What a hostile spec or flag could still turn into a traceback or work without bound (issue 28,
items 13 and 14): each is one positioned line and exit 2, or bounded work, counted not timed."""

import time

import pytest
from conftest import run

import costcalc.sweep.evaluate as evaluate

SWEEP = "input: [8, 8, 3]\nparams: {q: 1.0, f: 4, n: 1}\nlayers: [{conv: {filters: $f, kernel: 3}}, " \
        "{dropout: {rate: '${q / 10}'}}, {relu: {repeat: $n}}]\n"


@pytest.mark.parametrize("value, message", [
    ("!!bool maybe", "bad bool value 'maybe'"),
    ("!!timestamp yesterday", "bad timestamp value 'yesterday'"),
    ('!!int ""', "bad int value ''"),
    ("!!int +", "bad int value '+'"),
    ("!!float x", "bad float value 'x': could not convert string to float: 'x'"),
    ("!!binary zz", "bad binary value 'zz': failed to decode base64 data: Incorrect padding"),
])
def test_a_yaml_scalar_tag_that_pyyaml_cannot_build_is_one_line(spec_file, value, message):
    result = run("report", spec_file(f"input: [8, 8, 3]\nname: {value}\nlayers: [relu]\n"))
    assert (result.code, result.err) == (2, f"spec.yaml:2:7: {message}\n")


@pytest.mark.parametrize("layers, column", [("[branches]", 14), ("[{branches: {x: [relu]}}, branches]", 39)])
def test_a_bare_branches_inside_a_block_is_one_line(spec_file, layers, column):
    path = spec_file(f"input: [8, 8, 3]\nblocks:\n  b:\n    layers: {layers}\ndesigns:\n  a: [b]\n")
    result = run("report", path)
    assert (result.code, result.err) == (2, f"spec.yaml:4:{column}: branches takes a mapping of branch name to a "
                                            "list of layers\n")


@pytest.mark.parametrize("vary, message", [
    ("q=0:1:1e-30", "--vary q: range '0:1:1e-30' has more than 100,000 values"),
    ("q=0:1e308:1e-308", "--vary q: range '0:1e308:1e-308' has more than 100,000 values"),
    ("f=1:100001:1", "--vary f: range '1:100001:1' has more than 100,000 values"),
])
def test_a_sweep_range_too_fine_is_refused_before_it_is_divided(spec_file, vary, message):
    result = run("sweep", spec_file(SWEEP), "--vary", vary)
    assert (result.code, result.err) == (2, f"spec.yaml:2:1: {message}\n")


def test_zipped_values_are_bounded_as_a_grid_is(spec_file):
    many = ",".join(str(i) for i in range(1, 100_002))
    result = run("sweep", spec_file(SWEEP), "--vary", f"f={many}", "--vary", f"q={many}", "--zip")
    assert (result.code, result.err) == (2,
                                         "spec.yaml:2:1: the zipped values make 100,001 variants, more than 100,000; "
                                            "vary fewer values\n")


@pytest.mark.parametrize("flags", [[], ["--device", "t4"], ["--memory"], ["--plot", "macs"]])
def test_integers_past_int64_are_counted_exactly(spec_file, flags):
    path = spec_file(SWEEP)
    result = run("sweep", path, "--vary", "f=18446744073709551616,4", *flags)
    assert (result.code, result.err) == (0, "")
    figures = run("sweep", path, "--vary", "f=18446744073709551616,4", "--format", "json").out
    assert f'"macs": {18446744073709551616 * 8 * 8 * 27}' in figures  # f filters of 3x3x3 at 8x8, exact


def test_a_varied_repeat_stops_at_the_limits_of_a_sweep(spec_file, monkeypatch):
    """Each value of a repeat is a build of its own: their number and their layers are bounded."""
    path = spec_file(SWEEP)
    monkeypatch.setattr(evaluate, "MAX_SWEEP_BUILDS", 10)
    result = run("sweep", path, "--vary", "n=1:1000:1")
    assert (result.code, result.err) == (2, "spec.yaml:1:1: the variants differ in structure (a repeat, a kernel, a "
                                            "rate): 10 builds of 63 layers so far, past a sweep's limits "
                                            "(10 builds, 100,000 layers); vary fewer values, or the parameters that "
                                            "change sizes only\n")
    monkeypatch.setattr(evaluate, "MAX_SWEEP_BUILDS", 2_000)
    monkeypatch.setattr(evaluate, "MAX_SWEEP_LAYERS", 5_000)
    result = run("sweep", path, "--vary", "n=1:1000:1")
    assert (result.code, result.err[:102]) == (2,
                                               "spec.yaml:1:1: the variants differ in structure (a repeat, a kernel, "
                                                 "a rate): 99 builds of 5,047 layer")


BLOCKS = ("input: [8, 8, 4]\nblocks:\n  b: {layers: [relu]}\n  pair: {layers: [b, b]}\n"
          "layers: [{pair: {repeat: 3000}}]\n")


@pytest.mark.parametrize("command", [["report", "--memory", "--device", "t4", "--format", "json"],
                                     ["check", "--device", "t4", "--max-latency", "1s", "--max-peak-memory", "1GiB"],
                                     ["explain", "--device", "t4"],
                                     ["draw", "--device", "t4", "--depth", "0", "-o", "-"]])
def test_device_and_memory_figures_are_linear_in_block_rows(spec_file, command):
    """9,000 group rows over 6,000 layers: each group's figures were the sum over every layer whose path it
    prefixes (54 million comparisons, over 30 s); now one pass, about a second."""
    path = spec_file(BLOCKS)
    started = time.process_time()
    result = run(command[0], path, *command[1:])
    assert (result.code, result.err) == (0, "")
    assert time.process_time() - started < 10


def test_a_diagram_is_bounded_and_its_named_edges_found_in_one_pass(spec_file):
    """Each of 2,998 layers reads the first one's tensor: finding each writer was a search of every row
    before it, and is now a lookup; past MAX_DRAWN_BOXES the diagram is refused, or left out of a page."""
    path = spec_file("input: [8, 8, 4]\nlayers:\n  - {relu: {as: t}}\n" + "  - {relu: {from: t}}\n" * 2998)
    started = time.process_time()
    result = run("draw", path, "-o", "-")
    assert result.code == 0 and result.out.count("<polyline") == 2999
    assert time.process_time() - started < 15
    path = spec_file("input: [8, 8, 4]\nblocks:\n  b: {layers: [relu, relu]}\nlayers: [{b: {repeat: 1001}}]\n")
    result = run("draw", path, "-o", "-")
    assert (result.code, result.err) == (2, "spec.yaml: the diagram of main would have 3,003 boxes, more than 3,000; "
                                            "fold blocks into one box each with --depth (0 draws the top level only)\n")
    assert run("draw", path, "-o", "-", "--depth", "0").code == 0
    page = run("report", path, "--format", "html").out
    assert "<p class=\"note\">No diagram: the diagram of main would have 3,003 boxes, more than 3,000; fold " in page


def test_100000_variants_that_differ_in_structure_are_split_in_one_sort(spec_file):
    """Splitting them was a pass over all per group (10¹⁰ comparisons, tens of seconds); now one sort, then the
    build limit speaks."""
    path = spec_file(SWEEP)
    started = time.process_time()
    result = run("sweep", path, "--vary", "n=1:100000:1")
    assert result.code == 2
    assert result.err.startswith("spec.yaml:1:1: the variants differ in structure (a repeat, a kernel, a rate): ")
    assert time.process_time() - started < 8
