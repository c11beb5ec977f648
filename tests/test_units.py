"""Budget figures in and readable figures out."""

import pytest

from costcalc.units import parse_figure, ratio, readable, readable_bytes


@pytest.mark.parametrize("text, value", [
    ("600M", 600_000_000), ("4.2M", 4_200_000), ("1.5G", 1_500_000_000), ("50K", 50_000), ("50k", 50_000),
    (1200, 1200), ("1200", 1200), ("2T", 2 * 10**12), ("0.5K", 500),
])
def test_counts(text, value):
    assert parse_figure(text) == value


@pytest.mark.parametrize("text, value", [
    ("512K", 512_000), ("2MB", 2_000_000), ("2MiB", 2 * 2**20), ("1.5KiB", 1536), ("3 gb", 3 * 10**9), ("10B", 10),
])
def test_bytes(text, value):
    assert parse_figure(text, byte_units=True) == value


@pytest.mark.parametrize("text, message", [
    ("1.2345K", "'1.2345K' is not a whole number of units"),
    ("2MiB", "'2MiB' is not a figure; write an integer, or a number with K, M, G, T"),
    ("-5", "'-5' is not a figure; write an integer, or a number with K, M, G, T"),
    (-5, "-5 is negative"),
    (True, "True is not a whole number; write an integer or a figure such as 600M"),
    (2.5, "2.5 is not a whole number; write an integer or a figure such as 600M"),
])
def test_refusals(text, message):
    with pytest.raises(ValueError) as caught:
        parse_figure(text)
    assert str(caught.value) == message


@pytest.mark.parametrize("n, text", [
    (120_422_400, "120.4M"), (12_443_648, "12.4M"), (153_632, "153.6K"), (896, "896"), (0, "0"),
    (999_960, "1.0M"), (1_500_000_000, "1.5G"), (2 * 10**12, "2.0T"),
])
def test_readable(n, text):
    assert readable(n) == text


def test_readable_bytes_and_ratio():
    assert [readable_bytes(n) for n in (100, 100352, 2558976, 3 * 2**30)] == ["100 B", "98.0 KiB", "2.4 MiB", "3.0 GiB"]
    assert [ratio(r) for r in (1.0, 0.10333, 9.677, None)] == ["1.00×", "0.103×", "9.68×", "—"]
