"""Text from a spec made safe to show: one place per concern, used by every output and error.

- `visible`: control characters (ESC, NUL, CR, newlines unless kept, bidi overrides) as
  escapes such as `\\x1b`, so a name cannot drive a terminal or break a line;
- `brief`: a value quoted back in a message, elided to about 60 characters with `…`;
- `one_line`: a whole message on one visible line, at most MAX_MESSAGE_CHARS long.

Then one function per output channel, each starting from `visible`, so that no channel lets a
name drive a terminal whatever program shows it:

- `json_visible`: JSON text whose strings hold the same values, with no raw invisible character;
- `csv_cell`: a csv cell, never a spreadsheet formula;
- `markdown_text`: Markdown that renders as the text itself: no HTML, link, image, code or emphasis;
- `xml_text`: SVG and HTML text and attributes: escaped markup, and only characters XML 1.0 admits (JUnit's
  ElementTree escapes markup itself, and takes `visible` text);
- `github_data`, `github_property`, `github_text`, `github_plain`: a GitHub workflow command's message and properties, a
  name in a plain line of a workflow log, which the runner must not take for a command.
"""

from __future__ import annotations

import functools
import re
import reprlib

BRIEF_CHARS = 60
"""About how long a value quoted back in a message may be."""

MAX_MESSAGE_CHARS = 300
"""The longest error message, position included."""

_INVISIBLE = [*range(0x20), *range(0x7F, 0xA0), 0x200E, 0x200F, *range(0x202A, 0x202F), 0x2028, 0x2029,
              *range(0x2066, 0x206A), 0xFEFF, *range(0xD800, 0xE000), 0xFFFE, 0xFFFF]
"""Control characters, bidi controls, line and paragraph separators, the byte order mark, lone surrogates
(which no UTF-8 stream can write) and U+FFFE, U+FFFF (which XML 1.0 does not admit)."""


@functools.cache
def _escapes(keep_newlines: bool = False) -> dict[int, str]:
    """Each invisible code point's escape (built on first use: most runs print no control character)."""
    return {code: repr(chr(code))[1:-1] for code in _INVISIBLE if not (keep_newlines and code == 0x0A)}


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_XML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


@functools.cache
def _json_escapes() -> dict[int, str]:
    return {code: f"\\u{code:04x}" for code in _INVISIBLE if code >= 0x7F}  # json escapes those below itself


def visible(text: str, keep_newlines: bool = False) -> str:
    """`text` with every control character written as an escape (`\\x1b`, `\\n`, `\\u202e`): the terminal's
    channel, and the first step of every other."""
    if text.isprintable():  # the common case, at C speed: no control or format character at all
        return text
    return text.translate(_escapes(keep_newlines))


def elide_chars(text: str, limit: int) -> str:
    """`text` cut in the middle to at most `limit` characters (code points, not terminal cells), the cut shown as
    `…`: for messages and names, where a bound on length is what matters (show.text.elide_path fits cells)."""
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head):]


class _Brief(reprlib.Repr):
    """reprlib with YAML's dict and list subclasses, and integers too long to print, bounded."""

    def __init__(self):
        super().__init__()
        self.maxstring = self.maxother = self.maxlong = BRIEF_CHARS
        self.maxlist = self.maxtuple = 8
        self.maxdict = 4
        self.maxlevel = 3

    def repr1(self, x, level):
        if isinstance(x, bool) or x is None:
            return repr(x)
        if isinstance(x, int):
            return self.repr_int(x, level)
        if isinstance(x, str):
            return repr(elide_chars(x, BRIEF_CHARS))
        if isinstance(x, list):
            return self._items(x, level, self.maxlist, lambda v: self.repr1(v, level - 1), "[]")
        if isinstance(x, dict):
            return self._items(list(x.items()), level, self.maxdict,
                               lambda kv: f"{self.repr1(kv[0], level - 1)}: {self.repr1(kv[1], level - 1)}", "{}")
        return super().repr1(x, level)

    @staticmethod
    def _items(items, level: int, most: int, show, brackets: str) -> str:
        """`[a, b, …]`: the first `most` items, `…` for the rest (reprlib's own filler is `...` before 3.11)."""
        if not items:
            return brackets
        if level <= 0:
            return f"{brackets[0]}…{brackets[1]}"
        shown = [show(item) for item in items[:most]] + (["…"] if len(items) > most else [])
        return brackets[0] + ", ".join(shown) + brackets[1]

    def repr_int(self, x, level):
        if x.bit_length() > 3 * BRIEF_CHARS:  # never str() a number that may pass Python's digit limit
            return f"{'-' if x < 0 else ''}an integer of about {int(x.bit_length() * 0.30103) + 1:,} digits"
        return elide_chars(repr(x), BRIEF_CHARS)


