"""Redis down (stopped or paused): it is the cache, the rate-limit store, the Celery broker and
the result backend of the stack. /v1 and the Files API answer 503 within a second, bid answers
no bid at once, a bid won before renders from the database, and all of it recovers without a
restart; the Celery worker survives a Redis restart while it holds a task."""

import time

import pytest

from tests.faults.conftest import Stack
from tests.uploads.upload_helpers import image_bytes, image_host, serve

pytestmark = pytest.mark.faults


def _down_answers(stack: Stack, won: str, spend_before: int) -> None:
    bid = stack.bid()
    assert bid.status == 204 and bid.seconds < 1.0, (bid.status, bid.seconds)
    render = stack.render(won)
    assert render.status == 200 and render.seconds < 2.0, (render.status, render.seconds)
    assert stack.spend() == spend_before + 5000  # rendered from the database, charged once
    for answer in (stack.v1(), stack.upload_files(("a.txt", b"hello"))):
        assert answer.status == 503 and answer.seconds < 1.5, (answer.status, answer.seconds)
        assert answer.json()["error"]["code"] == "service_unavailable"
        assert answer.response.headers["Retry-After"] == "5"
    ready = stack.readyz()
    assert ready.status == 503 and ready.seconds < 2.0
    assert {"cache", "broker", "worker"} <= set(ready.json()["failed"])


def _recovered(stack: Stack, won: str, spend_after: int) -> None:
    deadline = time.monotonic() + 15
    while stack.v1().status != 200:
        assert time.monotonic() < deadline, "/v1 did not recover"
        time.sleep(0.2)
    assert stack.bid().status == 200
    assert stack.render(won).status == 200  # the same bid again: idempotent, not charged twice
    assert stack.spend() == spend_after
    stack.wait_ready(timeout=20)  # the worker reconnected and beats again


@pytest.mark.parametrize("fault", ["stopped", "paused"])
def test_redis_down_is_503_or_no_bid_fast_and_recovers_without_a_restart(healthy, fault):
    stack = healthy
    won = stack.won_bid()
    spend = stack.spend()
    web_worker, celery_worker = stack.web_worker_pid(), stack.worker.pid
    used = stack.usage()
    (stack.redis.stop if fault == "stopped" else stack.redis.pause)()
    try:
        _down_answers(stack, won, spend)
    finally:
        (stack.redis.start if fault == "stopped" else stack.redis.resume)()
    _recovered(stack, won, spend + 5000)
    assert stack.web_worker_pid() == web_worker and stack.worker.poll() is None and stack.worker.pid == celery_worker
    assert stack.usage() == used  # nothing charged by the refused uploads


def test_the_worker_survives_a_redis_restart_while_it_holds_a_task(healthy):
    stack = healthy
    png = image_bytes("PNG", (40, 30))

    def slow(handler) -> None:
        time.sleep(1.5)  # under UPLOAD_FETCH_READ_TIMEOUT (2 s): only the broker restart interferes
        serve(png)(handler)

    with image_host({"/slow.png": slow, "/fast.png": serve(png)}) as host:
        import threading

        first: list = []
        thread = threading.Thread(target=lambda: first.append(stack.upload_url(host.url("/slow.png"))))
        thread.start()
        deadline = time.monotonic() + 10
        while not host.requests:  # the worker is inside the task, its message unacknowledged
            assert time.monotonic() < deadline, "the fetch task never started"
            time.sleep(0.05)
        stack.redis.stop()
        time.sleep(0.5)
        stack.redis.start()
        thread.join(timeout=30)
        assert first and first[0].status in (201, 503), first[
            0
        ].response.text  # the waiting upload: stored, or our fault
        assert stack.worker.poll() is None, "the Celery worker exited"
        stack.wait_ready(timeout=30)  # it reconnected and consumes again
        again = stack.upload_url(host.url("/fast.png"))
    assert again.status == 201, again.response.text if again.response is not None else again.error
    assert stack.worker.poll() is None
