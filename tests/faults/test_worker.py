"""Workers going away: with no Celery worker consuming, a URL upload answers 503 at once (not a
25 s wait and a 400); a gunicorn worker SIGKILLed mid-upload leaves reserved quota and bytes
without a row, and reconciliation gives back exactly those."""

import threading
import time

import pytest

from tests.faults.conftest import SIGKILL, send_signal
from tests.uploads.upload_helpers import image_bytes, image_host, serve

pytestmark = pytest.mark.faults


def test_with_no_worker_consuming_a_url_upload_is_503_at_once(healthy):
    stack = healthy
    png = image_bytes("PNG", (40, 30))
    with image_host({"/a.png": serve(png)}) as host:
        stack.stop_worker()
        deadline = time.monotonic() + 15  # the worker's heartbeat key expires (3 × 2 s)
        while (ready := stack.readyz()).status == 200:
            assert time.monotonic() < deadline, "readyz still says a worker consumes"
            time.sleep(0.5)
        assert ready.json()["checks"]["worker"] == "no Celery worker consuming"
        upload = stack.upload_url(host.url("/a.png"))
        assert upload.status == 503 and upload.seconds < 1.0, (upload.status, upload.seconds)
        assert upload.json()["error"]["code"] == "service_unavailable"
        assert upload.response.headers["Retry-After"] == "5"
        assert host.requests == []  # nothing was queued for later either
        stack.start_worker()
        stack.wait_ready(timeout=30)
        again = stack.upload_url(host.url("/a.png"))
    assert again.status == 201, again.response.text


def _kill_mid_upload(stack, data: bytes) -> None:
    """SIGKILL the gunicorn worker once the store has the part's bytes but before it answered."""
    victim = stack.web_worker_pid()
    stack.proxy.hold()
    try:
        thread = threading.Thread(target=stack.upload_files, args=(("big.txt", data),))
        thread.start()
        deadline = time.monotonic() + 20
        while not (stack.proxy.sent_up >= len(data) and stack.proxy.holding.is_set()):
            assert time.monotonic() < deadline, "the part never reached the store"
            time.sleep(0.01)
        send_signal(victim, SIGKILL)
        thread.join(timeout=30)
    finally:
        stack.proxy.release()
    deadline = time.monotonic() + 20
    while stack.web_worker_pid() == victim:  # gunicorn starts a new worker
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_a_worker_killed_mid_upload_leaves_quota_and_bytes_that_reconciliation_gives_back(healthy):
    stack = healthy
    data = b"lorem ipsum dolor sit amet\n" * 40_000  # ~1 MiB of text
    used_before, files_before, _ = stack.usage()
    objects_before = stack.objects("files/")
    for _ in range(2):
        _kill_mid_upload(stack, data)
    stack.wait_ready(timeout=30)

    used, files, held = stack.usage()
    assert files == files_before  # no row was written
    assert used == used_before + 2 * len(data) and held == 2 * len(data)  # charged for nothing
    orphans = stack.objects("files/") - objects_before
    assert len(orphans) == 2  # bytes with no row

    report = stack.manage("reconcile_storage", "--grace", "0")

    assert stack.usage() == (used_before, files_before, 0)
    assert stack.objects("files/") == {row[0] for row in stack.sql("SELECT key FROM uploads_storedfile")}
    for name in orphans:
        assert name in report
    assert "released 2 reservations" in report
