"""One gunicorn process (gthread) serving slow work and the DSP at once: bids stay fast while URL
fetches wait and large bodies stream in; slow work past its bound is a fast 503 with Retry-After;
an image host that trickles its headers or sends `100 Continue` forever is cut at the deadline
and answered in the contract's JSON, never gunicorn's HTML 500."""

import threading
import time
from collections.abc import Iterator

import pytest
import requests

from tests.faults.conftest import FAULT_SETTINGS, Timed, timed
from tests.uploads.upload_helpers import image_bytes, image_host, serve

pytestmark = pytest.mark.faults

FETCH_WAIT = float(FAULT_SETTINGS["UPLOAD_FETCH_DEADLINE"]) + float(FAULT_SETTINGS["UPLOAD_FETCH_WAIT_MARGIN"])


def _slow_body(total: int, seconds: float) -> Iterator[bytes]:
    """A multipart body that takes `seconds` to arrive (sent chunked, no Content-Length)."""
    boundary = "thradfaultboundary"
    yield f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="slow.txt"\r\n\r\n'.encode()
    chunk, steps = b"x" * (total // 20), 20
    for _ in range(steps):
        time.sleep(seconds / steps)
        yield chunk
    yield f"\r\n--{boundary}--\r\n".encode()


def _slow_upload(stack, out: list, seconds: float = 3.0) -> None:
    headers = {**stack.key(), "Content-Type": "multipart/form-data; boundary=thradfaultboundary"}
    out.append(
        timed(requests.post, f"{stack.base}/api/v1/upload", data=_slow_body(2 * 1024 * 1024, seconds), headers=headers)
    )


def _in_background(*targets) -> list[threading.Thread]:
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    return threads


def _bids_while(busy: threading.Event, stack, at_least: int = 15) -> list[Timed]:
    bids = []
    while busy.is_set() or len(bids) < at_least:
        bids.append(stack.bid())
        if len(bids) >= 200:
            break
    return bids


def test_bids_stay_fast_while_slow_fetches_and_large_uploads_hold_their_slots(healthy):
    stack = healthy
    png = image_bytes("PNG", (40, 30))

    def slow_image(handler) -> None:
        time.sleep(1.8)  # under UPLOAD_FETCH_READ_TIMEOUT (2 s)
        serve(png)(handler)

    fetches: list = []
    uploads: list = []
    with image_host({"/slow.png": slow_image}) as host:
        url = host.url("/slow.png")
        threads = _in_background(
            lambda: fetches.append(stack.upload_url(url)),
            lambda: fetches.append(stack.upload_url(url)),
            lambda: _slow_upload(stack, uploads),
            lambda: _slow_upload(stack, uploads),
        )
        deadline = time.monotonic() + 5
        while len(host.requests) < 2:  # both fetch slots are taken
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(0.3)  # and both body slots
        # one more of each kind: refused at once, never queued
        extra_fetch = stack.upload_url(url)
        extra_body: list = []
        _slow_upload(stack, extra_body, seconds=0.2)
        busy = threading.Event()
        busy.set()
        waiter = threading.Thread(target=lambda: ([t.join() for t in threads], busy.clear()))
        waiter.start()
        bids = _bids_while(busy, stack)
        waiter.join()

    assert extra_fetch.status == 503 and extra_fetch.seconds < 0.5, (extra_fetch.status, extra_fetch.seconds)
    assert extra_fetch.json()["error"]["code"] == "service_unavailable"
    assert extra_fetch.response.headers["Retry-After"] == "5"
    assert extra_body[0].status == 503 and extra_body[0].seconds < 1.0, (
        extra_body[0].status,
        extra_body[0].seconds,
    )
    assert extra_body[0].json()["error"]["code"] == "service_unavailable"
    assert [f.status for f in fetches] == [201, 201]
    assert [u.status for u in uploads] == [200, 200]
    assert all(b.status == 200 for b in bids), [b.status for b in bids]
    slowest = max(b.seconds for b in bids)
    assert slowest < 0.5, f"a bid took {slowest:.3f} s while slow work held its slots"


def _trickle_headers(handler) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nX-Pad: " + b"a" * 500:
        if handler.server.image_host.stop.is_set():
            return
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        time.sleep(0.05)


def _endless_continue(handler) -> None:
    while not handler.server.image_host.stop.is_set():
        handler.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        handler.wfile.flush()
        time.sleep(0.05)


@pytest.mark.parametrize(
    "route", [_trickle_headers, _endless_continue], ids=["trickled headers", "endless 100 Continue"]
)
def test_a_host_that_never_finishes_its_headers_is_cut_at_the_deadline(healthy, route):
    stack = healthy
    with image_host({"/a.png": route}) as host:
        upload = stack.upload_url(host.url("/a.png"))
    assert upload.status == 400, upload.response.text
    assert upload.response.headers["Content-Type"] == "application/json"
    assert upload.json()["error"]["code"] == "image_fetch_failed"
    deadline = float(FAULT_SETTINGS["UPLOAD_FETCH_DEADLINE"])
    assert deadline - 0.2 < upload.seconds < deadline + 2.0, upload.seconds
