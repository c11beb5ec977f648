"""The fuzz harness's reach into growth gates: `check --against` a baseline spec, a json report or
`git:REV` in a temporary git repository, and the GitHub Action's steps (action.yml) over a pull
request's files.

The baselines are hostile: forged json reports (figures huge, negative, fractional, strings,
booleans; designs missing, renamed or without totals; another convention or element size),
baseline specs broken as tests/fuzzing.py breaks specs, and revisions that look like options or
reach past the history. The contract, checked by `gate_problems` against an oracle that counts
the specs with the library and reads the baseline on its own:

- no traceback, no hang, an exit code of 0, 1 or 2, and no file written in the working tree;
- exit 2: one clean line on stderr (at most 400 characters, no control character), or with
  --format github, one `::error` annotation;
- exit 0 never passes a growth limit (`macs=0`, `params=0`: no design may grow over a baseline
  figure it has) nor, with --require-baseline, a design that has no baseline.

The Action's cases (`action_cases`) run its steps as a runner would (tests/test_action.py) in a
pull request that leaves one spec over its budget and adds files named like options, workflow
commands or shell code; whatever the inputs, the Action must not succeed.

Used by tests/test_fuzz_baselines.py (a bounded run) and tools/fuzz.py --surface gate|action.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from fuzzing import CONTROL, SECONDS, Case, Outcome, mutated, run_case
from hypothesis import strategies as st
from test_properties import as_yaml, specs

from costcalc.count.engine import analyze
from costcalc.errors import CostcalcError
from costcalc.spec.reader import loads

REVISIONS = ("HEAD", "HEAD", "main", "@", "HEAD@{0}", ":/base", "HEAD^{tree}", "HEAD~1", "HEAD~99", "nope", "",
             "--output=out", "-p", "--end-of-options", "-", "--", "HEAD:./spec", "HEAD -- x", "$(touch pwned)",
             "`touch pwned`", "HEAD\nx", "a..b", "HEAD..", "\x1b[2J", "main;touch pwned", "x" * 300, "refs/heads/main")
"""What follows `git:` in --against: revisions of the base commit, revisions that are not, and option lookalikes."""
FORGED = (0, -1, -(10**18), 10**18, 10**30, 10**300, 2.5, 1e308, float("nan"), float("inf"), "12", "1M", None, True,
          False, [], {}, "\x1b[2J")
"""What a forged json report puts in place of a design's figure."""
GROWTH = (("--max-growth", "macs=0"), ("--max-growth", "macs=0", "--max-growth", "params=0"),
          ("--max-growth", "macs=0", "--require-baseline"), ("--max-growth", "macs=0", "--max-growth", "latency=5%",
                                                             "--device", "t4"))
FORMATS = ("text", "json", "markdown", "github", "junit", "junit-lines")
LIMITS = ("macs", "params")


@dataclass
class GateCase:
    """A spec (`spec.yaml`), its baseline (a spec text, a json report's text, or a spec committed at the
    base revision for `git`), and the arguments after `check spec.yaml`."""

    text: str
    kind: str  # "spec", "json" or "git"
    baseline: str
    args: list[str]


@st.composite
def forged(draw, text: str) -> str:
    """A json report of the spec `text` as costcalc writes it, then forged: a figure, a name, a design's
    totals, the convention or element size changed; or left honest."""
    try:
        spec = loads(text, "base.yaml")
        analysis = analyze(spec)
    except CostcalcError:
        return draw(st.sampled_from(["", "[]", "{}", '{"designs": 1}', "{" * 5000, '{"designs": [{}]}']))
    from costcalc.show.render import report_json

    data = json.loads(report_json(analysis))
    designs = data["designs"]
    for _ in range(draw(st.sampled_from([0, 1, 1, 2, 3]))):
        design = designs[draw(st.integers(0, len(designs) - 1))] if designs else None
        design = design if isinstance(design.get("totals") if design else None, dict) else None  # forged already
        action = draw(st.sampled_from(["figure", "figure", "figure", "rename", "drop", "totals", "convention",
                                       "bytes", "duplicate", "format"]))
        if action == "figure" and design:
            design["totals"][draw(st.sampled_from(["macs", "params", "flops", "activation_bytes"]))] = \
                draw(st.sampled_from(FORGED))
        elif action == "rename" and design:
            design["name"] = draw(st.sampled_from(["renamed", "", "\x1b[2J", 7, None]))
        elif action == "drop" and design:
            designs.remove(design)
        elif action == "totals" and design:
            design["totals"] = draw(st.sampled_from([None, [], {}, "totals"]))
        elif action == "convention":
            data["convention"] = draw(st.sampled_from(["fvcore", None, 1]))
        elif action == "bytes":
            data["bytes_per_element"] = draw(st.sampled_from([2, "4", None]))
        elif action == "duplicate" and design:
            designs.append(copy.deepcopy(design) | {"totals": {**design["totals"], "macs": 0}})
        elif action == "format":
            data["format"] = draw(st.sampled_from([2, None, "1"]))
    return json.dumps(data, allow_nan=True)


