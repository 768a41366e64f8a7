"""PostgreSQL down (stopped, or paused with SIGSTOP so it hangs): /v1 and the Files API answer
503 within seconds, bid answers no bid at once, render answers 500 and charges nothing (it
cannot record the impression); afterwards the same bid renders and is charged once. A restart
costs no request an error: the connections kept from before it are replaced."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.faults.conftest import FAULT_SETTINGS

pytestmark = pytest.mark.faults

QUERY_DEADLINE = float(FAULT_SETTINGS["DATABASE_QUERY_TIMEOUT"])
DSP_DEADLINE = float(FAULT_SETTINGS["DSP_QUERY_TIMEOUT"])


@pytest.mark.parametrize("fault", ["stopped", "paused"])
def test_postgres_down_is_503_no_bid_or_500_and_nothing_is_charged(healthy, fault):
    stack = healthy
    won = stack.won_bid()
    spend = stack.spend()
    (stack.pg.stop if fault == "stopped" else stack.pg.pause)()
    try:
        slack = 1.5 if fault == "stopped" else QUERY_DEADLINE + 1.5
        # A call that needs the database (the account alone may be answered from the API key
        # a worker remembers, thrad/keycache.py: nothing to read then).
        for answer in (stack.v1("/v1/campaigns"), stack.upload_files(("a.txt", b"hello"))):
            assert answer.status == 503 and answer.seconds < slack, (answer.status, answer.seconds)
            assert answer.json()["error"]["code"] == "service_unavailable"
            assert answer.response.headers["Retry-After"] == "5"
        bid = stack.bid()
        assert bid.status == 204 and bid.seconds < DSP_DEADLINE + 1.0, (bid.status, bid.seconds)
        render = stack.render(won)
        assert render.status == 500 and render.seconds < DSP_DEADLINE + 1.0, (render.status, render.seconds)
        assert render.json() == {"error": "An unexpected error occurred."}
        ready = stack.readyz()
        assert ready.status == 503 and ready.seconds < 2.0
        assert "database" in ready.json()["failed"]
    finally:
        (stack.pg.start if fault == "stopped" else stack.pg.resume)()
    stack.wait_ready(timeout=20)
    assert stack.spend() == spend  # the failed render charged nothing
    assert stack.render(won).status == 200
    assert stack.render(won).status == 200
    assert stack.spend() == spend + 5000  # charged once, when it could be recorded
    assert stack.v1().status == 200


def test_a_restart_costs_no_request_an_error(healthy):
    """Connections kept from before a PostgreSQL restart (one per gunicorn thread that served a
    request) are found closed by the health check and replaced: the first requests afterwards,
    many at once so that many threads' kept connections are tried, all succeed."""
    stack = healthy

    def burst() -> list[int]:
        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(lambda _: stack.v1("/v1/campaigns").status, range(24)))

    assert burst() == [200] * 24  # threads now hold connections to the server about to restart
    stack.pg.stop()
    stack.pg.start()
    assert stack.sql("SELECT 1") == [(1,)]  # up again; no request has touched the web server since
    assert burst() == [200] * 24
    won = stack.won_bid()  # the DSP too: its prepared statement is planned anew on the new connection
    assert stack.render(won).status == 200
