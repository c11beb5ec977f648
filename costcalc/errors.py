"""Errors that carry a position in the spec, and the one place they are formatted."""

from __future__ import annotations

from .record import record
from .safe import elide_chars, one_line, visible


@record
class Where:
    """A 1-based position in a spec file."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{visible(elide_chars(self.file, 100))}:{self.line}:{self.col}"


class CostcalcError(Exception):
    """Any error costcalc reports to a user: a message, an optional position and hint."""

    def __init__(self, message: str, where: Where | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        """One visible line of at most MAX_MESSAGE_CHARS, whatever the spec held."""
        text = self.message if not self.hint else f"{self.message}; {self.hint}"
        return one_line(f"{self.where}: {text}" if self.where else text)


class SpecError(CostcalcError):
    """The spec is not valid: syntax, keys, option types, blocks, expressions."""


class ShapeError(CostcalcError):
    """The spec is well formed but a layer cannot apply to the shape it is given."""


class LimitError(SpecError):
    """The spec exceeds one of the documented size limits."""
