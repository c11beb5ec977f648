"""'Did you mean' hints and the unknown-key check that uses them."""

from __future__ import annotations

from .errors import SpecError
from .safe import brief


def nearest(word, known) -> str | None:
    """The known word nearest to `word`, if one is near enough: the same but for case first (`Relu` → `relu`)."""
    import difflib  # only on a mistake: not loaded by a run that makes none

    known = [str(k) for k in known]
    same = [k for k in known if k.lower() == str(word).lower()]
    close = same or difflib.get_close_matches(str(word), known, n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word, known) -> str | None:
    """A hint naming the known word nearest to `word`, or None."""
    close = nearest(word, known)
    return None if close is None else f"did you mean {brief(close)}?"


def check_keys(mapping, known, what: str, owner: str = "") -> None:
    """Refuse the first key of `mapping` not in `known`, naming the nearest known one.

    The message reads `unknown {what} {key}{owner}`: "unknown option 'filter' for conv".
    """
    for key in mapping:
        if key not in known:
            hint = did_you_mean(key, known) or f"known: {listing(known)}"
            raise SpecError(f"unknown {what} {brief(key)}{owner}", mapping.key_where.get(key, mapping.where), hint)


def listing(names, limit: int = 160) -> str:
    """`a, b, c`, or as many names as fit in about `limit` characters then `… (40 in all)`."""
    names = [str(name) for name in names]
    text = ", ".join(names)
    if len(text) <= limit:
        return text
    shown: list[str] = []
    for name in names:
        if len(", ".join([*shown, name])) > limit:
            break
        shown.append(name)
    return f"{', '.join(shown)}, … ({len(names)} in all)"
