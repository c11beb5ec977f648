"""Each output channel neutralises what a hostile spec names (issue 28, items 8 to 12).

One function of costcalc/safe.py per channel: a terminal (`visible`), csv, json, Markdown, SVG and
HTML (`xml_text`), and GitHub's workflow log. Here each is driven through the command line with
names that would run a workflow command, render HTML or a link in a job summary, drive a terminal
(OSC 0 title, OSC 52 clipboard, OSC 8 link, CSI 2J), or make XML malformed.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from conftest import run
from fuzzing import CONTROL, MARKDOWN_TAGS, output_format, output_problems, render_markdown
from hypothesis import given, settings
from hypothesis import strategies as st

from costcalc.safe import github_text, json_visible, markdown_text, xml_text

TERMINAL = "\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\x1b]8;;https://e.vil\x07link\x1b]8;;\x07\x1b[2J\x9b2J\u202e"
"""OSC 0 (the window's title), OSC 52 (the clipboard), OSC 8 (a link), CSI 2J (clear) in 7 and 8 bits, a bidi
override."""


def quoted(text: str) -> str:
    """A YAML double-quoted scalar of `text`, every character but letters and digits escaped."""
    return '"' + "".join(c if c.isascii() and c.isalnum() else f"\\U{ord(c):08x}" for c in text) + '"'


def named_spec(spec_file, title: str, design: str, layer: str, name: str = "spec.yaml") -> str:
    """A spec whose title, two designs, a layer and a parameter's use carry the given names."""
    return spec_file(f"name: {quoted(title)}\ninput: [8, 8, 3]\nparams: {{w: 4}}\ndesigns:\n"
                     f"  {quoted(design)}:\n    - conv: {{filters: $w, kernel: 3, name: {quoted(layer)}}}\n"
                     f"  {quoted(design + '2')}: [relu]\nbudget: {{macs: 1G}}\n", name)


# --- 28.8: the github format runs no workflow command but its own annotations ---------------------------------

@pytest.mark.parametrize("name", ["::stop-commands::x.yaml", "  ::warning::x.yaml", "##[stop-commands]t.yaml",
                                  "a\u200b::add-mask::x.yaml"])
def test_a_spec_file_name_starts_no_workflow_command(spec_file, name):
    path = spec_file("input: [8, 8, 3]\nlayers: [relu]\nbudget: {macs: 1G}\n", name)
    result = run("check", "--format", "github", "--", path)
    assert result.code == 0
    assert result.out == f"{github_text(name)}: the budget holds\n"
    assert output_problems("github", result.out) == []


def test_the_escaped_name_is_the_name_as_a_property_with_its_brackets_too():
    assert github_text("::stop-commands::x.yaml") == "%3A%3Astop-commands%3A%3Ax.yaml"
    assert github_text("##[error]a,b%.yaml") == "##[error%5Da%2Cb%25.yaml"


def test_a_bad_spec_is_said_once_by_its_annotation_not_raw_on_stderr(spec_file):
    bad = spec_file("input: [8, 8, 3]\nlayers: [nope]\n", "::stop-commands::bad.yaml")
    good = spec_file("input: [8, 8, 3]\nlayers: [{conv: {filters: 4, kernel: 3}}]\nbudget: {macs: 1}\n", "good.yaml")
    result = run("check", "--format", "github", "--", bad, good)
    assert (result.code, result.err) == (2, "")
    assert result.out.splitlines() == [
        "::error file=%3A%3Astop-commands%3A%3Abad.yaml,line=2,col=10,title=costcalc bad spec::unknown layer kind "
        "'nope'",
        "::error file=good.yaml,line=3,col=16,title=costcalc over budget::main: macs 6,912 is over its limit of 1 "
        "(691200.0%25)",
        "good.yaml: 1 of 1 budgets exceeded"]


# --- 28.9: Markdown shows names as text: no HTML, image or link renders in a job summary -------------------------

HTML_NAME = '<img src="https://e.vil/x.png">'
LINK_NAME = "[all budgets hold](https://e.vil)"
MARKDOWN_COMMANDS = [["report"], ["compare"], ["check"], ["explain"], ["sweep", "--vary", "w=4,8"],
                     ["diff", "--design", HTML_NAME, "--design", HTML_NAME + "2"]]


@pytest.mark.parametrize("command", MARKDOWN_COMMANDS, ids=lambda c: c[0])
def test_markdown_renders_names_as_themselves(spec_file, command):
    path = named_spec(spec_file, "<b>bold</b> &lt;i&gt; **all pass** ~~x~~ `c`", HTML_NAME, LINK_NAME + "_x_")
    result = run(command[0], path, *command[1:], "--format", "markdown")
    assert result.code == 0, result.err
    page = render_markdown(result.out)
    assert set(re.findall(r"<([a-z0-9]+)", page)) <= MARKDOWN_TAGS, page
    assert output_problems("markdown", result.out) == []
    assert "&lt;img src=&quot;https://e.vil/x.png&quot;&gt;" in page
    if command[0] in ("report", "explain"):
        assert "[all budgets hold](https://e.vil)_x_" in page
    if command[0] in ("report", "compare", "sweep", "explain"):
        assert "&lt;b&gt;bold&lt;/b&gt; &amp;lt;i&amp;gt; **all pass** ~~x~~ `c`" in page


def test_markdown_text_escapes_markup_and_leaves_words_alone():
    assert markdown_text("conv_1 a*b [x](y) <i> &amp; `c` ~s~ | _e_") == \
        "conv_1 a\\*b \\[x\\](y) \\<i\\> \\&amp; \\`c\\` \\~s\\~ \\| \\_e\\_"
    assert markdown_text("a__b\x1b") == "a\\_\\_b\\\\x1b"


def test_markdown_text_leaves_github_no_bare_address_to_link():
    """GitHub links http(s)://…, www.… and name@host by itself (checked with cmarkgfm 2025.10.22, bindings to
    the cmark-gfm that GitHub runs): an escaped `:` or `.` stops the first two; only a break in the text stops an
    e-mail address."""
    assert markdown_text("see http://e.vil/x, HTTPS://e.vil and www.e.vil; mail a@b.co; at: 5 ms, 1.5 wwwx") == (
        "see http\\://e.vil/x, HTTPS\\://e.vil and www\\.e.vil; mail a@\u200bb.co; at: 5 ms, 1.5 wwwx")


# --- 28.10: no terminal escape reaches a terminal, in any format ----------------------------------------------

def test_csv_cells_show_control_characters():
    from costcalc.safe import csv_cell

    assert csv_cell("a\x1b]52;c;x\x07\rb\nc") == "a\\x1b]52;c;x\\x07\\rb\nc"


RAW_CHANNELS = [
    ["draw", "-o", "-"], ["draw", "-o", "-", "--device", "t4"],
    ["report", "--format", "html"], ["report", "--format", "html", "--device", "t4"], ["compare", "--format", "html"],
    ["report", "--format", "csv"], ["compare", "--format", "csv", "--device", "t4"], ["sweep", "--vary", "w=4,8",
                                                                                       "--format", "csv"],
    ["diff", "--design", TERMINAL, "--design", TERMINAL + "2", "--format", "csv"],
    ["sweep", "--vary", "w=4,8", "--plot", "macs", "-d", TERMINAL],
    ["sweep", "--vary", "w=4,8", "--plot", "latency", "--device", "t4", "-d", TERMINAL],
    ["report", "--format", "json"], ["compare", "--format", "json"], ["check", "--format", "json"],
]


@pytest.mark.parametrize("command", RAW_CHANNELS, ids=" ".join)
def test_no_raw_escape_reaches_a_terminal(spec_file, command):
    hostile = TERMINAL + "\u202eevil\x00\ufffe"
    path = named_spec(spec_file, hostile, TERMINAL, hostile)
    result = run(command[0], path, *command[1:])
    assert result.code == 0, result.err
    assert output_problems(output_format(command), result.out) == []
    assert "\\x1b]52;c;ZXZpbA==\\x07" in result.out or "\\u001b]52;c;ZXZpbA==\\u0007" in result.out


def test_json_keeps_the_values_and_escapes_what_would_show_raw():
    encoded = json.dumps({"name": "a\x9b2J\u202e\ud800b"}, ensure_ascii=False)
    assert json_visible(encoded) == '{"name": "a\\u009b2J\\u202e\\ud800b"}'
    assert json.loads(json_visible(encoded)) == json.loads(encoded)


# --- 28.11: every XML output is well-formed, whatever code point a name holds -----------------------------------

XML_OUTPUTS = {"svg": ["draw", "-o", "-"], "report html": ["report", "--format", "html"],
               "compare html": ["compare", "--format", "html"], "junit": ["check", "--format", "junit"]}


def assert_well_formed(path: str) -> None:
    """The SVG, each HTML page and the JUnit of the spec at `path` are well-formed XML, with no raw control."""
    for what, (command, *flags) in XML_OUTPUTS.items():
        result = run(command, path, *flags)
        assert result.code == 0, result.err
        text = result.out.split("\n", 1)[1] if what == "junit" else result.out
        try:
            ET.fromstring(text)
        except ET.ParseError as exc:
            raise AssertionError(f"{what}: {exc}") from None
        assert CONTROL.search(text) is None, (what, CONTROL.search(text))


@pytest.mark.parametrize("character", ["\x01", "\x1b", "\x00", "\ufffe", "\uffff", "\u202e",
                                       "\u2066", "\x85", "\x7f", "&", "<", '"', "]]>"])
def test_xml_is_well_formed_with(spec_file, character):
    assert_well_formed(named_spec(spec_file, f"t{character}", f"d{character}", f"l{character}"))


@settings(max_examples=60, deadline=None)
@given(code=st.integers(0, 0x10FFFF).filter(lambda code: not 0xD800 <= code < 0xE000))
def test_xml_is_well_formed_for_every_code_point_yaml_admits(tmp_path_factory, code):
    """YAML's double-quoted escapes (`\\U0010ffff`) reach every code point but the surrogates."""
    folder = tmp_path_factory.mktemp("xml")
    path = folder / "spec.yaml"
    path.write_text(named_spec(lambda text, name: text, f"t{chr(code)}", f"d{chr(code)}", f"l{chr(code)}"),
                    encoding="utf-8")
    assert_well_formed(str(path))


def test_xml_text_escapes_markup_after_making_text_visible():
    assert xml_text('<a href="x">&\x1b\ufffe\u202e') == "&lt;a href=&quot;x&quot;&gt;&amp;\\x1b\\ufffe\\u202e"


# --- 28.12: a device name's CR, a devices file's repeated key, a baseline's huge figure, a tiny growth limit ----

def devices_file(text: str, name: str = "mine.json") -> str:
    with open(name, "w", encoding="utf-8") as handle:
        handle.write(text)
    return name


BOARD = '"title": "Board", "tflops": {"float32": 1}, "bandwidth_gbs": 10, "source": "manual"'


def test_a_carriage_return_in_a_device_name_reaches_no_csv_header(spec_file):
    path = named_spec(spec_file, "t", "d", "l")
    devices = devices_file(f'{{"devices": {{"a\\rb": {{{BOARD}}}}}}}')
    result = run("compare", path, "--devices", devices, "--device", "a\rb", "--format", "csv")
    assert result.code == 0, result.err
    header = next(csv.reader(io.StringIO(result.out)))
    assert "latency_s_a\\rb" in header and "\r" not in result.out


def test_a_repeated_key_in_a_devices_file_is_refused_with_its_position(spec_file):
    devices = devices_file(f'{{"devices": {{\n  "b": {{{BOARD},\n'
                           '        "overhead_us": 5, "overhead_us": -1000000}}}\n')
    result = run("devices", "--devices", devices)
    assert (result.code, result.out) == (2, "")
    assert result.err == ("mine.json:3:27: duplicate key 'overhead_us', first given at 3:9; "
                          "keep one (a JSON reader keeps the last, silently)\n")


def test_a_repeated_device_is_refused_too(spec_file):
    devices = devices_file(f'{{"devices": {{"b": {{{BOARD}}}, "b": {{{BOARD}}}}}}}')
    assert run("devices", "--devices", devices).err.startswith(
        "mine.json:1:106: duplicate key 'b', first given at 1:14;")


def test_a_repeated_key_in_a_timings_file_is_refused(spec_file):
    timings = devices_file('{"dtype": "float32", "dtype": "int8", "layers": []}', "timings.json")
    result = run("devices", "calibrate", timings, "--device", "t4")
    assert result.code == 2
    assert result.err == ("timings.json:1:22: duplicate key 'dtype', first given at 1:2; "
                          "keep one (a JSON reader keeps the last, silently)\n")


def test_a_json_baseline_figure_is_bounded_as_a_budget_figure(spec_file):
    path = spec_file("input: [8, 8, 3]\nlayers: [{conv: {filters: 4, kernel: 3}}]\n")
    report = json.loads(run("report", path, "--format", "json").out)
    report["designs"][0]["totals"]["macs"] = int("9" * 4001)
    devices_file(json.dumps(report), "base.json")
    result = run("check", path, "--against", "base.json", "--max-growth", "macs=1%")
    assert (result.code, result.out) == (2, "")
    assert result.err == "base.json: design 'main': macs: more than 100 digits, the limit for a figure\n"


def test_a_small_growth_limit_is_written_as_given(spec_file):
    path = spec_file("input: [8, 8, 3]\nlayers: [{conv: {filters: 4, kernel: 3}}]\n")
    result = run("check", path, "--against", path, "--max-growth", "macs=0.0000001%", "--max-growth", "params=2.50%",
                 "--format", "markdown")
    assert result.code == 0
    assert "| main | macs growth | 6,912 | 6,912 | +0.0% | pass | --max-growth macs=0.0000001% |" in result.out
    assert "--max-growth params=2.5% |" in result.out
    assert "e-" not in result.out
