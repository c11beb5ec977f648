"""The README's samples are what costcalc prints today, each under its command; its code blocks and links are whole."""

import re
import shlex
from dataclasses import dataclass

import pytest
from conftest import ROOT, run

README = ROOT / "README.md"
DOCS = [README, *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(```+)\s*(\S*)\s*$")
SAMPLE = re.compile(r"^<!-- sample: costcalc (.*) -->$")
COMMAND = re.compile(r"^<!-- .*\bcostcalc .* -->$")
"""An HTML comment that names the command a text block shows: `sample:` (run here) or `at 80 columns:`
(tests/test_width.py)."""
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


@dataclass(frozen=True)
class Block:
    line: int
    """The 1-based line of the opening fence."""
    info: str
    body: str
    before: str
    """The line above the opening fence."""


def blocks_and_problems(text: str) -> tuple[list[Block], list[str]]:
    """The fenced code blocks of a Markdown text, and what is wrong with them: a fence with an info string
    inside a block (the block above was not closed: it swallows the next), a block never closed."""
    blocks, problems, lines = [], [], text.splitlines()
    opened = None
    for number, line in enumerate(lines, 1):
        fence = FENCE.match(line)
        if opened is None:
            if fence:
                opened, body = (number, fence.group(2)), []
        elif fence and not fence.group(2):
            start, info = opened
            blocks.append(Block(start, info, "\n".join(body), lines[start - 2] if start > 1 else ""))
            opened = None
        else:
            if fence or line.startswith("```"):
                problems.append(f"line {number}: the code block opened at line {opened[0]} swallows the block that "
                                f"opens here ({line}); close it with ``` first")
            body.append(line)
    if opened is not None:
        problems.append(f"line {opened[0]}: a code block that is never closed")
    return blocks, problems


def sample_problems(text: str) -> list[str]:
    """Text blocks that do not say which command printed them, and sample comments with no block under them."""
    blocks, problems = blocks_and_problems(text)
    for block in blocks:
        if block.info == "text" and not COMMAND.match(block.before) and not block.body.startswith("$ costcalc "):
            problems.append(f"line {block.line}: a sample without its command: put <!-- sample: costcalc ... --> "
                            "on the line above it (or start it with $ costcalc ...)")
    under = {block.line - 1 for block in blocks if block.info == "text"}
    problems += [f"line {number}: {line} is not followed by a ```text block"
                 for number, line in enumerate(text.splitlines(), 1) if SAMPLE.match(line) and number not in under]
    return problems


def samples(text: str) -> list[tuple[str, str]]:
    return [(SAMPLE.match(b.before).group(1), b.body) for b in blocks_and_problems(text)[0]
            if b.info == "text" and SAMPLE.match(b.before)]


def anchors(text: str) -> set[str]:
    """The anchors GitHub makes of a Markdown text's headings (those outside code blocks)."""
    blocks = blocks_and_problems(text)[0]
    inside = {n for b in blocks for n in range(b.line, b.line + b.body.count("\n") + 2)}
    made: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if number not in inside and (heading := re.match(r"^#{1,6} (.*)", line)):
            slug = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-")
            made[slug] = made.get(slug, -1) + 1
            if made[slug]:
                made[f"{slug}-{made[slug]}"] = 0
    return set(made)


def link_problems(path, text: str) -> list[str]:
    """Links to a file that is not there, or to an anchor that no heading of the file makes."""
    blocks = blocks_and_problems(text)[0]
    inside = {n for b in blocks for n in range(b.line, b.line + b.body.count("\n") + 2)}
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        for target in LINK.findall(line) if number not in inside else ():
            if re.match(r"^[a-z]+:", target):
                continue
            name, _, anchor = target.partition("#")
            linked = (path.parent / name).resolve() if name else path
            if not linked.exists():
                problems.append(f"line {number}: {target}: no such file")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(
                    linked.read_text(encoding="utf-8") if name else text):
                problems.append(f"line {number}: {target}: no heading makes the anchor #{anchor}")
    return problems


SAMPLES = samples(README.read_text(encoding="utf-8"))


def test_the_readme_has_samples():
    assert len(SAMPLES) >= 5


@pytest.mark.parametrize("command, text", SAMPLES, ids=[c for c, _ in SAMPLES])
def test_sample_is_current(command, text, monkeypatch, request):
    monkeypatch.chdir(ROOT)
    result = run(*shlex.split(command))
    assert result.code in (0, 1)  # check's sample is over budget on purpose
    if request.config.getoption("--update-golden"):
        before = f"<!-- sample: costcalc {command} -->\n```text\n{text}\n```"
        after = f"<!-- sample: costcalc {command} -->\n```text\n{result.out.rstrip(chr(10))}\n```"
        README.write_text(README.read_text(encoding="utf-8").replace(before, after), encoding="utf-8")
    else:
        assert result.out.rstrip("\n") == text


def test_every_sample_says_its_command():
    assert sample_problems(README.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_every_code_block_is_closed_before_the_next(path):
    assert blocks_and_problems(path.read_text(encoding="utf-8"))[1] == []


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_every_link_reaches_its_file_and_anchor(path):
    assert link_problems(path, path.read_text(encoding="utf-8")) == []


BROKEN = """\
| `costcalc check SPEC...` | budgets ([Budgets in CI](#budgets-in-ci)) |

## Design spaces

<!-- sample: costcalc sweep specs/zoo/mobilenet_v2_keras.yaml --vary alpha=0.35,0.5 -->
```text
specs/zoo/mobilenet_v2_keras.yaml: 2 variants
```text
specs/bottleneck_5x5.yaml: budget check
all 4 budgets hold
```
"""
"""The README's "Budgets in CI" as issue 23 found it: heading, intro and command gone, its sample glued into
the sweep sample's block."""


def test_the_checks_find_what_broke_budgets_in_ci():
    assert sample_problems(BROKEN) == [
        "line 8: the code block opened at line 6 swallows the block that opens here (```text); close it with ``` first"]
    assert link_problems(README, BROKEN) == ["line 1: #budgets-in-ci: no heading makes the anchor #budgets-in-ci"]
    mended = BROKEN.replace("2 variants\n", "2 variants\n```\n\n## Budgets in CI\n\n")
    assert sample_problems(mended) == [
        "line 12: a sample without its command: put <!-- sample: costcalc ... --> on the line above it "
        "(or start it with $ costcalc ...)"]
    assert link_problems(README, mended) == []
    assert samples(mended) == [("sweep specs/zoo/mobilenet_v2_keras.yaml --vary alpha=0.35,0.5",
                                "specs/zoo/mobilenet_v2_keras.yaml: 2 variants")]
    orphan = "<!-- sample: costcalc check specs/bottleneck_5x5.yaml -->\n\n```text\nall 4 budgets hold\n```\n"
    assert sample_problems(orphan) == [
        "line 3: a sample without its command: put <!-- sample: costcalc ... --> on the line above it "
        "(or start it with $ costcalc ...)",
        "line 1: <!-- sample: costcalc check specs/bottleneck_5x5.yaml --> is not followed by a ```text block"]


def test_a_sample_says_what_its_command_prints_today():
    """The restored Budgets-in-CI sample: the whole check, over budget on purpose (exit 1)."""
    (text,) = [text for command, text in SAMPLES if command == "check specs/bottleneck_5x5.yaml"]
    assert text.endswith("\n2 of 6 budgets exceeded")
    assert run("check", "specs/bottleneck_5x5.yaml").code == 1


def test_ci_runs_the_readme_test_command_and_with_it_the_slow_tests(request):
    """`.ci/run` ends with the README's test command, which deselects nothing: the tests marked slow run in CI."""
    commands = [b.body for b in blocks_and_problems(README.read_text(encoding="utf-8"))[0] if b.info == "sh"]
    (test_command,) = [command for command in commands if "pytest" in command]
    assert (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()[-1] == test_command
    assert test_command.endswith("-m pytest") and "-m" not in request.config.getini("addopts")  # no -m "not slow"
    assert "slow" in [m.split(":")[0] for m in request.config.getini("markers")]


def zoo_table() -> str:
    from costcalc import analyze, load

    rows = ["| spec | input | MACs | params | trainable | non-trainable |", "| --- | --- | ---: | ---: | ---: | ---: |"]
    for path in sorted((ROOT / "specs" / "zoo").glob("*.yaml")):
        designs = analyze(load(path)).designs
        for design in designs:
            t = design.total
            label = path.name if len(designs) == 1 else f"{path.name} ({design.name})"
            shape = "×".join(map(str, design.input))
            rows.append(f"| `{label}` | {shape} | {t.macs:,} | {t.params:,} | {t.trainable_params:,} | "
                        f"{t.non_trainable_params:,} |")
    return "\n".join(rows)


def test_zoo_table_is_current():
    readme = README.read_text(encoding="utf-8")
    table = re.search(r"<!-- zoo table: .*? -->\n(.*?)\n<!-- end zoo table -->", readme, re.S).group(1)
    assert table == zoo_table()
