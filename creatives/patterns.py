"""Regex patterns of what the /v1 request fields accept, shared by the server and the schema.

Each pattern is both the server's rule (matched whole) and the OpenAPI `pattern` of the field,
so a schema-driven client and the server agree on every value (see thrad/patterns.py).
"""

from creatives.countries import ISO_ALPHA2
from thrad.patterns import WHITESPACE, WS, char_class, span

# --- target_url ----------------------------------------------------------------------------
# Host characters: ASCII letters and digits and any non-ASCII character but whitespace and C1
# controls (Django's URLValidator takes U+00A1-U+FFFF). Negated classes: a regex engine and
# hypothesis (which builds the generators) handle them without listing 60,000 characters.
_NOT_HOST = span(0x00, 0x2F) + span(0x3A, 0x40) + span(0x5B, 0x60) + span(0x7B, 0xA0) + WHITESPACE
_LETTER = char_class(_NOT_HOST, negated=True)
_LETTER_OR_HYPHEN = char_class(_NOT_HOST.replace("-", ""), negated=True)
_TLD_LETTER = char_class(_NOT_HOST + "0123456789", negated=True)
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
        f"[{first}{first.lower()}]{char_class(''.join(s) + ''.join(s).lower())}" for first, s in _SECONDS.items()
    )
    + f"){WS}*$"
)
