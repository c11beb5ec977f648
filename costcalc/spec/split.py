"""`split`: the channels cut into named parts, equal (`parts: 2`) or of given sizes (`sections: [24, 40]`).

The expansion makes a split a group of `slice` layers, each reading the split's input and naming its part
(`as:`); the flow goes on from the last part. Here: its keys, and the channel ranges of its parts.
"""

from __future__ import annotations

from itertools import accumulate

from ..errors import ShapeError, SpecError, Where
from ..model.options import is_int
from ..safe import brief
from ..varying import anywhere
from .yamlload import YMap

SPLIT = "split"
SPLIT_KEYS = ("parts", "sections", "as", "name", "from", "when")
WAYS = ("parts", "sections")


def part_names(options: YMap, names, where: Where) -> list[tuple[str, Where]]:
    """The names `as:` gives the parts, each with its position: two or more distinct strings."""
    at = options.at("as") if "as" in options else where
    if not isinstance(names, list) or len(names) < 2:
        got = "" if names is None else f", got as: {brief(names)}"
        raise SpecError(f"split names its parts with as: [a, b, ...]{got}", at,
                        "write `split: {parts: 2, as: [left, right]}`")
    found: list[tuple[str, Where]] = []
    for index, name in enumerate(names):
        place = names.at(index) if hasattr(names, "at") else at
        if not isinstance(name, str):
            raise SpecError(f"as: names a part with a string, got {brief(name)}", place)
        if name in (seen for seen, _ in found):
            raise SpecError(f"as: names two parts {brief(name)}", place, "give each part its own name")
        found.append((name, place))
    return found


def ranges(options: YMap, given: dict, count: int, channels, where: Where) -> list[tuple]:
    """[start, end) of each part over `channels`, from `parts` or `sections` (the values in `given`)."""
    ways = [way for way in WAYS if way in options]
    if len(ways) != 1:
        raise SpecError(f"split takes one of parts or sections, got {' and '.join(ways) or 'neither'}", where,
                        f"parts: {count} cuts the channels into {count} equal parts; sections: [...] gives their sizes")
    way, at = ways[0], options.at(ways[0])
    value = given[way]
    if way == "parts" and (not is_int(value) or value < 2):
        raise SpecError(f"split parts: expected an integer ≥ 2, got {brief(value)}", at)
    if way == "sections" and (not isinstance(value, list) or len(value) < 2
                              or not all(is_int(v) and v > 0 for v in value)):
        raise SpecError(f"split sections: expected a list of two or more positive integers, got {brief(value)}", at)
    number = value if way == "parts" else len(value)
    if number != count:  # before any list of `number` sizes is made: parts may be huge
        names = ", ".join(f"part{i + 1}" for i in range(min(number, 4))) + (", …" if number > 4 else "")
        raise SpecError(f"split makes {number} parts, and as: names {count}", options.at("as"),
                        f"name each part: as: [{names}]")
    if way == "parts" and anywhere(channels % value != 0):
        raise ShapeError(f"split parts: {value} does not divide the {channels} channels", at,
                         f"parts is a divisor of {channels}{divisors(channels)}, or sections: [...] gives the sizes")
    if way == "sections" and anywhere(sum(value) != channels):
        raise ShapeError(f"split sections {brief(value)} sum to {sum(value)}, not the {channels} channels", at,
                         f"sections that sum to {channels}")
    sizes = [channels // value] * value if way == "parts" else value
    ends = list(accumulate(sizes))
    return list(zip([0, *ends[:-1]], ends))


def divisors(channels) -> str:
    """` (2, 4, 29, 58)`: the divisors of `channels` a split may take (up to six), or nothing in a sweep."""
    if not is_int(channels):
        return ""
    found = [n for n in range(2, min(channels, 10**4) + 1) if channels % n == 0][:6]
    return f" ({', '.join(map(str, found))})" if found else ""
