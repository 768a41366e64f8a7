"""`thrad.cache.run_script`, the hot paths' Redis call (the bid cache, the rate limits), against a
private Redis of its own that the tests restart and pause: a restart costs no call an error, a
call that timed out never hands its late reply to the next one, a script error leaves the
connection usable."""

from collections.abc import Iterator

import pytest
import redis

from tests.support import private
from thrad.cache import run_script

ECHO = "return {KEYS[1], ARGV[1]}"
FAILS = "return redis.error_reply('no such thing')"


@pytest.fixture(scope="module")
def server() -> Iterator[private.PrivateRedis]:
    for attempt in range(40):
        port = 26500 + (private.checkout_offset("redis-scripts", 40) + attempt) % 40
        if private.port_free(port):
            break
    else:
        raise RuntimeError("no free port for the private Redis")
    instance = private.PrivateRedis(port)
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture
def client(server: private.PrivateRedis) -> Iterator[redis.Redis]:
    pool = redis.ConnectionPool.from_url(server.url, socket_connect_timeout=1, socket_timeout=0.5)
    yield redis.Redis(connection_pool=pool)
    pool.disconnect()


def test_the_first_call_after_a_restart_answers(server, client):
    script = client.register_script(ECHO)
    assert run_script(client, script, ["k"], ["before"]) == [b"k", b"before"]
    server.stop()  # the pooled connection is now dead and the server forgets the script
    server.start()
    assert run_script(client, script, ["k"], ["after"]) == [b"k", b"after"]


def test_a_call_that_timed_out_never_answers_the_next_one(server, client):
    script = client.register_script(ECHO)
    run_script(client, script, ["k"], ["warm"])
    server.pause()
    try:
        with pytest.raises(redis.exceptions.TimeoutError):
            run_script(client, script, ["k"], ["late"])
    finally:
        server.resume()  # the server now answers "late" on the connection that timed out
    for n in range(5):
        assert run_script(client, script, ["k"], [f"next {n}"]) == [b"k", f"next {n}".encode()]


def test_a_script_error_is_raised_and_the_connection_stays_usable(client):
    failing, echo = client.register_script(FAILS), client.register_script(ECHO)
    with pytest.raises(redis.exceptions.ResponseError, match="no such thing"):
        run_script(client, failing, [], [])
    assert run_script(client, echo, ["k"], ["fine"]) == [b"k", b"fine"]
    assert len(client.connection_pool._available_connections) == 1  # the same connection, reused
