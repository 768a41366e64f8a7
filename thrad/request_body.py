"""Bounded request bodies, the Django side: multipart files streamed to temp files with a
per-file cap, and `limit_request_body`, which puts filecheck's byte counter in front of a
request's stream (chunked bodies too). Used by both upload paths (`uploads/`, `files/`).

Nothing here holds more than one chunk (64 KiB) of a body in memory.
"""

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import HttpRequest

from filecheck.streaming import CHUNK_SIZE, BodyTooLarge, CountingStream


class OversizedUpload(UploadedFile):
    """Stands in for a file part that went past the cap; its bytes were discarded."""

    oversized = True

    def __init__(self, name: str, content_type: str | None, size: int) -> None:
        super().__init__(file=None, name=name, content_type=content_type, size=size)

    def close(self) -> None:
        return None


class CappedUploadHandler(TemporaryFileUploadHandler):
    """Every file part goes to a temp file; a part over `max_file_bytes` is dropped as it
    streams and replaced by an `OversizedUpload` (the rest of its bytes are read and discarded).
    """

    chunk_size = CHUNK_SIZE

    def __init__(self, request: HttpRequest | None = None, *, max_file_bytes: int) -> None:
        super().__init__(request)
        self.max_file_bytes = max_file_bytes
        self.received = 0
        self.oversized = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        self.oversized = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.oversized:
            return None
        if self.received > self.max_file_bytes:
            self.oversized = True
            self.file.close()  # a NamedTemporaryFile: closing deletes it
            return None
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self.oversized:
            return OversizedUpload(self.file_name or "", self.content_type, self.received)
        return super().file_complete(file_size)


def is_oversized(upload: UploadedFile) -> bool:
    return getattr(upload, "oversized", False)


def limit_request_body(request: HttpRequest, max_bytes: int) -> None:
    """Refuse a body over `max_bytes` before reading it when Content-Length says so, and
    count the bytes as they stream in otherwise (chunked bodies included).

    Call before anything reads `request.body`, `request.POST`/`FILES` or DRF's `request.data`.
    """
    declared = request.META.get("CONTENT_LENGTH") or ""
    chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    if declared.strip().isdigit() and not chunked:
        if int(declared) > max_bytes:
            raise BodyTooLarge()
        stream_source: Any = request._stream  # type: ignore[attr-defined]  # Django's LimitedStream
    elif chunked:
        # Django reads at most CONTENT_LENGTH bytes; for a chunked body (the server de-chunks
        # wsgi.input) read up to the cap + 1 and let the counter refuse anything longer.
        request.META["CONTENT_LENGTH"] = str(max_bytes + 1)
        stream_source = request.META["wsgi.input"]
    else:
        return
    request._stream = CountingStream(stream_source, max_bytes)  # type: ignore[attr-defined,assignment]