def _smaller(spec: dict) -> dict:
    """`spec` with its designs renamed or one removed: designs without a baseline."""
    spec = copy.deepcopy(spec)
    if "designs" in spec and len(spec["designs"]) > 1:
        spec["designs"].pop(next(iter(spec["designs"])))
    elif "designs" in spec:
        spec["designs"] = {f"{name}_renamed": body for name, body in spec["designs"].items()}
    return spec


@st.composite
def gate_cases(draw) -> GateCase:
    base = draw(specs())
    base_text = as_yaml(draw(st.sampled_from([base, _smaller(base)])))
    if draw(st.booleans()):
        base_text = as_yaml(draw(mutated(base)))
    new = draw(specs()) if draw(st.booleans()) else copy.deepcopy(base)
    text = as_yaml(draw(mutated(new))) if draw(st.integers(0, 3)) == 0 else as_yaml(new)
    kind = draw(st.sampled_from(["spec", "json", "git"]))
    baseline = draw(forged(base_text)) if kind == "json" else base_text
    against = {"spec": "base.yaml", "json": "base.json", "git": "git:" + draw(st.sampled_from(REVISIONS))}[kind]
    args = ["--against", against, *draw(st.sampled_from(GROWTH)), "--format", draw(st.sampled_from(FORMATS))]
    return GateCase(text, kind, baseline, args)


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=fuzz", "-c", "user.email=fuzz@fuzz", "-c", "commit.gpgsign=false", *args],
                   cwd=folder, check=True, capture_output=True)


def run_gate_case(case: GateCase, folder: Path, seconds: float = SECONDS) -> Outcome:
    """Run `check spec.yaml ARGS` in `folder` (a new git repository whose base commit holds the baseline,
    for `git`) with fuzzing.run_case's guards; its problems are the contract's and gate_problems'."""
    folder = Path(tempfile.mkdtemp(dir=folder))  # a fresh repository each case, removed after
    try:
        return _run_gate_case(case, folder, seconds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run_gate_case(case: GateCase, folder: Path, seconds: float) -> Outcome:
    if case.kind == "git":
        (folder / "spec.yaml").write_text(case.baseline, encoding="utf-8", errors="surrogateescape")
        git(folder, "init", "-q", "-b", "main")
        git(folder, "add", "spec.yaml")
        git(folder, "commit", "-qm", "base")
    else:
        (folder / f"base.{case.kind if case.kind == 'json' else 'yaml'}").write_text(
            case.baseline, encoding="utf-8", errors="surrogateescape")
    args = ["check", "spec.yaml", *(str(folder / a) if a in ("base.yaml", "base.json") else a for a in case.args)]
    before = _tree(folder)
    outcome = run_case(Case(case.text, "", args), folder, seconds)
    if outcome.error is None:  # run_case's positioned-error check knows spec files only: the gate's own instead
        outcome.problems = [p for p in outcome.problems if not p.startswith("error not positioned")]
        outcome.problems += gate_problems(case, outcome, folder)
    written = _tree(folder) - before - {"spec.yaml", "other.yaml", "devices.json", "timings.json"}  # run_case's own
    outcome.problems += [f"wrote {name!r}" for name in sorted(written)]
    return outcome


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if ".git" not in p.parts}


def gate_problems(case: GateCase, outcome: Outcome, folder: Path) -> list[str]:
    """A verdict the baseline does not support, or an error that is not one clean line."""
    if outcome.code == 2:  # --format github says it in an annotation instead (stderr is a workflow log too)
        github = "github" in case.args and not outcome.err
        lines = [line for line in (outcome.out if github else outcome.err).splitlines() if line.strip()]
        lines = [line for line in lines if line.startswith("::error ")] if github else lines
        if len(lines) != 1 or len(lines[0]) > 400 or CONTROL.search(lines[0]):
            return [f"exit 2 without one clean line: {outcome.err[:200]!r}"]
        return []
    if outcome.code != 0:
        return []
    new = _counted(case.text)
    if new is None:
        return ["pass on a spec the library refuses"]
    base = _baseline_figures(case)
    if base is None:
        return ["pass on a baseline that is not one"]
    limited = [m for m in LIMITS if f"{m}=0" in case.args]
    found = [f"pass over budget: {design} {metric} {figures[metric]} over its baseline {base[design][metric]!r}"
             for design, figures in new.items() if design in base for metric in limited
             if not (type(base[design][metric]) is int and figures[metric] <= base[design][metric])]
    if "--require-baseline" in case.args:
        found += [f"pass without a baseline: {design}" for design in new if design not in base]
    return found[:1]


