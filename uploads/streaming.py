"""Bounded request bodies: multipart files streamed to temp files with a per-file cap, and a
whole-body byte counter that also covers chunked bodies (no Content-Length).

Nothing here holds more than one chunk (64 KiB) of a body in memory.
"""

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import HttpRequest

CHUNK_SIZE = 64 * 1024


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


class BodyTooLarge(Exception):
    """The request body is over its cap (declared, or counted while it streamed in)."""


def is_oversized(upload: UploadedFile) -> bool:
    return getattr(upload, "oversized", False)


class CountingStream:
    """Reads from a WSGI input stream and raises BodyTooLarge past `limit` bytes."""

    def __init__(self, stream: Any, limit: int) -> None:
        self._stream = stream
        self._limit = limit
        self.count = 0

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:  # read to the end: at most `limit` bytes are ever held
            return b"".join(iter(lambda: self.read(CHUNK_SIZE), b""))
        data = self._stream.read(min(size, CHUNK_SIZE))
        self._add(len(data))
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self._stream.readline(size if size and size > 0 else CHUNK_SIZE)
        self._add(len(data))
        return data

    def close(self) -> None:
        """Django closes the stream after reading `request.body`."""
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()

    def _add(self, n: int) -> None:
        self.count += n
        if self.count > self._limit:
            raise BodyTooLarge()


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
