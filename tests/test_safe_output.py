"""Output that cannot be turned against its reader (issue 19), in every format of every command.

Names from an untrusted spec hold spreadsheet formulas, terminal escapes, `|`, newlines and
other control characters; the outputs must neutralise each: csv cells start with `'`, no raw
control character reaches a human format, markdown tables keep their columns, github
annotations escape their own syntax, junit stays XML, and a 1 MB value is never echoed whole.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from conftest import run

from costcalc.safe import brief, csv_cell, github_data, github_property, markdown_text, one_line, visible

NAMES = ["=HYPERLINK(\"http://e.vil\",\"x\")", "+1+2", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "\x1b[2J\x1b[32mPASS",
         "a|b", "line\nbreak", "bell\x07del\x7f", "bidi\u202eevil"]
RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]")


def quoted(text: str) -> str:
    """A YAML double-quoted scalar of `text`."""
    return '"' + "".join(c if c.isalnum() or c in " =+-@()|,.[]:" else f"\\u{ord(c):04x}" for c in text) + '"'


def hostile_spec(spec_file) -> str:
    """Two designs (a baseline named after a formula), with blocks, branches and layers named to hurt."""
    lines = ["input: [8, 8, 3]", "blocks:", f"  {quoted('=cmd|calc')}:", "    layers: [relu]", "designs:"]
    for number, design in enumerate([NAMES[0], NAMES[6]]):
        lines.append(f"  {quoted(design)}:")
        lines += [f"    - conv: {{filters: {4 + number}, kernel: 3, name: {quoted(name)}}}" for name in NAMES]
        lines += [f"    - branches: {{{quoted(NAMES[7])}: [relu], {quoted(NAMES[8])}: [relu]}}",
                  f"      name: {quoted(NAMES[2])}", f"    - {quoted('=cmd|calc')}"]
    lines.append("budget: {macs: 1, params: 1G}")
    return spec_file("\n".join(lines) + "\n")


REPORTS = [("report", f) for f in ("table", "markdown", "csv", "json")] + \
          [("compare", f) for f in ("table", "markdown", "csv", "json")] + \
          [("check", f) for f in ("text", "markdown", "github", "junit", "json")] + \
          [("explain", f) for f in ("text", "markdown")] + [("diff", f) for f in ("table", "markdown", "csv", "json")]


def output(spec_file, command: str, fmt: str) -> str:
    path = hostile_spec(spec_file)
    designs = ["--design", NAMES[0], "--design", NAMES[6]] if command == "diff" else []
    result = run(command, path, "--format", fmt, *designs)
    assert result.code in (0, 1), result.err
    return result.out


def strings(value):
    """Every string in a json document."""
    if isinstance(value, str):
        yield value
    for item in value.values() if isinstance(value, dict) else value if isinstance(value, list) else ():
        yield from strings(item)


@pytest.mark.parametrize("command, fmt", REPORTS, ids=[f"{c} {f}" for c, f in REPORTS])
def test_no_output_can_be_turned_against_its_reader(spec_file, command, fmt):
    out = output(spec_file, command, fmt)
    if fmt == "csv":
        cells = [cell for row in csv.reader(io.StringIO(out)) for cell in row]
        assert any(cell.startswith("'" + NAMES[0]) for cell in cells)
        assert not [cell for cell in cells if cell.startswith(("=", "+", "@", "\t", "\r")) or
                    (cell.startswith("-") and not re.fullmatch(r"-[0-9.]+", cell))]
        return
    if fmt == "json":  # the names exact, their control characters escaped by json itself
        assert re.search(r"[\x00-\x1f]", out.replace("\n", "")) is None
        assert any(NAMES[6] in text for text in strings(json.loads(out)))
        return
    assert RAW.search(out) is None, RAW.search(out)
    if fmt in ("table", "text"):
        assert "\\x1b[2J\\x1b[32mPASS" in out
    if fmt == "markdown":
        tables = [block.splitlines() for block in out.split("\n\n") if block.startswith("|")]
        assert tables or command == "explain"
        assert "a\\|b" in out or command in ("check", "explain")
        assert "http://" not in out and ("http\\://e.vil" in out or command in ("check", "explain"))
        for table in tables:  # every row has its header's count of cells (`\|` is a bar inside a cell)
            assert len({len(re.findall(r"(?<!\\)\|", line)) for line in table}) == 1, table
    if fmt == "github":
        annotations = [line for line in out.splitlines() if line.startswith("::error ")]
        assert annotations and all(line.count("::") == 2 for line in annotations)
    if fmt == "junit":
        names = [case.get("classname") for case in ET.fromstring(out.split("\n", 1)[1]).iter("testcase")]
        assert "\\x1b[2J\\x1b[32mPASS" in names


@pytest.mark.parametrize("command", ["report", "compare", "check", "explain"])
def test_a_megabyte_value_is_never_echoed_whole(spec_file, command):
    big = "\x1b" + "x" * 1_000_000
    path = spec_file(f"input: [8, 8, 3]\nlayers: [{quoted(big)}]\n")
    result = run(command, path)
    assert result.code == 2 and result.out == ""
    assert result.err == "spec.yaml:2:10: a value longer than 10,000 characters, the limit for a string in a spec\n"


@pytest.mark.parametrize("command", ["report", "compare", "explain"])
def test_every_error_is_one_short_line(spec_file, command):
    path = spec_file(f"input: [8, 8, 3]\nlayers: [{quoted(NAMES[6] + NAMES[8] + 'k' * 9000)}]\n")
    result = run(command, path)
    assert result.code == 2
    assert result.err == "spec.yaml:2:10: unknown layer kind '\\x1b[2J\\x1b[32mPASSline\\nbrea…" + "k" * 30 + "'\n"


# --- The escaping functions themselves -------------------------------------------------------------------

def test_visible_escapes_every_control_character_and_keeps_text():
    assert visible("a\x1b[2Jb\nc\td\x00\x7f\x85\u202e\u2028ü✓") == "a\\x1b[2Jb\\nc\\td\\x00\\x7f\\x85\\u202e\\u2028ü✓"
    assert visible("one\ntwo\x1b", keep_newlines=True) == "one\ntwo\\x1b"


def test_brief_elides_long_values_and_never_prints_a_huge_integer():
    assert brief("x" * 1_000_000) == "'" + "x" * 29 + "…" + "x" * 30 + "'"
    assert brief(10**5000) == "an integer of about 5,001 digits"
    assert brief([1] * 1000) == "[1, 1, 1, 1, 1, 1, 1, 1, …]"
    assert brief({"k": "\x1b"}) == "{'k': '\\x1b'}"


def test_one_line_bounds_a_message():
    assert one_line("a\nb" * 200) == ("a\\nb" * 200)[:149] + "…" + ("a\\nb" * 200)[-150:]
    assert len(one_line("x" * 10_000)) == 300


@pytest.mark.parametrize("cell, neutral", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\tx", "'\\tx"), ("\rx", "'\\rx"),
    ("a\rb", "a\\rb"), ("a\nb", "a\nb"),
    ("x=1", "x=1"), (12, 12), (-3.5, -3.5), ("", ""),
])
def test_csv_cells(cell, neutral):
    assert csv_cell(cell) == neutral


def test_markdown_and_github_escaping():
    assert markdown_text("a|b\nc") == "a\\|b\\\\nc"
    assert github_data("50%\r\nx\x1b") == "50%25%0D%0Ax\\x1b"
    assert github_property("a:b,c%") == "a%3Ab%2Cc%25"
