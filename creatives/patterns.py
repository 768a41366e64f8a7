"""Regex patterns of what the /v1 request fields accept, shared by the server and the schema.

Each pattern is both the server's rule (matched whole) and the OpenAPI `pattern` of the field,
so a schema-driven client and the server agree on every value (see thrad/patterns.py).
"""

from creatives.countries import ISO_ALPHA2
from thrad.patterns import WHITESPACE, WS, char_class, span

# --- target_url ----------------------------------------------------------------------------
# Host characters as Django's URLValidator has them (ASCII letters and digits, U+00A1-U+FFFF)
# less whitespace and surrogates.
_HOST = [c for c in span(0x30, 0x39) + span(0x41, 0x5A) + span(0x61, 0x7A) + span(0xA1, 0xD7FF) + span(0xE000, 0xFFFF) if c not in WHITESPACE]  # fmt: skip
_LETTER = char_class(_HOST)
_LETTER_OR_HYPHEN = char_class(["-", *_HOST])
_TLD_LETTER = char_class(c for c in _HOST if c not in "0123456789")
_PATH = char_class(span(0x00, 0x20) + "\x7f" + WHITESPACE, negated=True)  # negated: astral characters too
_LABEL = f"{_LETTER}(?:{_LETTER_OR_HYPHEN}{{0,61}}{_LETTER})?"
_TLD = f"(?:{_TLD_LETTER}{{2,63}}|[Xx][Nn]--[0-9A-Za-z]{{1,59}})"
# An absolute http(s) URL with a domain name: Django's URLValidator without IP addresses,
# localhost and user:password@, and without spaces or control characters anywhere.
TARGET_URL = f"^[Hh][Tt][Tt][Pp][Ss]?://(?:{_LABEL}\\.)+{_TLD}\\.?(?::[0-9]{{1,5}})?(?:[/?#]{_PATH}*)?$"

# --- country_code --------------------------------------------------------------------------
_SECONDS: dict[str, list[str]] = {}
for _code in sorted(ISO_ALPHA2):
    _SECONDS.setdefault(_code[0], []).append(_code[1])
# An ISO 3166-1 alpha-2 code in any case, surrounding whitespace trimmed.
COUNTRY_CODE = (
    f"^{WS}*(?:"
    + "|".join(
        f"[{first}{first.lower()}]{char_class(''.join(s) + ''.join(s).lower())}"
        for first, s in _SECONDS.items()
    )  # fmt: skip
    + f"){WS}*$"
)
