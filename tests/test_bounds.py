"""Hostile input, round two (issue 12): each class the fuzzer found, refused at its root with its exact line.

Tracebacks from wrong YAML types, non-string keys, integers past Python's 4,300-digit limit,
floats past their range; hangs from round(), growing defaults, empty blocks repeated 1e9 times,
aliased lists, FIFOs; memory from long strings; messages on two lines or without a position;
wrong verdicts from 28-digit decimals; junit that no parser reads; compare quadratic in designs.
"""

from __future__ import annotations

import json
import os
import time
import xml.etree.ElementTree as ET

import pytest
from conftest import run
from test_hostile import HEAD, refused, refused_quickly

from costcalc.limits import MAX_DESIGNS, MAX_STRING_CHARS

# --- Wrong YAML types where a body or a list of layers belongs ------------------------------------

WRONG_TYPES = {
    "a block body that is a number": ("blocks:\n  b: 3\nlayers: [b]\n",
                                      "3:6: block 'b' must be a mapping with args: and layers:"),
    "a block's layers that are a word": ("blocks:\n  b: {layers: relu}\nlayers: [b]\n",
                                         "3:15: expected a list of layers, got 'relu'; write layers as a YAML list:"
                                         " [relu, ...]"),
    "layers: a number": ("layers: 3\n",
                         "2:9: expected a list of layers, got 3; write layers as a YAML list: [relu, ...]"),
    "a design that is a number": ("designs:\n  a: ~\n  b: 7\n",
                                  "4:6: expected a list of layers, got 7; write layers as a YAML list: [relu, ...]"),
    "a branch that is a number": ("layers:\n  - branches: {a: 3, b: [relu]}\n",
                                  "3:19: expected a list of layers, got 3; write layers as a YAML list: [relu, ...]"),
    "an integer key in block args": ("blocks:\n  b:\n    args: {1: x}\n    layers: [relu]\nlayers: [b]\n",
                                     "4:12: a mapping key must be a string, got 1; quote it"),
    "a null key": ("layers: [relu]\ndefaults: {~: 1}\n", "3:12: a mapping key must be a string, got None; quote it"),
    "a boolean design name": ("designs:\n  on: [relu]\n", "3:3: a mapping key must be a string, got True; quote it"),
}


@pytest.mark.parametrize("body, message", WRONG_TYPES.values(), ids=WRONG_TYPES.keys())
def test_wrong_yaml_types_are_positioned_errors(spec_file, body, message):
    assert refused(spec_file(HEAD + body)) == "spec.yaml:" + message


# --- Numbers beyond what prints or what a float holds -------------------------------------------

def test_an_integer_past_the_digit_limit(spec_file):
    assert refused(spec_file(f"input: [{'9' * 5000}, 1, 1]\nlayers: []\n")) == (
        "spec.yaml:1:9: an integer of more than 4,000 digits, the limit for a number in a spec")
    assert refused(spec_file(f"input: [0x{'f' * 4000}, 1, 1]\nlayers: []\n")) == (
        "spec.yaml:1:9: an integer of more than 4,000 digits, the limit for a number in a spec")


def test_defaults_that_grow_through_each_other_stop_at_the_digit_limit(spec_file):
    args = ", ".join(["a: 10000000000"] + [f'{y}: "${{{x} * {x}}}"' for x, y in zip("abcdefghij", "bcdefghijk")])
    text = HEAD + f"blocks:\n  b:\n    args: {{{args}}}\n    layers: [relu]\nlayers: [b]\n"
    assert refused_quickly(spec_file(text), seconds=1.0) == (
        "spec.yaml:4:151: in ${i * i}: cannot compute 'i * i': the result has more than 4,000 digits,"
        " the limit for a number")


def test_a_name_built_from_a_huge_number_is_refused_not_printed(spec_file):
    text = HEAD + f"blocks:\n  b:\n    args: {{n: {10**3999}}}\n    layers: [relu: {{name: 'x${{n}}'}}]\nlayers: [b]\n"
    assert refused(spec_file(text)) == "spec.yaml:5:27: a name longer than 100 characters, the limit for a name"


def test_thops_adaptive_pool_beyond_a_float_is_counted_exactly_then_bounded(spec_file):
    """thop divides in floating point; 10**400 / 1 overflowed with a traceback."""
    text = f"input: [{10**400}, 1, 1]\nlayers:\n  - adaptive_avgpool: {{output: 1, torch: module}}\n"
    assert refused(spec_file(text), "--convention", "thop") == (
        "spec.yaml:3:5: adaptive_avgpool1 (adaptive_avgpool): counts beyond 10**100; sizes this large are surely a "
        "mistake")


