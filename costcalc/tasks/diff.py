"""`costcalc diff` as a call: what changed from one spec, or one design, to another."""

from __future__ import annotations

from ..analyses.diff import Diff
from ..device.settings import DeviceSettings


def diff_files(old: str, new: str | None = None, designs=(), top: int = 10, convention: str = "costcalc", settings=(),
               on_device: DeviceSettings = DeviceSettings(), memory: bool = False, device_names: tuple[str, ...] = (),
               devices_files: tuple[str, ...] = ()) -> Diff:
    """What changed from the spec at `old` to the one at `new` (either may be git:REV:PATH, the file at a git
    revision) in the designs both have, or in `designs`; without `new`, from the first of two `designs` of `old`
    to the second. `top`: how many of the most changed layers each design lists.

    With `memory` or `device_names`, each design's device figures at `on_device` too, old → new, with the latency
    on each device named (a spec's `devices:` are read from the newer spec)."""
    from ..analyses import diff as diffs
    from ..count.engine import analyze

    if new is None and len(designs) != 2:
        raise ValueError("without a new spec, name the two designs to compare, old then new")
    bytes_per_element = on_device.activation_bytes
    loaded = _load(old, settings)
    analysis = analyze(loaded, None, list(designs) if new is None else None, bytes_per_element, convention)
    if new is None:
        first, second = designs
        result = diffs.diff_designs(analysis, first, second, top=top)
    else:
        loaded = _load(new, settings)
        result = diffs.diff(analysis, analyze(loaded, None, None, bytes_per_element, convention), designs, top)
    if not (memory or device_names):
        return result
    from ..device.figures import diff_on_device
    from ..device.profiles import pick

    return diff_on_device(result, on_device, pick(device_names, devices_files, loaded) if device_names else [], loaded)


def _load(path: str, settings):
    """The spec at `path`, or at git:REV:PATH the file as it was at a revision (git loaded only for one)."""
    if path.startswith("git:"):  # spec.baseline.GIT, not imported: it loads git and subprocess
        from ..spec.baseline import load_revision

        return load_revision(path, settings)
    from ..spec.reader import load

    return load(path, settings)
