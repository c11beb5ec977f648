"""The fuzz harness: valid specs from test_properties, broken on purpose, run through the CLI in-process.

`cases()` draws one case: a spec (every kind, blocks with `${}` expressions, branches with every
merge, anchors and aliases), mutated at the structure level (types swapped, huge and negative
numbers, hostile strings, aliases, repeats) and at the YAML text level (cuts, stray characters,
control characters, lost indents), and a command line (report, compare, check, explain, diff and
draw in every format, with hostile --max-* figures; sweep with hostile --vary ranges; check against
a baseline file or a hostile `git:` revision; devices calibrate on a hostile timings file). A spec
may carry its own `devices:` and a command may read a devices file, either with hostile figures
(NaN, infinities, negative overheads, strings, deep nesting, thousands of kernel rows). `run_case`
runs it with a time and memory guard; `problems` lists every way the answer breaks costcalc's
contract (none is the goal):

- no traceback and an exit code of 0, 1 or 2;
- errors: each line `FILE[:LINE:COL]: message`, at most 300 characters, no control character;
- outputs: no raw control character (nor bidi control, U+FFFE, U+FFFF or lone surrogate) in any
  format, csv cells and json strings included; csv cells never start a spreadsheet formula; markdown
  tables keep their column count, and rendered as GitHub does, show no tag of the spec's (no HTML,
  image or link); json parses; svg, html and junit are well-formed XML; the github format's lines
  are costcalc's own annotations or plain lines that the runner reads as no workflow command.

Used by tests/test_fuzz.py (a bounded run in CI) and tools/fuzz.py (the long campaign).
"""

from __future__ import annotations

import copy
import csv
import gc
import io
import json
import re
import resource
import signal
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from click.testing import CliRunner
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from test_properties import as_yaml, nodes, specs

from costcalc.cli import main
from costcalc.model.ops import OPS

SECONDS = 2.0
"""A case that runs longer (in CPU time) is a hang."""

MEMORY = 1 << 30
"""A case may allocate at most this much on top of the process's own address space."""

ESC = "\x1b[2J\x1b[1;32mPASS\x1b[0m"
STRINGS = (
    "", " ", "x", "-", "=HYPERLINK(\"http://e.vil\",\"x\")", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx", ESC,
    "a|b", "line\nbreak", "nul\x00", "bell\x07", "del\x7f", "c1\x85", "bidi\u202eevil", "%0A::error::x", "a:b,c",
    "ünïcødé ✓", "$nope", "${1/0}", "${", "${x * x}", "${round(5, -10 * 100000000)}", "${9 ** 9}",
    "${1e308 * 10}", "${int(1e300) * int(1e300)}", "1.0000000000000000000000000001M", "1e400", "0x" + "f" * 40,
    "x" * 200, "x" * 20_000, "é" * 9_000,
)
NUMBERS = (0, -1, 1, 2, -(10**18), 10**18, 10**30, 10**100, 10**101, 10**400, 10**3999, 10**4001, 10**9,
           2.5, -0.0, float("inf"), float("-inf"), float("nan"), 1e308, True, False)
KEYS = ("junk", "name", "repeat", "merge", "kernel", "layers", "args", "branches", "torch", "budget", "growth",
        "defaults", "blocks", "designs", "input", "baseline", *OPS, 1, None, True)
GRAPH_KEYS = ("as", "from", "when", "as", "from")
GRAPH_VALUES = ("t0", "t1", "input", "skip", ["t0", "t1"], ["t0", "t0"], ["input", "t1"], [], True, False,
                "${height > 4}", "${channels}", "$nope", 3, None, "line\nbreak", "\x1b[2J")