def test_a_figure_flag_past_the_digit_limit(spec_file):
    result = run("check", spec_file(HEAD + "layers: [relu]\n"), "--max-macs", "9" * 5000)
    assert result.code == 2
    assert result.err.splitlines()[-1] == (
        "Error: Invalid value for '--max-macs': more than 100 digits, the limit for a figure")


# --- Exact budget figures ------------------------------------------------------------------------------

def test_a_limit_one_below_the_macs_is_over_budget(spec_file):
    """A 28-digit Decimal rounded 10**29 - 1 up to 10**29 and passed a design of 10**29 MACs."""
    path = spec_file(f"input: [1]\nlayers:\n  - dense: {{units: {10**29}, bias: false}}\n")
    over = run("check", path, "--max-macs", "9" * 29, "--format", "json")
    assert over.code == 1
    verdict = json.loads(over.out)["specs"][0]["checks"][0]
    assert (verdict["value"], verdict["limit"], verdict["over"]) == (10**29, 10**29 - 1, True)
    assert run("check", path, "--max-macs", "1" + "0" * 29).code == 0


def test_a_figure_that_is_not_whole_by_10_to_the_minus_28(spec_file):
    path = spec_file(HEAD + "layers: [relu]\nbudget: {macs: 1.0000000000000000000000000001M}\n")
    assert refused(path) == ("spec.yaml:3:16: budget macs: '1.0000000000000000000000000001M' "
                             "is not a whole number of units")


# --- Files that are not regular files ------------------------------------------------------------------

