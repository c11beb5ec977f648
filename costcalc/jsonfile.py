"""Reading a JSON file a user names, with the file, line and column of what is wrong."""

from __future__ import annotations

import json

from .errors import CostcalcError


def read_json(path: str, what: str):
    """The file's JSON value; `what` names the kind of file for the hint of a syntax error."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as exc:
        raise CostcalcError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise CostcalcError(f"{path}:{exc.lineno}:{exc.colno}: {exc.msg}", hint=f"{what} is JSON") from None
    except UnicodeDecodeError as exc:
        raise CostcalcError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})", hint=f"{what} is JSON") from None