graph_values = st.sampled_from(GRAPH_VALUES).map(copy.deepcopy)  # a fresh copy: a later mutation may change it
FORMATS = {
    "report": ("table", "json", "csv", "markdown", "html"),
    "compare": ("table", "json", "csv", "markdown", "html"),
    "diff": ("table", "json", "csv", "markdown"),
    "check": ("text", "json", "markdown", "github", "junit"),
    "explain": ("text", "markdown"),
    "draw": ("svg",),
}
FIGURES = ("0", "1", "100", "10K", "50K", "600M", "10G", "1T", "1.5G", "2MiB", "99999999999999999999999999999",
           "1.0000000000000000000000000001M",
           "9" * 5000, "-1", "1e9", "x", "10%")

FIGURE_VALUES = (1, 0.5, 19.5, 0, -1, -1000000, "-1e9", "1e3", float("nan"), float("inf"), -float("inf"), 1e-300,
                 1e300, 10**400, True, None, [], {}, "x", [1, 2])
DEVICE_KEYS = ("tflops", "bandwidth_gbs", "source", "title", "estimated", "efficiency", "overhead_us", "kernels",
               "junk")
VARIES = ("n=1:3:1", "n=1,2,4", "f=1:64:1", "q=0:1:1e-30", "q=0:1e308:1e-308", "n=18446744073709551616,2",
          "f=9223372036854775800:9223372036854775810:1", "n=1:100000:1", "f=1:1000:1", "n=-1,0", "q=nan", "q=1e999",
          "nope=1,2", "n=", "=1", "n=1:2:0", "f=0.5:2:0.5", "n=1:2001:1")
AGAINST = ("other.yaml", "missing.yaml", "devices.json", "git:HEAD", "git:--output=out", "git:HEAD:../../etc/passwd",
           "git:", "git:-", "git:HEAD~99999999999999999999")
GROWTH = ("macs=0", "macs=10%", "params=-1", "latency=0", "flops=1e400", "x=1", "macs=nan")


@st.composite
def devices(draw) -> dict:
    """A devices mapping: one device, valid or not, and a device `board` with one hostile figure."""
    good = {"tflops": {"float32": 8}, "bandwidth_gbs": 100, "source": "fuzz"}
    bad = dict(good)
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(DEVICE_KEYS))
        if key == "tflops":
            bad[key] = draw(st.sampled_from([{"float32": v} for v in FIGURE_VALUES] + [{}, 5, {"float32": {"a": 1}}]))
        elif key == "efficiency":
            bad[key] = draw(st.sampled_from([{"compute": v} for v in FIGURE_VALUES] + [{"memory": 2}, {"x": 1}, 0.5]))
        elif key == "kernels":
            row = draw(st.sampled_from([[64, 64, 64, 0.5], [1, 2, 3], [0, 1, 1, 0.5], [1, 1, 10**400, 0.5],
                                        [1, 1, 1, float("nan")], "x"]))
            bad[key] = draw(st.sampled_from([{"conv": [row]}, {"conv": [row] * 1001}, {"relu": []}, {"conv": row},
                                             {"conv": [[4096, 64, 64, 0.25]] * 999 + [row]}]))
        else:
            bad[key] = draw(st.sampled_from(FIGURE_VALUES + STRINGS[:12]))
    return {"board": bad, "fine": good}


def devices_file(draw) -> str:
    """A devices file's text: hostile figures, JSON's NaN and Infinity, or nesting deeper than a parser goes."""
    choice = draw(st.sampled_from(["devices", "devices", "devices", "deep", "broken", "list"]))
    if choice == "deep":
        return '{"devices": ' + "[" * 100_000 + "]" * 100_000 + "}"
    if choice == "broken":
        return '{"devices": {"board": {"tflops": {"float32": 1}'
    if choice == "list":
        return "[1, 2, 3]"
    return json.dumps({"devices": draw(devices())})


