"""The size rule, magic numbers and the streaming body cap: small pure pieces both paths share."""

import ast
import io
from pathlib import Path

import pytest

from filecheck import Reason, Refused, magic_kind, size_check
from filecheck.streaming import CHUNK_SIZE, BodyTooLarge, CountingStream

FILECHECK = Path(__file__).resolve().parents[2] / "filecheck"


@pytest.mark.parametrize(
    ("size", "oversized", "reason", "message"),
    [
        (10 * 1024 * 1024 + 1, False, Reason.TOO_LARGE, "The file is larger than 10 MB."),
        (5, True, Reason.TOO_LARGE, "The file is larger than 10 MB."),
        (0, False, Reason.EMPTY, "The file is empty."),
    ],
)
def test_over_the_cap_is_too_large_then_zero_bytes_is_empty(size, oversized, reason, message):
    with pytest.raises(Refused) as refused:
        size_check(size, limit=10 * 1024 * 1024, oversized=oversized)
    assert (refused.value.reason, refused.value.message) == (reason, message)


def test_exactly_the_cap_passes():
    size_check(5 * 1024 * 1024, limit=5 * 1024 * 1024)


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n....", "PNG"),
        (b"\xff\xd8\xff\xe0", "JPEG"),
        (b"GIF89a", "GIF"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WEBP"),
        (b"RIFF\x00\x00\x00\x00AVI ", None),
        (b"%PDF-1.7", "PDF"),
        (b"MZ\x90\x00", "EXE"),
        (b"hello", None),
    ],
)
def test_the_first_bytes_name_the_kind(head, kind):
    assert magic_kind(head) == kind


def test_the_counting_stream_refuses_past_its_limit_holding_one_chunk_at_most():
    stream = CountingStream(io.BytesIO(b"x" * (3 * CHUNK_SIZE)), limit=2 * CHUNK_SIZE)
    assert len(stream.read(10 * CHUNK_SIZE)) == CHUNK_SIZE
    assert stream.readline() == b"x" * CHUNK_SIZE
    with pytest.raises(BodyTooLarge):
        stream.read(1)
    within = CountingStream(io.BytesIO(b"y" * 100), limit=100)
    assert within.read() == b"y" * 100


def test_filecheck_imports_neither_django_nor_thrad():
    for path in FILECHECK.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] not in {"django", "rest_framework", "thrad", "uploads", "files"}, path
