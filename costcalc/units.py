"""Reading budget figures (600M, 1.5G, 2MiB) and writing readable ones (120.4M)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .limits import MAX_FIGURE_DIGITS
from .safe import brief

if TYPE_CHECKING:
    from fractions import Fraction

COUNT_SUFFIXES = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}
BYTE_SUFFIXES = {
    **COUNT_SUFFIXES,
    "b": 1,
    "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}
_FIGURE = r"^\s*([0-9][0-9_]*(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*$"  # compiled by `re` on first use


def parse_figure(value, byte_units: bool = False) -> int:
    """An exact non-negative integer from `600M`, `1.5G`, `2MiB` (with byte_units) or 1200.

    Raises ValueError with a message that says what is accepted.
    """
    suffixes = BYTE_SUFFIXES if byte_units else COUNT_SUFFIXES
    accepted = "K, M, G, T" + (", KB, MB, GB, KiB, MiB, GiB" if byte_units else "")
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"{brief(value)} is not a whole number; write an integer or a figure such as 600M")
    if isinstance(value, int):
        if abs(value) >= 10**MAX_FIGURE_DIGITS:
            raise _too_long()
        if value < 0:
            raise ValueError(f"{value} is negative")
        return value
    match = re.match(_FIGURE, str(value))
    if not match or match.group(2).lower() not in suffixes:
        raise ValueError(f"{brief(value)} is not a figure; write an integer, or a number with {accepted}")
    exact = _exact(match.group(1), value) * suffixes[match.group(2).lower()]
    if exact.denominator != 1:
        raise ValueError(f"{brief(value)} is not a whole number of units")
    return int(exact)


def _exact(number: str, value) -> Fraction:
    """The exact value of a decimal number as written (no rounding to 28 digits, as Decimal would)."""
    number = number.replace("_", "")
    if len(number) > MAX_FIGURE_DIGITS:
        raise _too_long()
    from fractions import Fraction

    return Fraction(number)


def _too_long() -> ValueError:
    return ValueError(f"more than {MAX_FIGURE_DIGITS:,} digits, the limit for a figure")


_PERCENT = r"^\s*([0-9][0-9_]*(?:\.[0-9]+)?)\s*%\s*$"


AMOUNTS = {"": "0 or 10K", "B": "0 or 64KiB", "ns": "0ms or 500us"}
"""Per unit (UNITS in costcalc.model.tree), amounts to give as examples."""


def parse_amount(value, unit: str = "") -> int:
    """An exact figure in its unit: a duration in nanoseconds (`ns`), bytes (`B`) or a count (``)."""
    return parse_duration(value) if unit == "ns" else parse_figure(value, byte_units=unit == "B")


def parse_growth(value, unit: str = "") -> tuple[Fraction | None, int | None]:
    """A growth limit: `2%` → (Fraction(2), None); `0` or `10K` (`1ms` in ns, `64KiB` in B) → (None, the amount).

    Raises ValueError with a message that says what is accepted.
    """
    match = re.match(_PERCENT, value) if isinstance(value, str) else None
    if match:
        return _exact(match.group(1), value), None
    try:
        return None, parse_amount(value, unit)
    except ValueError:
        raise ValueError(f"{brief(value)} is not a growth limit; "
                         f"write a percentage such as 2% or an amount such as {AMOUNTS[unit]}") from None


def decimal_text(value: Fraction) -> str:
    """A non-negative fraction read from decimal text (`0.0000001` of `0.0000001%`) written out in full as
    that decimal, never as `1e-07`: its denominator divides a power of ten."""
    places = 0
    while (value * 10**places).denominator != 1:
        places += 1
    digits = str(int(value * 10**places)).rjust(places + 1, "0")
    return f"{digits[:-places]}.{digits[-places:]}" if places else digits


DURATIONS = {"ns": 1, "us": 10**3, "µs": 10**3, "ms": 10**6, "s": 10**9}
_DURATION = r"^\s*([0-9][0-9_]*(?:\.[0-9]+)?)\s*(ns|us|µs|ms|s)\s*$"


def parse_duration(value) -> int:
    """Whole nanoseconds from `5ms`, `200us`, `0.5s`, `1500ns`; a duration needs its unit.

    Raises ValueError with a message that says what is accepted.
    """
    match = re.match(_DURATION, value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"{brief(value)} is not a duration; write a number with ns, us, ms or s, such as 5ms")
    exact = _exact(match.group(1), value) * DURATIONS[match.group(2)]
    if exact.denominator != 1:
        raise ValueError(f"{brief(value)} is not a whole number of nanoseconds")
    return int(exact)


def readable(n: int | float) -> str:
    """120422400 -> '120.4M'; 896 -> '896'; powers of 1000, one decimal."""
    magnitude = abs(n)
    for size, suffix in ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K")):
        if magnitude >= size * 0.99995:
            return f"{n / size:.1f}{suffix}"
    return f"{n:,}" if isinstance(n, int) else f"{n:.1f}"


def readable_bytes(n: int | float, decimals: int = 1) -> str:
    """Bytes in powers of 1024: 3211264 -> '3.1 MiB'."""
    for size, suffix in ((2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if n >= size:
            return f"{n / size:.{decimals}f} {suffix}"
    return f"{n} B"


def seconds(value: float, digits: int = 3) -> str:
    """A time to `digits` significant figures: 3.1 ms, 29.7 µs, 1.2 s."""
    for size, unit in ((1, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if value >= size:
            return f"{value / size:.{digits}g} {unit}"
    return f"{value * 1e9:.{digits}g} ns"


def quantity(n: int, unit: str = "", precision: int = 0) -> str:
    """An exact figure, readable in its unit: 9039041 ns → '9.04 ms', 1048576 B → '1.0 MiB', 1200 → '1,200';
    `precision` more digits than usual (counts are always exact)."""
    if unit == "ns":
        return seconds(n / 1e9, 3 + precision)
    return readable_bytes(n, 1 + precision) if unit == "B" else f"{n:,}"


def exact(n: int | float) -> str:
    """Full integer with thousands separators."""
    return f"{n:,}"


def ratio(value: float | None) -> str:
    """A factor with three significant figures, trailing zeros kept: '0.103×', '1.00×'."""
    return "—" if value is None else f"{value:#.3g}×"