def timings_file(draw) -> str:
    """A timings file for devices calibrate: timed layers, hostile seconds, shapes and layers."""
    seconds = draw(st.sampled_from([1e-6, 1e-3, 0, -1, 1e308, 5e-324, float("inf"), float("nan"), "1", None]))
    layer = draw(st.sampled_from(["relu", {"conv": {"filters": 4, "kernel": 3}}, {"conv": {"filters": -1}},
                                  "branches", {"dense": {"units": 10**400}}, [1], "nope"]))
    shape = draw(st.sampled_from([[8, 8, 4], [8], [], [0, 0, 0], [10**9, 10**9, 10**9], "x"]))
    layers = [{"input": [8, 8, 4], "layer": {"conv": {"filters": 8, "kernel": 1}}, "seconds": 1e-4},
              {"input": shape, "layer": layer, "seconds": seconds}]
    count = draw(st.sampled_from([1, 1, 1, 1001]))
    return json.dumps({"runtime": draw(st.sampled_from(["fuzz", ESC, 5])), "layers": layers * count})


hostile_scalars = st.one_of(st.sampled_from(STRINGS), st.sampled_from(NUMBERS), st.none(),
                            st.text(max_size=12), st.integers(-(10**6), 10**6))
hostile_values = st.recursive(hostile_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                                       st.dictionaries(st.sampled_from(KEYS), inner,
                                                                                       max_size=3)), max_leaves=6)


@st.composite
def mutated(draw, spec: dict) -> dict:
    """`spec` broken in 0 to 4 places: a value swapped, a key dropped or renamed, an alias, a huge repeat."""
    spec = copy.deepcopy(spec)
    if draw(st.booleans()):
        spec["budget"] = {"macs": draw(st.sampled_from(FIGURES)), "params": draw(st.sampled_from([10**6, "1M", 0]))}
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 4]))):
        places = list(nodes(spec))[1:]
        if not places:
            break
        path, value = places[draw(st.integers(0, len(places) - 1))]
        parent = spec
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        action = draw(st.sampled_from(["swap", "drop", "rename", "insert", "alias", "repeat", "name", "negate",
                                       "graph", "graph", "merge"]))
        if action == "drop":
            del parent[key]
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS))] = parent.pop(key)
        elif action == "insert" and isinstance(value, dict):
            value[draw(st.sampled_from(KEYS))] = draw(hostile_values)
        elif action == "insert" and isinstance(value, list):
            value.insert(draw(st.integers(0, len(value))), draw(hostile_values))
        elif action == "alias":  # the same object twice: yaml.dump writes an anchor and an alias
            target = places[draw(st.integers(0, len(places) - 1))][1]
            if not any(inside is parent for _, inside in nodes(target)):  # never around its new place: no cycle
                parent[key] = target
        elif action == "graph" and isinstance(value, dict) and len(value) == 1 and isinstance(_first(value), dict):
            _first(value)[draw(st.sampled_from(GRAPH_KEYS))] = draw(graph_values)
        elif action == "merge" and isinstance(value, list):  # format 1.1: a merge of named tensors
            value.insert(draw(st.integers(0, len(value))), {"merge": draw(st.sampled_from(["add", "concat", "x"])),
                                                           "from": draw(graph_values)})
        elif action in ("repeat", "name") and isinstance(value, dict):
            value[action] = draw(st.sampled_from(NUMBERS + STRINGS))
        elif action == "negate" and isinstance(value, int) and not isinstance(value, bool):
            parent[key] = -value * draw(st.sampled_from([1, 10**9, 10**200]))
        else:
            parent[key] = draw(hostile_values)
    return spec


def _first(mapping: dict):
    return next(iter(mapping.values()))


@st.composite
def corrupted(draw, text: str) -> str:
    """The YAML text broken at the character level, or left alone."""
    action = draw(st.sampled_from(["none"] * 6 + ["cut", "char", "dedent", "drop", "duplicate"]))
    at = draw(st.integers(0, len(text)))
    if action == "cut":
        return text[:at]
    if action == "char":
        return text[:at] + draw(st.sampled_from(list("[]{}:-&*!|>%@`'\"\t\x07\x1b\x85\ufeff")
                                                + ["\n  ", "&a ", "*a "])) + text[at:]
    if action == "dedent":
        return text.replace("\n  ", "\n", 1)
    if action == "drop":
        return text[:at] + text[at + 7:]
    if action == "duplicate":
        lines = text.splitlines(keepends=True)
        line = lines[min(at, len(lines) - 1)] if lines else ""
        return text + line
    return text


