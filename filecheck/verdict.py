"""What filecheck says about a file it refuses: a reason from its own small enum, and a message.

Each app maps a reason to its contract's error (`uploads.validation.V1_REASONS`,
`files.validation.FILES_REASONS`); filecheck itself knows no contract.
"""

from enum import Enum


class Reason(Enum):
    EMPTY = "empty"  # no bytes at all
    TOO_LARGE = "too_large"  # over the caller's size cap
    UNRECOGNISED = "unrecognised"  # no known signature and not text
    TEXT = "text"  # no signature, reads as text: a real file of another type (SVG, HTML, CSV...)
    OTHER_KIND = "other_kind"  # a known signature of a kind the caller does not accept
    CORRUPT = "corrupt"  # the signature is right but the bytes do not decode (truncated, garbage)
    TOO_MANY_PIXELS = "too_many_pixels"  # over the image policy: pixel cap, memory budget, animation
    NOT_TEXT = "not_text"  # a text file that is not strict UTF-8 or holds NUL bytes
    NOT_JSON = "not_json"  # UTF-8 text that is not valid JSON


class Refused(Exception):
    """The verdict on a refused file: `reason` for the caller to map, `message` safe to show."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def size_check(size: int, *, limit: int, oversized: bool = False) -> None:
    """The one size rule: over `limit` bytes (or already cut while streaming) is TOO_LARGE, then
    zero bytes is EMPTY."""
    if oversized or size > limit:
        raise Refused(Reason.TOO_LARGE, f"The file is larger than {_size_label(limit)}.")
    if size == 0:
        raise Refused(Reason.EMPTY, "The file is empty.")


def _size_label(limit: int) -> str:
    mib, rest = divmod(limit, 1024 * 1024)
    return f"{mib} MB" if mib and not rest else f"{limit} bytes"
