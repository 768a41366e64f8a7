"""Regex patterns that are at once a server rule and an OpenAPI `pattern`.

Written in the subset that Python's `re` and ECMA-262 (the dialect of OpenAPI patterns; also
what schemathesis's Rust engine reads) agree on: character classes with \\uXXXX escapes,
groups, quantifiers, `^` and `$`. No `\\s` (the dialects disagree on what is whitespace), no
lookaround, no surrogate code points.
"""

from collections.abc import Iterable

# What str.strip() (so DRF's trimming) treats as whitespace, and NUL, which DRF refuses. (DRF
# refuses lone surrogates too, but JSON Schema strings hold only Unicode scalar values anyway.)
WHITESPACE = "".join(chr(c) for c in range(0x10000) if chr(c).isspace())
_REFUSED = "\x00"


def char_class(chars: Iterable[str], *, negated: bool = False) -> str:
    """A character class of `chars`, runs written as ranges, ASCII letters and digits as they are."""
    points = sorted({ord(c) for c in chars})
    spans: list[list[int]] = []
    for point in points:
        if spans and spans[-1][1] == point - 1:
            spans[-1][1] = point
        else:
            spans.append([point, point])

    def one(point: int) -> str:
        return chr(point) if chr(point).isascii() and chr(point).isalnum() else f"\\u{point:04x}"

    body = "".join(one(lo) + (f"-{one(hi)}" if hi > lo else "") for lo, hi in spans)
    return f"[{'^' if negated else ''}{body}]"


def span(first: int, last: int) -> str:
    """The characters from `first` to `last`."""
    return "".join(chr(c) for c in range(first, last + 1))


WS = char_class(WHITESPACE)
_ANY = char_class(_REFUSED, negated=True)
_SOLID = char_class(_REFUSED + WHITESPACE, negated=True)


def trimmed_string(*, min_length: int = 1, allow_blank: bool = False) -> str:
    """A DRF CharField (whitespace trimmed): no NUL; unless blank is allowed, at least
    `min_length` characters from the first to the last non-whitespace one."""
    if allow_blank:
        return f"^{_ANY}*$"
    least = max(min_length, 1)
    middle = "" if least == 1 else f"{_ANY}{{{least - 2},}}{_SOLID}"
    return f"^{_ANY}*{_SOLID}{middle}{_ANY}*$"


# A string with at least one character that str.strip() keeps (searched, not anchored).
NOT_BLANK = char_class(WHITESPACE, negated=True)