_BRIEF = _Brief()


def brief(value) -> str:
    """`value` as a message quotes it: its repr, short, elided and visible."""
    return visible(elide_chars(_BRIEF.repr(value), BRIEF_CHARS + 2))


def one_line(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """A message as one visible line of at most `limit` characters."""
    return elide_chars(visible(text), limit)


def json_visible(encoded: str) -> str:
    """JSON text (`json.dumps`'s, with ensure_ascii off) with the characters `visible` escapes written as
    `\\u` escapes: the same values, and no C1 control, bidi override or lone surrogate raw on a terminal."""
    return encoded if encoded.isprintable() else encoded.translate(_json_escapes())


def csv_cell(value):
    """A csv cell that no spreadsheet runs as a formula (OWASP: a leading `'`), and that shows its control
    characters as `visible` does (a newline, which csv quotes, kept); non-strings as they are."""
    if not isinstance(value, str):
        return value
    text = visible(value, keep_newlines=True)
    return "'" + text if value.startswith(_FORMULA_STARTS) else text


_MARKDOWN = r"[\\`*\[\]<>&|~]|(?<![^\W_])_|_(?![^\W_])|:(?=//)|(?<=[Ww]{3})\."  # compiled by `re` on first use
"""What Markdown (GitHub's) would read as markup: inline HTML and entities, links and images, code, emphasis
and strikethrough, a table cell's `|`, and the bare addresses GitHub links by itself (`http://…` and `www.…`:
their `:` or `.` escaped); a `_` inside a word emphasises nothing and is left alone."""


def markdown_text(text: str) -> str:
    """Text from a spec in Markdown, for a table cell, a heading or a line: one visible line, shown as itself. An
    `@` is followed by a zero-width space: GitHub links `name@host` as an e-mail address whatever is escaped."""
    return re.sub(_MARKDOWN, r"\\\g<0>", visible(text)).replace("@", "@\u200b")


def xml_text(text: str) -> str:
    """Text, or a double-quoted attribute's value, in SVG or HTML written by hand: `visible` but for newlines (a
    tooltip's lines; XML admits them), which leaves only characters XML 1.0 admits, then `&`, `<`, `>` and `"`
    escaped."""
    return visible(text, keep_newlines=True).translate(_XML)


def github_data(text: str) -> str:
    """The message of a GitHub workflow command (`::error ...::DATA`)."""
    escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return visible(escaped)


def github_property(text: str) -> str:
    """A property value of a GitHub workflow command (`file=`, `title=`)."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


def github_plain(text: str) -> str:
    """Words after costcalc's own start of a plain line of a workflow log: visible, and no `##[...]` command."""
    return visible(text).replace("]", "%5D")


def github_text(text: str) -> str:
    """A name in a plain line of a GitHub workflow log: escaped as a property, and `]` as `%5D` too, so that the
    line holds neither `::` nor `##[...]`, the two forms of a command (the runner finds `##[` anywhere)."""
    return github_property(text).replace("]", "%5D")
