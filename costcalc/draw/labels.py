"""The text on a diagram's boxes and frames, fitted to their width in characters: a name shown once,
the kind only where it adds something, long words cut at word boundaries (`decoder_stage…conv`)."""

from __future__ import annotations

import re

from ..show.text import ELLIPSIS, elide_path

SEPARATORS = "_-./ "
_WORDS = re.compile(r"[^_\-./ ]*[_\-./ ]*")


def words(text: str) -> list[str]:
    """`text` in words, each with the separators after it: `layer3.conv_1` → `layer3.`, `conv_`, `1`."""
    return [word for word in _WORDS.findall(text) if word]


def cut(text: str, cells: int) -> str:
    """`text` within `cells` characters, cut after a whole word (`bottleneck…`); "" when not even its first word
    fits."""
    if len(text) <= cells:
        return text
    kept = ""
    for word in words(text):
        if len((kept + word).rstrip(SEPARATORS)) + 1 > cells:
            break
        kept += word
    return kept.rstrip(SEPARATORS) + ELLIPSIS if kept.strip(SEPARATORS) else ""


def shorten(name: str, cells: int) -> str:
    """`name` within `cells` characters: whole words around `…`, from both ends where they fit
    (`decoder_stage…conv_transpose`), the most of it that fits; cut inside a word only when no whole word fits."""
    if len(name) <= cells:
        return name
    parts = words(name)
    fitting = []
    for head in range(len(parts)):
        for tail in range(not head, len(parts) - head):
            text = "".join(parts[:head]).rstrip(SEPARATORS) + ELLIPSIS + "".join(parts[len(parts) - tail:])
            if len(text) <= cells:
                fitting.append((head > 0 and tail > 0, len(text), head, text))  # both ends, the longest, the most head
    return max(fitting)[-1] if fitting else elide_path(name, max(cells, 3))


def label(name: str, kind: str, cells: int, figure: str = "") -> str:
    """`name · kind · figure` within `cells` characters. The kind is left out where the name holds it
    (`relu3`, `add`); on a line too long, it is cut after a whole word or left out before the name is
    shortened; the figure stays whole."""
    kind = "" if kind in name else kind

    def line(*parts: str) -> str:
        return " · ".join(part for part in parts if part)

    if len(line(name, kind, figure)) <= cells:
        return line(name, kind, figure)
    short = cut(kind, cells - len(line(name, figure)) - 3) if kind else ""
    if short:
        return line(name, short, figure)
    return line(shorten(name, cells - (len(figure) + 3 if figure else 0)), figure)