@st.composite
def commands(draw) -> list[str]:
    """A command line over `spec.yaml` (and `other.yaml` for diff)."""
    command = draw(st.sampled_from(list(FORMATS)))
    fmt = draw(st.sampled_from(FORMATS[command]))
    args = [command, "spec.yaml", *(["--output", "-"] if command == "draw" else ["--format", fmt])]
    if command == "diff":
        args.insert(2, "other.yaml")
    if command == "check":
        for _ in range(draw(st.sampled_from([0, 1, 1, 2]))):
            metric = draw(st.sampled_from(["macs", "flops", "params", "activation-bytes"]))
            args += [f"--max-{metric}", draw(st.sampled_from(FIGURES))]
    if command in ("report", "compare", "diff") and draw(st.booleans()):
        args.append("--exact")
    if command in ("report", "check", "explain") and draw(st.booleans()):
        conventions = ["costcalc", "fvcore", "ptflops", "thop", "flops2x", "flopcounter"]
        args += ["--convention", draw(st.sampled_from(conventions))]
    if command == "report" and draw(st.booleans()):
        args.append(draw(st.sampled_from(["--receptive-field", "--memory", "--device=t4", "--device=a100"])))
    if command == "diff" and draw(st.booleans()):
        args.append(draw(st.sampled_from(["--memory", "--device=t4", "--device=a100"])))
    if command in ("report", "check", "explain", "diff", "draw", "compare") and draw(st.integers(0, 3)) == 0:
        args += draw(st.sampled_from([["--device", "board"], ["--device", "fine"], ["--device", "board", "--devices",
                                      "devices.json"], ["--device", "t4", "--devices", "devices.json"]]))
        if command == "check":
            args += ["--max-latency", draw(st.sampled_from(["1ms", "1ns", "0", "-1ms", "1e400s"]))]
    if command == "check" and draw(st.integers(0, 3)) == 0:
        args += ["--against", draw(st.sampled_from(AGAINST)), "--max-growth", draw(st.sampled_from(GROWTH))]
    return args


@st.composite
def sweeps(draw) -> list[str]:
    """A sweep over the parameters a case's spec declares (`n`, `f`, `q`), and some it does not."""
    args = ["sweep", "spec.yaml"]
    for _ in range(draw(st.integers(1, 2))):
        args += ["--vary", draw(st.sampled_from(VARIES))]
    args += draw(st.sampled_from([[], ["--zip"], ["--format", "json"], ["--format", "csv"], ["--plot", "macs"],
                                  ["--device", "t4"], ["--device", "board"], ["--memory"],
                                  ["--devices", "devices.json", "--device", "board"]]))
    return args


@st.composite
def calibrations(draw) -> list[str]:
    """devices calibrate on a timings file, from a built-in device or one of the devices file."""
    base = draw(st.sampled_from([["--device", "t4"], ["--device", "board", "--devices", "devices.json"],
                                 ["--device", "fine", "--devices", "devices.json"]]))
    return ["devices", "calibrate", "timings.json", *base, *draw(st.sampled_from([[], ["--name", ESC]]))]


@dataclass
class Case:
    text: str
    other: str
    args: list[str]
    devices: str = ""
    timings: str = ""


@st.composite
def graphs(draw) -> dict:
    """A valid spec whose first design names a tensor (`as:`), reads it again later (`from:`) and
    merges it with itself (`{merge: add, from: [t0, t0]}`): spec format 1.1's graphs."""
    spec = draw(specs())
    layers = spec.get("layers") or next(iter(spec["designs"].values()))
    mappings = [item for item in layers if isinstance(item, dict) and len(item) == 1 and isinstance(_first(item), dict)]
    if mappings:
        _first(mappings[0])["as"] = "t0"
        later = mappings[draw(st.integers(0, len(mappings) - 1))]
        if later is not mappings[0]:
            _first(later)["from"] = "t0"
        layers.append({"merge": draw(st.sampled_from(["add", "concat", "multiply"])), "from": ["t0", "t0"]})
    return spec


