"""What the terminal can take: styling (none under NO_COLOR or TERM=dumb) and characters (stand-ins where
the stream's encoding has none, so that a cp1252 or ASCII console never ends output with a traceback)."""

from __future__ import annotations

import codecs
import io
import os

STAND_INS = {
    "×": "x", "…": "...", "—": "-", "–": "-", "−": "-", "→": "->", "←": "<-", "≈": "~", "·": "*", "★": "*",
    "≥": ">=", "≤": "<=", "Δ": "d", "²": "^2", "‘": "'", "’": "'", "“": '"', "”": '"',
    "Σ": "sum", "β": "beta", "γ": "gamma", "σ": "sigma", "█": "#", **dict.fromkeys("▏▎▍▌▋▊▉", "+"),
    "●": "o", "■": "#", "▲": "^", "◆": "@", "○": "O", "□": "=", "△": "A", "◇": "%",  # sweep --plot's markers
    **dict.fromkeys("━─╌", "-"), **dict.fromkeys("┃│", "|"), **dict.fromkeys("┏┓┗┛┡┩└┘┳┻╇┴┬├┤┼", "+"),
}
"""An ASCII stand-in for each character costcalc prints that some encodings lack; any other becomes `?`."""

ERRORS = "costcalc-stand-in"


def stand_in(error: UnicodeError) -> tuple[str, int]:
    """A codec error handler: the unencodable span written with STAND_INS."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    span = error.object[error.start:error.end]
    return "".join(STAND_INS.get(char, "?") for char in span), error.end


def encode_safely(stream) -> None:
    """Let `stream` write any text: characters its encoding lacks become stand-ins (× → x) instead of an error."""
    if not isinstance(stream, io.TextIOWrapper) or codecs.lookup(stream.encoding).name == "utf-8":
        return
    codecs.register_error(ERRORS, stand_in)
    stream.reconfigure(errors=ERRORS)


def plain() -> bool:
    """True where no escape code may be written: NO_COLOR set (to anything but empty) or TERM=dumb."""
    return bool(os.environ.get("NO_COLOR")) or os.environ.get("TERM") == "dumb"


def styling_console(stream):
    """A Rich console on `stream` where it would style text, else None: under NO_COLOR or TERM=dumb, or where
    Rich sees no terminal; a stream that is no tty, without FORCE_COLOR or TTY_COMPATIBLE=1, is decided without
    importing Rich (a piped report starts faster)."""
    if plain():
        return None
    isatty = getattr(stream, "isatty", None)
    if not (isatty and isatty()) and "FORCE_COLOR" not in os.environ and os.environ.get("TTY_COMPATIBLE") != "1":
        return None
    from rich.console import Console

    console = Console(file=stream, highlight=False, soft_wrap=True)
    return console if console.is_terminal else None
