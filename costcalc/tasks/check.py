"""`costcalc check` as a call: one spec's budgets checked, against a baseline if given."""

from __future__ import annotations

from collections.abc import Mapping

from ..analyses.checks import FileCheck, device_metrics, evaluate, totals
from ..device.settings import DeviceSettings
from ..errors import CostcalcError, SpecError
from ..model.tree import Growth, Limit
from ..record import replace
from ..safe import brief


def check_file(path: str, flags: dict | None = None, designs=(), convention: str = "costcalc",
               against: str | None = None, growth: dict | None = None, on_device: DeviceSettings = DeviceSettings(),
               settings=(), require_baseline: bool = False, device_name: str | None = None,
               devices_files: tuple[str, ...] = ()) -> FileCheck:
    """One spec's checks (`flags`: metric → limit, winning over the spec's budget), against a baseline if
    given; a bad spec or a missing budget is kept as the result's `error`.

    `on_device` holds how the device metrics (latency, peak_memory, ...) are figured, on `device_name`."""
    from ..count.engine import analyze
    from ..spec.baseline import GIT, read_baseline
    from ..spec.git import inside_tree
    from ..spec.reader import load

    flags = flags or {}
    try:
        inside_tree(path)
        spec = load(path, settings)
        analysis = analyze(spec, None, designs or None, convention=convention)
        baseline: dict[str, dict[str, int]] | None = None
        old = new_since = None
        if against is not None:
            found = read_baseline(against, path, settings, convention)
            if found is None:  # the file is not in that revision: new, so every budget but growth
                baseline, new_since = {}, against[len(GIT):]
            elif isinstance(found, dict):
                baseline = found
            else:
                old = analyze(found, None, None, convention=convention)
                baseline = totals(old)
        figures, device = None, None
        devices: tuple[tuple[str, str], ...] = ()
        if needed := device_metrics(spec, flags, growth if against is not None else None):
            from ..device.budget import budget_figures
            from ..device.profiles import origins

            name = device_name
            device = named_device(name, devices_files, spec) if name else None
            devices = tuple(origins([device]).items()) if name else ()
            every: list[Mapping[str, Limit | Growth]] = [*spec.budgets.values(), *spec.growth.values()]
            where = next((limits["latency"].where for limits in every if "latency" in limits), None)
            flag = "--max-latency" if "latency" in flags else "--max-growth latency"
            figures = {d.name: budget_figures(d, needed, on_device, device, where, flag) for d in analysis.designs}
            if old is not None:  # the baseline's device figures, on the same device, batch and dtype
                baseline = totals(old, {d.name: budget_figures(d, needed, on_device, device) for d in old.designs})
        checked = evaluate(spec, analysis, flags, baseline, growth, figures, device and device.name)
        return replace(checked, new_since=new_since, baseline_required=require_baseline, devices=devices)
    except CostcalcError as error:
        return FileCheck(path, error=error)


def named_device(name: str, files: tuple[str, ...], spec):
    """The device --device names, built-in or from a --devices file: a spec that defines one of that name
    is refused, since a pull request could otherwise give the gate's device any figures."""
    from ..device.profiles import pick

    if name in spec.devices:
        raise SpecError(f"device {brief(name)} is named by --device, so the spec may not define it",
                        spec.devices.key_where.get(name, spec.devices.where),
                        hint="check --device takes a built-in device or one from --devices FILE; "
                             "rename the spec's device, or remove it")
    return pick((name,), files)[0]
