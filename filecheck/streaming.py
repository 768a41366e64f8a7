"""The streaming body cap: a byte counter over a request body stream (chunked bodies too).

Nothing here holds more than one chunk of a body in memory. The Django side (the capped upload
handler and `limit_request_body`, which swap this counter into an HttpRequest) lives in
`thrad/request_body.py`.
"""

from typing import Any

CHUNK_SIZE = 64 * 1024


class BodyTooLarge(Exception):
    """The request body is over its cap (declared, or counted while it streamed in)."""


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
