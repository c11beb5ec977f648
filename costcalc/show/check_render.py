"""Budget checks in every output format: table views, json, GitHub workflow commands, JUnit XML."""

from __future__ import annotations

from .. import __version__
from ..analyses.checks import CannotCheck, FileCheck, Verdict
from ..model.tree import UNITS
from ..record import replace
from ..safe import github_data, github_plain, github_property, github_text, one_line, visible
from ..units import quantity
from .jsontext import json_text
from .render import markdown, markdown_error
from .views import View, device_notes, share

HINTS = {  # what a check lacks (CannotCheck.wants), and how to give it on the command line
    "budget": "add `budget: {macs: 600M, params: 5M}` to the spec, or give a limit such as --max-macs 600M",
    "baseline": "give one with --against SPEC, --against REPORT.json or --against git:REV",
    "device baseline": "growth of a device figure needs a baseline spec: --against SPEC or git:REV",
}


def in_command_words(check: FileCheck) -> FileCheck:
    """`check`, its error saying how to give what the check lacks in the command line's words."""
    error = check.error
    if not isinstance(error, CannotCheck):
        return check
    return replace(check, error=CannotCheck(error.message, error.wants, HINTS[error.wants]))


def flag_name(metric: str) -> str:
    """The flag that limits a metric: `--max-activation-bytes`."""
    return "--max-" + metric.replace("_", "-")


def source(verdict: Verdict) -> str:
    """Where a limit comes from: `FILE:LINE:COL` in the spec, or the flag."""
    if verdict.where:
        return str(verdict.where)
    if verdict.growth:
        return f"--max-growth {verdict.metric}={verdict.allowed[1:].replace(' ', '')}"
    return flag_name(verdict.metric)

JSON_FORMAT = 1


def growth_text(verdict: Verdict) -> str:
    """The change from the baseline as a signed percentage: `+50.0%`, `-3.1%`, `+0.0%`."""
    if not verdict.baseline:
        return "new" if verdict.value else "+0.0%"
    return f"{100 * (verdict.value - verdict.baseline) / verdict.baseline:+.1f}%"


def used_text(verdict: Verdict) -> str:
    """The share of the limit used, or for a growth limit the growth itself."""
    return growth_text(verdict) if verdict.growth else share(verdict.value, verdict.limit)


def metric_name(verdict: Verdict) -> str:
    return f"{verdict.metric} growth" if verdict.growth else verdict.metric


def amounts(verdict: Verdict) -> tuple[str, str, str | None]:
    """The value, the limit and the baseline in the metric's unit (`9.04 ms`, `1.1 MiB`; counts exact), with
    as many digits as tell the value from the limit; the limit of a latency names its device."""
    unit = UNITS.get(verdict.metric, "")
    for precision in range(13):  # 12 more digits tell any two whole nanoseconds, or bytes, apart
        value, limit = (quantity(n, unit, precision) for n in (verdict.value, verdict.limit))
        if value != limit or verdict.value == verdict.limit:
            break
    baseline = None if verdict.baseline is None else quantity(verdict.baseline, unit, precision)
    return value, limit + (f" on {verdict.device}" if verdict.device else ""), baseline


def message(verdict: Verdict) -> str:
    """`standard: macs 120,422,400 is over its limit of 20,000,000 (602.1%)`, or for a growth limit
    `bottleneck: macs grew 50.0% from 12,443,648 to 18,665,472, over its limit of +10% (13,688,012)`;
    latency and bytes in their units: `standard: latency 9.04 ms is over its limit of 5 ms on jetson-nano (180.8%)`."""
    state = "over" if verdict.over else "within"
    value, limit, baseline = amounts(verdict)
    if verdict.growth:
        change = growth_text(verdict)
        moved = f"changed {change}" if change.startswith(("-", "+0.0")) else f"grew {change[1:]}"
        return (f"{verdict.design}: {verdict.metric} {moved} from {baseline} to {value},"
                f" {state} its limit of {verdict.allowed} ({limit})")
    return f"{verdict.design}: {verdict.metric} {value} is {state} its limit of {limit} ({used_text(verdict)})"


def summary(check: FileCheck) -> str:
    count = len(check.verdicts)
    if check.over:
        return f"{len(check.over)} of {count} budgets exceeded"
    if not count:
        return "nothing checked"
    return f"all {count} budgets hold" if count > 1 else "the budget holds"


def baseline_note(check: FileCheck) -> str | None:
    """What growth went unchecked for want of a baseline: the whole spec, or some designs."""
    fails = "; --require-baseline fails the check" if check.baseline_required else ""
    if check.new_since is not None:
        return f"new since {check.new_since}, growth not checked{fails}"
    if check.no_baseline:
        return f"growth not checked (not in the baseline): {', '.join(check.no_baseline)}{fails}"
    return None


def notes(check: FileCheck) -> list[str]:
    """The lines under a check's table, said in every format: what was not checked, where devices came from."""
    lines = [f"not checked (no budget): {', '.join(check.unchecked)}"] if check.unchecked else []
    lines += [note] if (note := baseline_note(check)) else []
    return [*lines, *device_notes(dict(check.devices))]


def check_views(checks: list[FileCheck]) -> list[View]:
    """A table per checked file: value, limit, share used, pass or over; over rows emphasised."""
    views = []
    for check in checks:
        if check.error:
            continue
        columns = ("design", "metric", "value", "limit", "used", "result", "limit from") if check.verdicts else ()
        view = View(f"{check.file}: budget check", columns,
                    notes=(summary(check), *notes(check)), right=(2, 3, 4), keys=2)
        for v in check.verdicts:
            cells = (v.design, metric_name(v), *amounts(v)[:2], used_text(v), "over" if v.over else "pass", source(v))
            view.rows.append((cells, v.over))
        views.append(view)
    return views


