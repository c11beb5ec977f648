"""Where a growth gate's baseline comes from: another spec, a saved json report, or a git revision.

`check SPEC --against BASELINE` reads BASELINE here. A spec (a path, or `git:REV` for SPEC's own
file at that revision) comes back as a `Spec` for the engine to count; a json report written by
`report --format json` comes back as its totals, design → metric → figure.
"""

from __future__ import annotations

import json

from ..errors import SpecError
from ..files import read_file
from ..model.tree import METRICS, Spec
from ..safe import brief
from ..units import parse_figure
from .git import revision_text
from .reader import STDIN, load, loads

GIT = "git:"


def read_baseline(against: str, spec_path: str, settings=(), convention: str = "costcalc"
                  ) -> Spec | dict[str, dict[str, int]] | None:
    """The baseline named by `against` for the spec at `spec_path`, its parameters set by `settings` as the
    spec's are; None when `git:REV` has no such file (the spec is new). SpecError if it cannot be read, or
    if it was not counted as the spec is (`settings` on a json report, another convention or element size)."""
    if against.startswith(GIT):
        revision = against[len(GIT):]
        if spec_path == STDIN:
            raise SpecError(f"--against {against}: standard input has no copy at a revision; give the spec's file")
        text = revision_text(revision, spec_path, f"--against {against}")
        return None if text is None else loads(text, f"{spec_path}@{revision}", settings)
    if against.endswith(".json"):
        if settings:
            raise SpecError(f"--against {against}: a json report does not say which --set its figures were "
                            "counted with",
                            hint="give the baseline as a spec or git:REV, which --set applies to as well")
        return report_totals(against, convention)
    return load(against, settings)


def report_totals(path: str, convention: str = "costcalc") -> dict[str, dict[str, int]]:
    """design → metric → figure from a json report counted under `convention` at 4 bytes an element, as
    check counts; SpecError naming what is missing or counted otherwise."""
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
        if design["name"] in totals:  # which of the two would the check be against?
            raise SpecError(f"{path}: the report lists design {brief(design['name'])} twice",
                            hint="write the report with costcalc report SPEC --format json")
        totals[design["name"]] = {metric: figures[metric] for metric in METRICS}
    counted = {"convention": data.get("convention"), "bytes_per_element": data.get("bytes_per_element")}
    wanted = {"convention": convention, "bytes_per_element": 4}
    if (key := next((k for k in wanted if counted[k] != wanted[k]), None)) is not None:
        raise SpecError(f"--against {path}: the report was counted with {key} {brief(counted[key])}, the spec "
                        f"with {wanted[key]}", hint="write the report with the same --convention and --dtype")
    return totals


def load_revision(argument: str, settings=()) -> Spec:
    """The spec `git:REV:PATH` names (`diff git:main:specs/model.yaml …`): the file at PATH as it was at REV."""
    revision, colon, path = argument[len(GIT):].partition(":")
    if not colon or not path:
        raise SpecError(f"{brief(argument)}: write git:REV:PATH, such as git:main:specs/model.yaml")
    text = revision_text(revision, path, brief(argument))
    if text is None:
        raise SpecError(f"{brief(argument)}: {path} is not in {brief(revision)}",
                        hint="a spec added since then has no older version")
    return loads(text, f"{revision}:{path}", settings)