@st.composite
def cases(draw) -> Case:
    spec = draw(st.one_of(specs(), graphs()))
    if draw(st.integers(0, 3)) == 0:  # its own devices, some with hostile figures
        spec["devices"] = draw(devices())
    if draw(st.integers(0, 3)) == 0:  # parameters that sweeps vary: a width, a rate and a repeat
        spec["params"] = {"n": 2, "f": 4, "q": 0.5}
        layers = spec.get("layers") or next(iter(spec["designs"].values()))
        layers += [{"relu": {"repeat": "$n"}}, {"dropout": {"rate": "${q / 2}"}}]
    spec = draw(mutated(spec))
    text = draw(corrupted(as_yaml(spec)))
    other = as_yaml(draw(mutated(draw(specs())))) if draw(st.booleans()) else text
    args = draw(st.sampled_from([commands()] * 6 + [sweeps(), calibrations()]).flatmap(lambda drawn: drawn))
    return Case(text, other, args, devices_file(draw), timings_file(draw) if args[0] == "devices" else "")


@dataclass
class Outcome:
    code: int | None
    out: str
    err: str
    seconds: float
    error: BaseException | None = None
    problems: list[str] = field(default_factory=list)


class Hang(Exception):
    """Raised by the alarm in a case that runs longer than the guard allows."""


def _alarm(signum, frame):
    raise Hang()


def run_case(case: Case, folder, seconds: float = SECONDS) -> Outcome:
    """Run one case in `folder` with a CPU-time alarm and a cap on the address space."""
    (folder / "spec.yaml").write_text(case.text, encoding="utf-8", errors="surrogateescape")
    (folder / "other.yaml").write_text(case.other, encoding="utf-8", errors="surrogateescape")
    (folder / "devices.json").write_text(case.devices, encoding="utf-8")
    (folder / "timings.json").write_text(case.timings, encoding="utf-8")
    args = [str(folder / a) if a.endswith((".yaml", ".json")) and not a.startswith("git:") else a for a in case.args]
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    used, threshold = _address_space(), gc.get_threshold()
    gc.disable()  # a collection of the harness's own heap (hypothesis's data) once cost a 0.1 s case 2 s
    previous = signal.signal(signal.SIGVTALRM, _alarm)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    resource.setrlimit(resource.RLIMIT_AS, (used + MEMORY, hard))
    started = time.process_time()
    try:
        result = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "120"}).invoke(main, args, catch_exceptions=True)
        outcome = Outcome(result.exit_code, result.stdout, result.stderr, time.process_time() - started,
                          None if isinstance(result.exception, SystemExit) else result.exception)
    except Hang as hang:  # the alarm may land outside the runner's own try
        outcome = Outcome(None, "", "", time.process_time() - started, hang)
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        gc.set_threshold(*threshold)  # the CLI sets its own
        gc.enable()
    outcome.problems = problems(outcome, case.args, str(folder) + "/")
    return outcome


def _address_space() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * resource.getpagesize()


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
POSITIONED = re.compile(r"^((spec|other|missing)\.yaml|(devices|timings)\.json|git:\S*)(:\d+:\d+)?: \S"
                        r"|^no device '|^--[a-z-]+ ")  # a flag's own error (--device, --against): no file to name
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def problems(outcome: Outcome, args: list[str], folder: str) -> list[str]:
    """Every way `outcome` breaks the contract of the command line."""
    if isinstance(outcome.error, Hang):
        return [f"hang: over {SECONDS} s of CPU"]
    if isinstance(outcome.error, MemoryError):
        return [f"memory: over {MEMORY >> 20} MiB"]
    if outcome.error is not None:
        return [f"traceback: {type(outcome.error).__name__}: {str(outcome.error)[:200]}"]
    found = [] if outcome.code in (0, 1, 2) else [f"exit code {outcome.code}"]
    found += _error_problems(outcome.err.replace(folder, ""))
    fmt = output_format(args)
    if outcome.out:
        found += [f"{fmt}: {p}" for p in output_problems(fmt, outcome.out.replace(folder, ""))]
    return found