def check_markdown(checks: list[FileCheck]) -> str:
    """The tables in Markdown, then each spec that could not be checked, said in Markdown too."""
    views = check_views(checks)
    return "\n".join([*([markdown(views)] if views else []), *(markdown_error(c.error) for c in checks if c.error)])


JSON_UNITS = {"ns": "seconds", "B": "bytes", "": "count"}
"""Each unit of costcalc.model.tree.UNITS as json gives it: every time in seconds, as the other outputs' `latency_s`."""


def json_figure(metric: str, figure: int) -> int | float:
    """A budget figure for json: seconds for latency (its whole nanoseconds / 1e9), the exact integer otherwise."""
    return figure / 1e9 if UNITS.get(metric) == "ns" else figure


def verdict_dict(verdict: Verdict) -> dict:
    metric = verdict.metric
    return {
        "design": verdict.design, "metric": metric, "unit": JSON_UNITS[UNITS.get(metric, "")],
        "value": json_figure(metric, verdict.value), "limit": json_figure(metric, verdict.limit),
        "used": verdict.used, "over": verdict.over,
        "line": verdict.where.line if verdict.where else None, "col": verdict.where.col if verdict.where else None,
        "source": source(verdict), "device": verdict.device,
        "growth": {"baseline": json_figure(metric, verdict.baseline), "allowed": verdict.allowed}
        if verdict.growth and verdict.baseline is not None else None,
    }


def check_json(checks: list[FileCheck]) -> str:
    specs = [
        {"spec": c.file, "passed": not c.failed and not c.error, "checks": [verdict_dict(v) for v in c.verdicts],
         "unchecked": list(c.unchecked), "no_baseline": list(c.no_baseline), "new_since": c.new_since,
         "devices": dict(c.devices), "error": str(c.error) if c.error else None}
        for c in checks
    ]
    data = {"costcalc": __version__, "format": JSON_FORMAT,
            "passed": all(s["passed"] for s in specs), "specs": specs}
    return json_text(data)


def workflow_error(file: str, where, title: str, text: str, command: str = "error") -> str:
    """`::error file=F,line=L,col=C,title=T::message` (or ::warning), escaped as GitHub Actions requires."""
    props = {"file": file}
    if where:
        props.update(line=str(where.line), col=str(where.col))
    props["title"] = title
    fields = ",".join(f"{key}={github_property(value)}" for key, value in props.items())
    return f"::{command} {fields}::{github_data(text)}"


def check_github(checks: list[FileCheck]) -> str:
    """An error annotation on the budget line of each exceeded limit (the file, for a flag's limit), then a line
    per file whose name is escaped: no line but costcalc's own annotations is a workflow command."""
    lines = []
    for check in checks:
        if check.error:
            error = check.error
            text = one_line(error.message if not error.hint else f"{error.message}; {error.hint}")
            lines.append(workflow_error(error.where.file if error.where else check.file, error.where,
                                        "costcalc bad spec", text))
            continue
        for v in check.over:
            text = message(v) + ("" if v.where else f", given by {source(v)}")
            lines.append(workflow_error(check.file, v.where, "costcalc over budget", text))
        if note := baseline_note(check):
            command = "error" if check.baseline_required else "warning"
            lines.append(workflow_error(check.file, None, "costcalc no baseline", note, command))
        lines += [f"{github_text(check.file)}: {github_plain(line)}" for line in (summary(check), *notes(check))
                  if line != note]
    return "\n".join(lines) + "\n"


def check_junit(checks: list[FileCheck], lines: bool = False) -> str:
    """JUnit XML: a test suite per spec file, a test case per design and metric.

    Valid against the strict JUnit schema (Jenkins'), where only a suite has a `file`; with `lines`,
    each test case has the `file` and `line` of its limit too, for the reporters that read them."""
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="costcalc check")
    for check in checks:
        suite = ET.SubElement(root, "testsuite", name=check.file, file=check.file)
        if check.error:
            case = ET.SubElement(suite, "testcase", classname=check.file, name="spec")
            ET.SubElement(case, "error", message=str(check.error), type="bad spec")
        for v in check.verdicts:
            case = ET.SubElement(suite, "testcase", classname=v.design, name=metric_name(v))
            if lines:
                case.set("file", check.file)
            if lines and v.where:
                case.set("line", str(v.where.line))
            if v.over:
                ET.SubElement(case, "failure", message=message(v), type="over budget").text = f"limit from {source(v)}"
        required = check.baseline_required and check.missing_baseline
        if required:  # a failing case of its own, so that reporters count it
            _baseline_case(ET.SubElement(suite, "testcase", classname=check.file, name="baseline"), check, lines)
        if not check.error and (said := notes(check)):
            ET.SubElement(suite, "system-out").text = "; ".join((summary(check), *said))
        _count(suite, len(check.verdicts) + bool(check.error) + required, len(check.over) + required,
               int(bool(check.error)))
    suites = root.findall("testsuite")
    tests, failures, errors = (sum(int(s.get(key, "0")) for s in suites) for key in ("tests", "failures", "errors"))
    _count(root, tests, failures, errors)
    for element in root.iter():  # XML 1.0 cannot hold most control characters, even escaped
        element.attrib.update((key, visible(value)) for key, value in element.attrib.items())
        element.text = element.text and visible(element.text)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _baseline_case(case, check: FileCheck, lines: bool) -> None:
    import xml.etree.ElementTree as ET

    if lines:
        case.set("file", check.file)
    ET.SubElement(case, "failure", message=baseline_note(check) or "", type="no baseline")


def _count(element, tests: int, failures: int, errors: int) -> None:
    element.set("tests", str(tests))
    element.set("failures", str(failures))
    element.set("errors", str(errors))
