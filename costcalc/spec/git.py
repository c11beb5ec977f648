"""A spec's file at a git revision (`check --against git:REV`, `diff git:REV:PATH`), and the repository a
spec lies in. Neither a revision nor a path ever reaches git where it could be read as an option."""

from __future__ import annotations

import os
import subprocess

from ..errors import SpecError
from ..files import too_large
from ..limits import MAX_FILE_BYTES
from ..safe import brief

REVISION_HINT = "give a branch, tag or commit, such as origin/main or HEAD~1"


def run_git(folder: str, *args: str, what: str) -> subprocess.CompletedProcess:
    """`git -C folder ARGS`, its output as bytes; SpecError, starting with `what`, if git cannot run."""
    try:
        return subprocess.run(["git", "-C", folder, *args], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SpecError(f"{what}: cannot run git: {exc}") from None


def verify(path: str, name: str, what: str) -> str | None:
    """The object id `name` (a revision, or REV:./FILE) stands for in the repository of `path`, or None."""
    found = run_git(os.path.dirname(os.path.abspath(path)), "rev-parse", "--verify", "--quiet", "--end-of-options",
                    name, what=what)
    if found.returncode and b"not a git repository" in found.stderr:
        raise SpecError(f"{what}: {path} is not in a git repository")
    return None if found.returncode else found.stdout.decode("ascii").strip()


def revision_text(revision: str, path: str, what: str) -> str | None:
    """The text of the file at `path` as it was at `revision`; None when the revision has no such file
    (the spec is new since then). `what` (`--against git:main`) starts every error."""
    if not revision:
        raise SpecError(f"{what}: needs a revision", hint=REVISION_HINT)
    if revision.startswith("-"):
        raise SpecError(f"{what}: a revision cannot begin with '-'", hint=REVISION_HINT)
    commit = verify(path, f"{revision}^{{commit}}", what)
    if commit is None:
        raise SpecError(f"{what}: no revision {brief(revision)} in the repository of {path}", hint=REVISION_HINT)
    blob = verify(path, f"{commit}:./{os.path.basename(path)}", what)
    if blob is None:
        return None
    shown = run_git(os.path.dirname(os.path.abspath(path)), "cat-file", "blob", blob, what=what)
    if shown.returncode:
        raise SpecError(f"{what}: {path} at {revision} is not a file")
    if len(shown.stdout) > MAX_FILE_BYTES:
        raise too_large(f"{path}@{revision}")
    try:
        return shown.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError(f"{what}: {path} at {revision} is not UTF-8 text") from None


def inside_tree(path: str) -> None:
    """Refuse a spec that is a symbolic link to a file outside its repository (or, outside one, the
    working directory): `check` reads what a pull request could have put there, nothing else."""
    if not os.path.islink(path):
        return
    folder = os.path.dirname(os.path.abspath(path))
    top = run_git(folder, "rev-parse", "--show-toplevel", what=path)
    root = top.stdout.decode("utf-8", "replace").strip() if not top.returncode else os.getcwd()
    target, root = os.path.realpath(path), os.path.realpath(root)
    if os.path.commonpath([target, root]) != root:
        where = "repository" if not top.returncode else "working directory"
        raise SpecError(f"{path}: a symbolic link to a file outside its {where}; check reads specs inside it",
                        hint="check the file itself, or copy it into the repository")
