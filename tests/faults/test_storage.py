"""Object storage down (SeaweedFS stopped, paused with SIGSTOP, or stalling half-way through an
answer): Files API uploads answer 503 storage_unavailable within seconds and charge nothing, the
creative image answers 503 (also when the read fails half-way), and a retry works once it is back."""

import pytest

pytestmark = pytest.mark.faults

PART = ("notes.txt", b"some notes\n" * 100)


def _storage_down_answers(stack, first_within: float) -> None:
    used = stack.usage()
    first = stack.upload_files(PART)
    assert first.status == 503 and first.seconds < first_within, (first.status, first.seconds)
    assert first.json() == {
        "success": False,
        "error": {"code": "storage_unavailable", "message": first.json()["error"]["message"]},
    }
    assert first.response.headers["Retry-After"] == "5"
    again = stack.upload_files(PART)  # the breaker is open: no second wait
    assert again.status == 503 and again.seconds < 1.0, (again.status, again.seconds)
    image = stack.asset()
    assert image.status == 503 and image.seconds < first_within
    ready = stack.readyz()
    assert ready.status == 503 and ready.seconds < 2.0
    assert "storage" in ready.json()["failed"]
    used_after = stack.usage()
    assert used_after[0] == used[0] and used_after[2] == 0  # nothing charged, nothing reserved


def _retry_works(stack) -> None:
    stack.wait_ready(timeout=30)
    before = stack.usage()
    stored = stack.upload_files(PART)
    assert stored.status == 200, stored.response.text
    key = stored.json()["uploaded"][0]["key"]
    assert key in stack.objects("files/")
    used, files, held = stack.usage()
    assert used == files == before[0] + len(PART[1]) and held == 0
    assert stack.asset().status == 200


def test_storage_stopped_is_503_and_a_retry_works_when_it_is_back(healthy):
    stack = healthy
    stack.s3.stop()
    try:
        _storage_down_answers(stack, first_within=3.0)
    finally:
        stack.s3.start()
    _retry_works(stack)


def test_storage_paused_is_503_within_seconds_not_a_hang(healthy):
    stack = healthy
    stack.s3.pause()
    try:
        # attempts (2) × (botocore's 1 s wait for `100 Continue` + the read timeout, 1 s): ~4.2 s
        _storage_down_answers(stack, first_within=5.0)
    finally:
        stack.s3.resume()
    _retry_works(stack)


def test_a_creative_image_whose_read_fails_half_way_is_503_not_a_cut_200(healthy):
    stack = healthy
    assert stack.asset().status == 200  # warm: the pooled S3 connection exists
    stack.proxy.hold(after=64 * 1024)  # the store answers, sends 64 KiB of the image, then stalls
    try:
        image = stack.asset()
    finally:
        stack.proxy.release()
    assert stack.seed["asset_size"] > 200 * 1024  # the stall really is half-way through
    assert image.status == 503 and image.seconds < 3.0, (image.status, image.seconds)
    assert image.response.headers["Retry-After"] == "5"
    stack.wait_ready(timeout=15)
    whole = stack.asset()
    assert whole.status == 200 and len(whole.response.content) == stack.seed["asset_size"]