def _error_problems(err: str) -> list[str]:
    if err.startswith("Usage:"):  # click's usage errors: a usage line, a hint, then one Error: line
        lines = [line for line in err.splitlines() if line.startswith("Error:")]
        return [] if len(lines) == 1 and len(lines[0]) <= 300 + 40 and not CONTROL.search(lines[0]) else \
            [f"usage error not one clean line: {err[:200]!r}"]
    found = []
    for line in err.splitlines():
        if len(line) > 300:
            found.append(f"error line of {len(line)} characters")
        if CONTROL.search(line):
            found.append(f"control character in an error: {line[:100]!r}")
        if not POSITIONED.match(line):
            found.append(f"error not positioned: {line[:100]!r}")
    return found


def output_format(args: list[str]) -> str:
    """What a command line prints: its --format, `plot` for sweep --plot, `svg` for draw, else `text`."""
    if "--format" in args:
        return args[args.index("--format") + 1]
    return "plot" if "--plot" in args else "svg" if args[0] == "draw" else "text"


def output_problems(fmt: str, out: str) -> list[str]:
    """Every way `out`, printed in format `fmt` (output_format's names), could act on its reader."""
    found = [f"raw control character {m.group()!r}" for m in CONTROL.finditer(out)][:1]  # csv's own are cells'
    if fmt == "csv":
        try:
            cells = [cell for row in csv.reader(io.StringIO(out), strict=True) for cell in row]
        except csv.Error as exc:
            return found + [f"not csv: {exc}"]
        return found + [f"formula cell {cell[:40]!r}" for cell in cells if cell.startswith(FORMULA)
                        and not _number(cell)][:1]
    if fmt == "json":
        try:
            json.loads(out)
        except ValueError as exc:
            found.append(f"not json: {exc}")
    if fmt in ("junit", "junit-lines", "svg", "html"):
        found += _xml_problems(out.split("\n", 1)[1] if out.startswith("<?xml") else out)
    if fmt == "markdown":
        found += _markdown_problems(out)
    if fmt == "github":
        found += [f"github line: {line[:80]!r}" for line in out.splitlines()
                  if not line.startswith(("::error ", "::warning ")) and
                  (": " not in line or "::" in line or re.search(r"##\[.*\]", line))][:1]
    return found


def _xml_problems(text: str) -> list[str]:
    """SVG, an HTML page and JUnit are each one well-formed XML document."""
    try:
        ET.fromstring(text)
    except ET.ParseError as exc:
        return [f"not XML: {exc}"]
    return []


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


MARKDOWN_TAGS = {"h3", "p", "br", "table", "thead", "tbody", "tr", "th", "td", "strong", "pre", "code", "ul", "li"}
"""The tags of costcalc's own Markdown rendered: headings, tables, bold rows, notes, code blocks, lists."""
render_markdown = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render
"""Markdown to HTML as GitHub renders it: CommonMark with inline HTML, tables and strikethrough."""


def _markdown_problems(out: str) -> list[str]:
    """Each table keeps its header's column count on every row (`\\|` is a cell's own bar), and the text
    rendered shows only costcalc's own tags."""
    tags = set(re.findall(r"<([a-z][a-z0-9]*)", render_markdown(out))) - MARKDOWN_TAGS
    found, columns = [f"markdown renders <{tag}>" for tag in sorted(tags)][:1], None
    for line in out.splitlines():
        if not line.startswith("|"):
            columns = None
            continue
        count = len(re.findall(r"(?<!\\)\|", line))
        if columns is None:
            columns = count
        elif count != columns:
            found.append(f"markdown row of {count - 1} cells under {columns - 1} columns: {line[:80]!r}")
    return found[:1]
