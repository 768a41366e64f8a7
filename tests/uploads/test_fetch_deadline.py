"""The URL fetch's deadline is total: a host that trickles its status line or headers, or sends
`100 Continue` forever, is cut at the deadline (each read alone would never time out)."""

import io
import ipaddress
import time

import pytest

from tests.uploads.upload_helpers import image_bytes, image_host
from uploads.fetch import FetchError, FetchPolicy, fetch

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)
DEADLINE = 1.5


def _policy() -> FetchPolicy:
    # per-read timeout far longer than the deadline: only the total deadline can end these
    return FetchPolicy(
        max_bytes=5 * 1024 * 1024, deadline=time.time() + DEADLINE, connect_timeout=5, read_timeout=30, allowed=LOOPBACK
    )


def _trickle(data: bytes, every: float = 0.1):
    def route(handler) -> None:
        for byte in data:
            if handler.server.image_host.stop.is_set():
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(every)

    return route


def _endless_continue(handler) -> None:
    while not handler.server.image_host.stop.is_set():
        handler.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        handler.wfile.flush()
        time.sleep(0.05)


HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n" + b"X-Padding: " + b"a" * 200 + b"\r\n\r\n"


@pytest.mark.parametrize(
    "route",
    [_trickle(HEADERS[:5] * 100), _trickle(HEADERS), _endless_continue],
    ids=["status line trickled", "headers trickled", "endless 100 Continue"],
)
def test_a_host_that_never_finishes_its_answer_is_cut_at_the_deadline(route):
    with image_host({"/a.png": route}) as host:
        started = time.monotonic()
        with pytest.raises(FetchError) as caught:
            fetch(host.url("/a.png"), io.BytesIO(), policy=_policy())
        elapsed = time.monotonic() - started
    assert (caught.value.error.code, caught.value.message) == (
        "image_fetch_failed",
        "Fetching the image took too long.",
    )
    assert DEADLINE - 0.1 < elapsed < DEADLINE + 1.0


def test_a_fetch_that_finishes_in_time_is_not_cut_later():
    png = image_bytes("PNG")

    def ok(handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(png)))
        handler.end_headers()
        handler.wfile.write(png)

    with image_host({"/a.png": ok}) as host:
        out = io.BytesIO()
        assert fetch(host.url("/a.png"), out, policy=_policy()) == len(png)
    time.sleep(DEADLINE + 0.3)  # the timer is cancelled: nothing fires on a socket reused since
    assert out.getvalue() == png
