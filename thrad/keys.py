"""Secret tokens: generation, parsing and digests. Pure functions, no Django.

A key reads `<kind>_<12 hex lookup prefix>_<40 base62 secret chars>` (about 238 bits of secret).
Only the prefix and the SHA-256 digest of the whole key are stored; a high-entropy secret needs
no slow hash, and one digest plus a constant-time compare keeps authentication cheap.
"""

import hashlib
import hmac
import re
import secrets
import string
from typing import NamedTuple

_ALPHABET = string.ascii_letters + string.digits
PREFIX_LENGTH = 12
SECRET_LENGTH = 40


class NewKey(NamedTuple):
    secret: str
    prefix: str
    digest: str


def _pattern(kind: str) -> re.Pattern[str]:
    return re.compile(rf"{kind}_([0-9a-f]{{{PREFIX_LENGTH}}})_[0-9A-Za-z]{{{SECRET_LENGTH}}}")


_PATTERNS: dict[str, re.Pattern[str]] = {}


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def generate(kind: str) -> NewKey:
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    body = "".join(secrets.choice(_ALPHABET) for _ in range(SECRET_LENGTH))
    secret = f"{kind}_{prefix}_{body}"
    return NewKey(secret=secret, prefix=prefix, digest=digest(secret))


def parse_prefix(kind: str, candidate: str) -> str | None:
    """The lookup prefix of a well-formed key of this kind, else None (never raises)."""
    pattern = _PATTERNS.setdefault(kind, _pattern(kind))
    match = pattern.fullmatch(candidate)
    return match.group(1) if match else None


def matches(candidate: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(candidate), stored_digest)
