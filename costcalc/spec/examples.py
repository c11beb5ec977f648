"""The example specs shipped in the package (the repository's specs/, linked as costcalc/examples), by name.

`examples/bottleneck_5x5` or `examples/zoo/resnet50_keras.yaml` names a shipped spec wherever
costcalc is installed; a file at that path, where there is one, wins.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importlib.resources costs start-up; it is imported where a shipped spec is read
    from importlib.abc import Traversable

from ..safe import brief
from ..suggest import nearest

PREFIX = "examples/"
SUFFIX = ".yaml"


def catalog() -> dict[str, Traversable]:
    """Every shipped spec by name (`bottleneck_5x5`, `zoo/resnet50_keras`), sorted."""
    from importlib import resources

    found: dict[str, Traversable] = {}

    def walk(folder: Traversable, prefix: str) -> None:
        for entry in folder.iterdir():
            if entry.is_dir():
                walk(entry, f"{prefix}{entry.name}/")
            elif entry.name.endswith(SUFFIX):
                found[prefix + entry.name[: -len(SUFFIX)]] = entry

    walk(resources.files("costcalc") / "examples", "")
    return dict(sorted(found.items()))


def titles() -> dict[str, str]:
    """Every shipped spec by name, with what it holds: its `description:`, else its `name:` (parameters at
    their defaults)."""
    from .reader import loads  # the reader finds examples here

    specs = {name: loads(entry.read_text(encoding="utf-8"), PREFIX + name) for name, entry in catalog().items()}
    return {name: spec.description or spec.name or "" for name, spec in specs.items()}


def shipped(path: str) -> Traversable | None:
    """The shipped spec that `examples/NAME[.yaml]` names, or None."""
    if not path.startswith(PREFIX):
        return None
    name = path[len(PREFIX):]
    return catalog().get(name[: -len(SUFFIX)] if name.endswith(SUFFIX) else name)


def meant(path: str) -> str | None:
    """For a spec path with no file: `did you mean 'examples/NAME'?`, the shipped spec it misspells
    (examples/bottlenek_5x5) or names in a checkout (specs/bottleneck_5x5.yaml); else None."""
    if os.path.lexists(path):
        return None
    stem = path[: -len(SUFFIX)] if path.endswith(SUFFIX) else path
    names = list(catalog())
    if stem.startswith(PREFIX):
        name = nearest(stem[len(PREFIX):], names)
    else:
        name = next((name for name in names if f"/{stem}".replace(os.sep, "/").endswith(f"/{name}")), None)
    return None if name is None else f"did you mean {brief(PREFIX + name)}?"