def test_a_fifo_is_refused_without_blocking(spec_file, tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    assert refused_quickly("pipe.yaml", seconds=1.0) == (
        "pipe.yaml: not a regular file (a pipe, socket or device); give a spec file")


def test_a_device_is_refused_unread():
    assert refused_quickly("/dev/zero", seconds=1.0) == (
        "/dev/zero: not a regular file (a pipe, socket or device); give a spec file")


# --- Expansions that cost nothing are still counted ------------------------------------------------

def test_an_empty_block_repeated_a_billion_times(spec_file):
    text = HEAD + "blocks:\n  e:\n    layers: []\nlayers:\n  - e: {repeat: 1000000000}\n"
    assert refused_quickly(spec_file(text), seconds=1.0) == (
        "spec.yaml:6:17: the spec expands to more than 200,000 layers; lower a repeat or split the design")


def test_empty_blocks_fanned_out_through_each_other(spec_file):
    blocks = "  e0:\n    layers: []\n" + "".join(
        f"  e{i}:\n    layers: [{', '.join([f'e{i - 1}'] * 10)}]\n" for i in range(1, 10))
    assert refused_quickly(spec_file(HEAD + "blocks:\n" + blocks + "layers: [e9]\n"), seconds=1.0) == (
        "spec.yaml:16:18: the spec expands to more than 200,000 layers; lower a repeat or split the design")


def test_an_aliased_list_is_shared_not_copied_on_every_call(spec_file):
    """A default of 100,000 items, called 10,000 times: a copy per call took minutes."""
    items = ", ".join(["1"] * 100_000)
    blocks = (f"  b0:\n    args: {{k: [{items}]}}\n    layers: [relu]\n"
              "  b1:\n    layers: [b0, b0, b0, b0, b0, b0, b0, b0, b0, b0]\n"
              "  b2:\n    layers: [b1, b1, b1, b1, b1, b1, b1, b1, b1, b1]\n")
    started = time.perf_counter()
    result = run("report", spec_file(HEAD + "blocks:\n" + blocks + "layers: [{b2: {repeat: 100}}]\n"), "--format",
                 "csv")
    assert result.code == 0 and time.perf_counter() - started < 5.0


def test_a_substituted_list_is_bounded(spec_file):
    text = HEAD + "blocks:\n  b:\n    args: {k: 1}\n    layers: [conv: {filters: 1, kernel: [" + ", ".join(["$k"] * 101)
    assert refused(spec_file(text + "]}]\nlayers: [b]\n")) == (
        "spec.yaml:5:41: a list of more than 100 items holds $ substitutions, the limit for such a list")


# --- Long strings are bounded in characters, not in YAML nodes ---------------------------------------

def test_a_string_longer_than_the_limit(spec_file):
    assert refused(spec_file(HEAD + f"description: {'x' * (MAX_STRING_CHARS + 1)}\nlayers: []\n")) == (
        "spec.yaml:2:14: a value longer than 10,000 characters, the limit for a string in a spec")


def test_an_aliased_long_name_used_hundreds_of_times(spec_file):
    layers = "\n".join(["  - relu: {name: &n " + "x" * 9000 + "}"] + ["  - relu: {name: *n}"] * 500)
    assert refused_quickly(spec_file(HEAD + "layers:\n" + layers + "\n"), seconds=1.0) == (
        "spec.yaml:3:18: a name longer than 100 characters, the limit for a name")


def test_a_path_longer_than_the_limit(spec_file):
    name = "n" * 90
    blocks = "".join(f"  b{i}:\n    layers: [{{b{i + 1}: {{name: {name}{i}}}}}]\n" for i in range(12))
    text = HEAD + "blocks:\n" + blocks + "  b12:\n    layers: [relu]\nlayers: [b0]\n"
    message = refused(spec_file(text))
    assert message.startswith("spec.yaml:24:14: the path 'b0_1/" + "n" * 24 + "…") and message.endswith(
        "' is longer than 1,000 characters, the limit for a row's path; shorten the names of the enclosing blocks"
        " and branches")


# --- One line, with its position ------------------------------------------------------------------------

def test_a_newline_and_escapes_in_a_name_stay_on_one_line(spec_file):
    text = HEAD + 'layers:\n  - conv: {filters: 1, kernel: 99, padding: valid, name: "evil\\n\\e[2J"}\n'
    assert refused(spec_file(text)) == (
        "spec.yaml:3:5: evil\\n\\x1b[2J (conv) on [28, 28, 3]: kernel 99×99 is larger than the padded input 28×28;"
        " use padding: same, more padding or a smaller kernel")


@pytest.mark.parametrize("text, message", [
    ("input: [8, 8, 3]\nlayers: [relu, \"a\x07\"]\n",
     "spec.yaml:2:18: invalid YAML: character '\\x07' (U+0007) is not allowed; control characters are not allowed"),
    ("input: [8, 8, 3]\nlayers:\n  - relu\n  - \x1b\n",
     "spec.yaml:4:5: invalid YAML: character '\\x1b' (U+001B) is not allowed; control characters are not allowed"),
], ids=["BEL in a string", "ESC on line 4"])
def test_yaml_reader_errors_at_the_characters_line_and_column(spec_file, text, message):
    assert refused(spec_file(text)) == message


def test_a_long_unknown_kind_is_echoed_elided(spec_file):
    kind = "k" * 1_000_000
    path = spec_file(HEAD + f"layers: [{kind[:MAX_STRING_CHARS]}]\n")
    assert refused(path) == "spec.yaml:2:10: unknown layer kind '" + "k" * 29 + "…" + "k" * 30 + "'"


# --- junit that parsers read -------------------------------------------------------------------------------

def test_junit_with_control_characters_in_names_is_xml(spec_file):
    path = spec_file('input: [8, 8, 3]\ndesigns:\n  "a\\e[2J\\0b": [relu]\nbudget: {macs: 0, activations: 1}\n')
    result = run("check", path, "--format", "junit")
    assert result.code == 1
    root = ET.fromstring(result.out.split("\n", 1)[1])
    assert [case.get("classname") for case in root.iter("testcase")] == ["a\\x1b[2J\\x00b"] * 2


# --- Scale: designs -----------------------------------------------------------------------------------------

def designs_spec(count: int) -> str:
    """`count` designs that tie on every metric (the worst case for the best-of marks)."""
    return HEAD + "designs:\n" + "".join(f"  d{i}: [relu, {{branches: {{a: [relu], b: [relu]}}}}]\n"
                                         for i in range(count))


def cpu_seconds(*args: str) -> float:
    started = time.process_time()
    assert run(*args).code in (0, 1)
    return time.process_time() - started


def test_compare_and_check_are_linear_in_designs(spec_file):
    small, large = spec_file(designs_spec(200), "small.yaml"), spec_file(designs_spec(2000), "large.yaml")
    for command in (["compare"], ["check", "--max-macs", "1M"]):
        ratio = cpu_seconds(command[0], large, *command[1:]) / cpu_seconds(command[0], small, *command[1:])
        assert ratio < 25, (command, ratio)  # ten times the designs: 10× when linear, 100× when quadratic


def test_more_designs_than_the_limit(spec_file):
    assert refused(spec_file(designs_spec(MAX_DESIGNS + 1))) == (
        "spec.yaml:3:3: more than 10,000 designs, the limit for a spec; split the designs over several specs")


# --- Found by the long fuzz campaign ------------------------------------------------------------------------

def test_branches_as_a_bare_word(spec_file):
    """`- branches` alone (no mapping of branches) raised a KeyError."""
    assert refused(spec_file(HEAD + "layers:\n  - relu\n  - branches\n")) == (
        "spec.yaml:4:5: branches takes a mapping of branch name to a list of layers")


def test_explain_is_linear_in_merges(spec_file):
    """Each merge looked for its branches among every row of the design: quadratic in merges."""
    def spec(count: int) -> str:
        return HEAD + f"layers:\n  - {{branches: {{a: [relu], b: [relu]}}, merge: add, repeat: {count}}}\n"

    small, large = spec_file(spec(200), "small.yaml"), spec_file(spec(2000), "large.yaml")
    assert cpu_seconds("explain", large) / cpu_seconds("explain", small) < 25
