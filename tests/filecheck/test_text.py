"""Text and JSON checks, written once for both upload paths."""

import io

import pytest

from filecheck import Reason, Refused, json_check, looks_like_text, text_check
from filecheck.streaming import CHUNK_SIZE


@pytest.mark.parametrize("data", [b"plain", "ünïcödé ✓\n".encode(), b"a,b\n1,2\n", "é".encode() * CHUNK_SIZE, b""])
def test_strict_utf8_without_nul_is_text(data):
    text_check(io.BytesIO(data))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"a\x00b", "Text files must not contain NUL bytes."),
        (b"caf\xe9", "Text files must be valid UTF-8."),
        (b"ends inside a character \xc3", "Text files must be valid UTF-8."),
        (b"x" * CHUNK_SIZE + b"\x00", "Text files must not contain NUL bytes."),  # in a later chunk
    ],
)
def test_nul_bytes_or_broken_utf8_are_not_text(data, message):
    with pytest.raises(Refused) as refused:
        text_check(io.BytesIO(data))
    assert (refused.value.reason, refused.value.message) == (Reason.NOT_TEXT, message)


@pytest.mark.parametrize("data", [b'{"a": [1, 2.5, true, null]}', b'\xef\xbb\xbf{"bom": 1}', b'"caf\xc3\xa9"'])
def test_valid_json_passes(data):
    json_check(io.BytesIO(data))


@pytest.mark.parametrize(
    ("data", "reason", "message"),
    [
        (b"[1, 2", Reason.NOT_JSON, "The file is not valid JSON."),
        (b"[1] [2]", Reason.NOT_JSON, "The file is not valid JSON."),
        (b"[NaN]", Reason.NOT_JSON, "The file is not valid JSON."),
        (b"[" * 100_000, Reason.NOT_JSON, "The file is not valid JSON."),
        (b'{"a": "\x00"}', Reason.NOT_TEXT, "JSON files must not contain NUL bytes."),
        (b'["\xff"]', Reason.NOT_TEXT, "JSON files must be valid UTF-8."),
    ],
)
def test_broken_json_is_refused(data, reason, message):
    with pytest.raises(Refused) as refused:
        json_check(io.BytesIO(data))
    assert (refused.value.reason, refused.value.message) == (reason, message)


def test_a_sample_cut_inside_a_character_still_looks_like_text():
    head = ("x" * 511 + "é").encode()[:512]
    assert looks_like_text(head)
    assert not looks_like_text(b"")
    assert not looks_like_text(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert not looks_like_text(b"\xff\xfe\xfd text")
