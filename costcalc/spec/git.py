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
    """Refuse a spec reached through a symbolic link (its own, or a folder's) that leads out of its repository
    or, outside any, out of the working directory it was named in: `check` reads what a pull request could
    have put there, nothing else."""
    absolute, target = os.path.abspath(path), os.path.realpath(path)
    if absolute == target:  # no link on the way
        return
    top = run_git(os.path.dirname(absolute), "rev-parse", "--show-toplevel", what=path)
    if not top.returncode:
        root, where = top.stdout.decode("utf-8", "replace").strip(), "repository"
    elif within(absolute, os.getcwd()):
        root, where = os.getcwd(), "working directory"
    else:  # named outside the working directory and any repository: the user's own choice
        return
    if not within(target, os.path.realpath(root)):
        raise SpecError(f"{path}: a symbolic link to a file outside its {where}; check reads specs inside it",
                        hint="check the file itself, or copy it into the repository")


def within(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder
