"""Text and JSON checks, written once: strict UTF-8, no NUL bytes, and for JSON a full parse
that keeps no values."""

import codecs
import json
from collections.abc import Iterable
from typing import IO, Any

from filecheck.streaming import CHUNK_SIZE
from filecheck.verdict import Reason, Refused


def text_refusal(chunks: Iterable[bytes], *, what: str = "Text files", sample: bool = False) -> Refused | None:
    """Why these bytes are not text (NUL bytes, not strict UTF-8), or None. With `sample` they are
    the start of a longer file, so a character cut by the end of the sample is fine."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        for chunk in chunks:
            if b"\x00" in chunk:
                return Refused(Reason.NOT_TEXT, f"{what} must not contain NUL bytes.")
            decoder.decode(chunk)
        if not sample:
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return Refused(Reason.NOT_TEXT, f"{what} must be valid UTF-8.")
    return None


def looks_like_text(head: bytes) -> bool:
    """The first bytes of a file read as text (SVG, HTML, JSON, CSV...), not a broken image."""
    return bool(head) and text_refusal([head], sample=True) is None


def text_check(fp: IO[bytes]) -> None:
    """Refused(NOT_TEXT) unless the whole file is strict UTF-8 without NUL; read in 64 KiB pieces."""
    fp.seek(0)
    try:
        refusal = text_refusal(iter(lambda: fp.read(CHUNK_SIZE), b""))
    finally:
        fp.seek(0)
    if refusal:
        raise refusal


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# Validates without keeping the values: numbers and objects become None as they are read.
_JSON = json.JSONDecoder(
    parse_float=lambda _: None,
    parse_int=lambda _: None,
    parse_constant=_no_constants,
    object_pairs_hook=lambda _: None,
)


def json_check(fp: IO[bytes]) -> None:
    """Refused(NOT_TEXT) unless strict UTF-8 without NUL (a BOM allowed), then Refused(NOT_JSON)
    unless valid JSON (no NaN or Infinity). The caller's size cap bounds what is read."""
    fp.seek(0)
    data = fp.read()
    fp.seek(0)
    refusal = text_refusal([data], what="JSON files")
    if refusal:
        raise refusal
    try:
        _JSON.decode(data.decode("utf-8").removeprefix("\ufeff"))
    except (ValueError, RecursionError) as exc:
        raise Refused(Reason.NOT_JSON, "The file is not valid JSON.") from exc
