"""The example specs shipped in the package (the repository's specs/, linked as costcalc/examples), by name.

`examples/bottleneck_5x5` or `examples/zoo/resnet50_keras.yaml` names a shipped spec wherever
costcalc is installed; a file at that path, where there is one, wins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importlib.resources costs start-up; it is imported where a shipped spec is read
    from importlib.abc import Traversable

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


def shipped(path: str) -> Traversable | None:
    """The shipped spec that `examples/NAME[.yaml]` names, or None."""
    if not path.startswith(PREFIX):
        return None
    name = path[len(PREFIX):]
    return catalog().get(name[: -len(SUFFIX)] if name.endswith(SUFFIX) else name)