def _counted(text: str) -> dict[str, dict[str, int]] | None:
    """design → macs and params of the spec `text`, counted by the library; None if it is refused."""
    try:
        analysis = analyze(loads(text, "spec.yaml"))
    except CostcalcError:
        return None
    return {d.name: {"macs": d.total.macs, "params": d.total.params} for d in analysis.designs}


def _baseline_figures(case: GateCase) -> dict[str, dict] | None:
    """design → the baseline's figures as the baseline itself has them (a json report's as written,
    whatever their type); None where the baseline is no baseline at all."""
    if case.kind != "json":
        return _counted(case.baseline)
    try:
        data = json.loads(case.baseline)
        return {d["name"]: {m: d["totals"][m] for m in LIMITS} for d in data["designs"]}
    except (ValueError, TypeError, KeyError, RecursionError):
        return None


# ---- the Action's steps ---------------------------------------------------------------------------------

NAMES = ("--design=tiny.yaml", "-q.yaml", "--quiet.yaml", "--format=json.yaml", "--against=x.yaml",
         "--max-growth=macs=1000000%.yaml", "--help.yaml", "-.yaml", "::stop-commands::x.yaml", "$(touch pwned).yaml",
         "`touch pwned`.yaml", "a b.yaml", "*.yaml", "%0A::error::x.yaml", "--version.yaml", "--devices=x.yaml")
"""Files a pull request adds beside the specs, named to be read as options, workflow commands or shell."""
TINY = "input: [8, 8, 3]\nlayers:\n  - relu: {}\nbudget: {macs: 1}\n"
INPUTS = {
    "specs": ("models/*.yaml", "models/net.yaml models/*.yaml", "models/*", "models/net.yaml"),
    "baseline-ref": ("", "main", "HEAD", "--output=out", "-p", "nope", "main -- x"),
    "max-growth": ("", "macs=0", "macs=1000000%", "--quiet", "macs=0 --require-baseline"),
    "args": ("", "--design bottleneck", "--quiet"),
}


@dataclass
class ActionCase:
    """Files the pull request adds to models/ (name → text) and the Action's inputs."""

    files: dict[str, str]
    inputs: dict[str, str]

    @property
    def args(self) -> list[str]:
        """The inputs as a command line, for a campaign's tally and report."""
        return ["action", *(f"{key}={value}" for key, value in self.inputs.items())]

    @property
    def text(self) -> str:
        return "".join(f"# models/{name}\n{text}\n" for name, text in self.files.items())


@st.composite
def action_cases(draw) -> ActionCase:
    names = draw(st.lists(st.sampled_from(NAMES), max_size=3, unique=True))
    texts = ("", TINY, "x: [", "designs: {}\n")
    files = {name: draw(st.sampled_from(texts)) for name in names}
    return ActionCase(files, {key: draw(st.sampled_from(values)) for key, values in INPUTS.items()})


def run_action_case(case: ActionCase, folder: Path, run_action, original: str) -> Outcome:
    """Run the Action's steps (`run_action`, tests/test_action.py's) in a new repository at `folder` whose
    base commit holds models/net.yaml (`original`); the pull request puts every design of it over its budget
    and adds `case.files`. The Action must fail, and write nothing but its summary and output."""
    (folder / "models").mkdir(parents=True)
    (folder / "models" / "net.yaml").write_text(original, encoding="utf-8")
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", ".")
    git(folder, "commit", "-qm", "base")
    over = original.replace("filters: 16", "filters: 64").replace("budget: {macs: 20M, params: 50K}",
                                                                  "budget: {macs: 1M}")
    (folder / "models" / "net.yaml").write_text(over, encoding="utf-8")  # every design over its budget
    for name, text in case.files.items():
        (folder / "models" / name).write_text(text, encoding="utf-8")
    before, started = _tree(folder), time.monotonic()
    code, printed, summary = run_action(folder, case.inputs)
    found = [] if code in (1, 2) else [f"the Action ended {code} with a spec over its budget"]
    found += [f"wrote {name!r}" for name in sorted(_tree(folder) - before - {"summary.md", "output.txt"})]
    found += [f"control character in the summary: {m.group()!r}" for m in CONTROL.finditer(summary)][:1]
    return Outcome(code, printed, summary, time.monotonic() - started, problems=found)

