"""Where a growth gate's baseline comes from: another spec, a saved json report, or a git revision.

`check SPEC --against BASELINE` reads BASELINE here. A spec (a path, or `git:REV` for SPEC's own
file at that revision) comes back as a `Spec` for the engine to count; a json report written by
`report --format json` comes back as its totals, design → metric → figure.
"""

from __future__ import annotations

import json
import os
import subprocess

from ..errors import SpecError
from ..files import read_file, too_large
from ..limits import MAX_FILE_BYTES
from ..model.tree import METRICS, Spec
from ..safe import brief
from ..units import parse_figure
from .reader import load, loads

GIT = "git:"


def read_baseline(against: str, spec_path: str) -> Spec | dict[str, dict[str, int]]:
    """The baseline named by `against` for the spec at `spec_path`; SpecError if it cannot be read."""
    if against.startswith(GIT):
        return loads(git_show(against[len(GIT):], spec_path), f"{spec_path}@{against[len(GIT):]}")
    if against.endswith(".json"):
        return report_totals(against)
    return load(against)


def git_show(revision: str, spec_path: str) -> str:
    """The text of `spec_path` at `revision`, read with `git show` from the spec's own directory."""
    if not revision:
        raise SpecError("--against git: needs a revision, such as git:origin/main or git:HEAD~1")
    folder, name = os.path.split(os.path.abspath(spec_path))
    try:
        shown = subprocess.run(["git", "-C", folder, "show", f"{revision}:./{name}"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SpecError(f"--against {GIT}{revision}: cannot run git: {exc}") from None
    if shown.returncode:
        said = shown.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = said[0].removeprefix("fatal: ") if said else f"git exited with {shown.returncode}"
        if "not a git repository" in reason:
            reason = f"{spec_path} is not in a git repository"
        raise SpecError(f"--against {GIT}{revision}: {reason}")
    if len(shown.stdout) > MAX_FILE_BYTES:
        raise too_large(f"{spec_path}@{revision}")
    try:
        return shown.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError(f"--against {GIT}{revision}: {spec_path} at {revision} is not UTF-8 text") from None


def report_totals(path: str) -> dict[str, dict[str, int]]:
    """design → metric → figure from a json report; SpecError naming what is missing."""
    try:
        data = json.loads(read_file(path))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise SpecError(f"{path}: not json ({exc})") from None
    designs = data.get("designs") if isinstance(data, dict) else None
    if not isinstance(designs, list):
        raise SpecError(f"{path}: not a costcalc json report", hint="write one with costcalc report SPEC --format json")
    totals = {}
    for design in designs:
        figures = design.get("totals") if isinstance(design, dict) else None
        if not isinstance(figures, dict) or not isinstance(design.get("name"), str):
            raise SpecError(f"{path}: a design of the report has no name or totals",
                            hint="write the report with costcalc report SPEC --format json")
        if not all(type(figures.get(metric)) is int for metric in METRICS):
            missing = next(m for m in METRICS if type(figures.get(m)) is not int)
            raise SpecError(f"{path}: design {brief(design['name'])} has no whole-number {missing} in its totals")
        for metric in METRICS:  # bounded as a budget's figures are
            try:
                parse_figure(figures[metric])
            except ValueError as exc:
                raise SpecError(f"{path}: design {brief(design['name'])}: {metric}: {exc}") from None
        totals[design["name"]] = {metric: figures[metric] for metric in METRICS}
    return totals
