"""Reading a file a user names: refused, with its name, when it is a directory, a pipe or a device,
larger than MAX_FILE_BYTES or, for JSON, malformed or with a key repeated in an object (with the line and column)."""

from __future__ import annotations

import os
import stat

from .errors import SpecError
from .limits import MAX_FILE_BYTES
from .safe import brief


def read_file(filename: str, what: str = "a spec file", limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the file `what` names, refused when larger than `limit` or when it cannot be read."""
    try:
        mode = os.stat(filename).st_mode
        if stat.S_ISDIR(mode):
            raise SpecError(f"{filename}: is a directory, not {what}")
        if not stat.S_ISREG(mode):  # a FIFO would block, a device never end
            raise SpecError(f"{filename}: not a regular file (a pipe, socket or device); give {what}")
        with open(filename, "rb") as handle:
            return read_bounded(filename, handle, what, limit)
    except OSError as exc:
        raise SpecError(f"{filename}: cannot read: {exc.strerror or exc}") from None


def read_bounded(filename: str, handle, what: str = "a spec file", limit: int = MAX_FILE_BYTES) -> bytes:
    """At most `limit` bytes from `handle`; more is refused unread."""
    data = handle.read(limit + 1)
    if len(data) > limit:
        raise too_large(filename, what, limit)
    return data


def too_large(filename: str, what: str = "a spec file", limit: int = MAX_FILE_BYTES) -> SpecError:
    return SpecError(f"{filename}: larger than {limit // 2**20:,} MiB, the limit for {what}")


def read_json(path: str, what: str):
    """The JSON value of the file `what` names ("a devices file")."""
    import json  # here, not at import: a report reads no JSON (json's import compiles its reader's patterns)

    data = read_file(path, what)
    try:
        text = data.decode("utf-8")
        return json.loads(text, object_pairs_hook=_unique)
    except RecursionError:
        raise SpecError(f"{path}: nested too deeply", hint=f"{what} is JSON of a few levels") from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not UTF-8 text (byte {exc.start} is {data[exc.start]:#04x})",
                        hint=f"{what} is JSON") from None
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path}:{exc.lineno}:{exc.colno}: {exc.msg}", hint=f"{what} is JSON") from None
    except _Repeated:
        raise _repeated(path, text) from None


class _Repeated(Exception):
    """A key given twice in one JSON object: the key, where it is repeated and where first given (offsets)."""


def _unique(pairs: list) -> dict:
    """An object's members as a dict, unless a key repeats (where json.loads would keep the last, silently)."""
    members = dict(pairs)
    if len(members) < len(pairs):
        raise _Repeated()
    return members


def _repeated(path: str, text: str) -> SpecError:
    """The error for the first key repeated in `text`, positioned as the spec's are: found by reading the text
    again, object by object, in Python (a file with no repeated key is read once, by the C reader)."""
    import json.scanner

    decoder = json.JSONDecoder()

    def members(s_and_end, strict, scan_once, *_):
        text, end = s_and_end
        seen: dict[str, int] = {}
        end = _skip(text, end)
        while text[end] == '"':
            key, after = json.decoder.scanstring(text, end + 1, strict)  # type: ignore[attr-defined]  # not in typeshed
            if key in seen:
                raise _Repeated(key, end, seen[key])
            seen[key] = end
            _, end = scan_once(text, _skip(text, _skip(text, after) + 1))
            end = _skip(text, end)
            end = _skip(text, end + 1) if text[end] == "," else end
        return None, end + 1

    # json's pure-Python scanner, hooked where the C one cannot be; these internals are not in typeshed
    decoder.parse_object = members  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    hint = "keep one (a JSON reader keeps the last, silently)"
    try:
        decoder.decode(text)
    except _Repeated as found:
        key, at, first = found.args
        return SpecError(f"{path}:{_line_col(text, at)}: duplicate key {brief(key)}, first given at "
                         f"{_line_col(text, first)}", hint=hint)
    except RecursionError:  # nested deeper than the Python reader goes, though not the C one
        pass
    return SpecError(f"{path}: a key is repeated in one of its objects", hint=hint)


def _skip(text: str, at: int) -> int:
    import json.decoder

    return json.decoder.WHITESPACE.match(text, at).end()  # type: ignore[attr-defined]  # untyped in typeshed


def _line_col(text: str, at: int) -> str:
    """`line:col` of offset `at`, counted as json's own errors count them."""
    return f"{text.count(chr(10), 0, at) + 1}:{at - text.rfind(chr(10), 0, at)}"
