"""Reading a file a user names: refused, with its name, when it is a directory, a pipe or a device,
larger than MAX_FILE_BYTES or, for JSON, malformed (with the line and column)."""

from __future__ import annotations

import json
import os
import stat

from .errors import SpecError
from .limits import MAX_FILE_BYTES


def read_file(filename: str, what: str = "a spec file") -> bytes:
    """The bytes of the file `what` names, refused when it is too large or cannot be read."""
    try:
        mode = os.stat(filename).st_mode
        if stat.S_ISDIR(mode):
            raise SpecError(f"{filename}: is a directory, not {what}")
        if not stat.S_ISREG(mode):  # a FIFO would block, a device never end
            raise SpecError(f"{filename}: not a regular file (a pipe, socket or device); give {what}")
        with open(filename, "rb") as handle:
            return read_bounded(filename, handle, what)
    except OSError as exc:
        raise SpecError(f"{filename}: cannot read: {exc.strerror or exc}") from None


def read_bounded(filename: str, handle, what: str = "a spec file") -> bytes:
    """At most MAX_FILE_BYTES from `handle`; more is refused unread."""
    data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise too_large(filename, what)
    return data


def too_large(filename: str, what: str = "a spec file") -> SpecError:
    return SpecError(f"{filename}: larger than {MAX_FILE_BYTES // 2**20} MiB, the limit for {what}")


def read_json(path: str, what: str):
    """The JSON value of the file `what` names ("a devices file")."""
    data = read_file(path, what)
    try:
        return json.loads(data.decode("utf-8"))
    except RecursionError:
        raise SpecError(f"{path}: nested too deeply", hint=f"{what} is JSON of a few levels") from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not UTF-8 text (byte {exc.start} is {data[exc.start]:#04x})",
                        hint=f"{what} is JSON") from None
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path}:{exc.lineno}:{exc.colno}: {exc.msg}", hint=f"{what} is JSON") from None

