"""The Redis cache backend: one Redis client per process, behind a breaker.

One client: Django's `RedisCache` builds a new `redis.Redis` object on every cache call (its
client's `get_client` does), and keeps one connection pool per cache object, that is per
thread. Here every caller in a process shares one client over one connection pool per (URL,
options): the cache backend below, `thrad.ratelimit` and anything that needs raw Redis
(`shared_client()`). redis-py's pool is thread-safe and starts afresh in a forked child, so the
one client serves gunicorn's threads and workers alike.

The breaker: a dead or hung Redis costs one short timeout, then calls fail at once
(`DependencyDown`) until the cooldown ends (see thrad/dependencies.py). Timeouts come from the
cache OPTIONS (`socket_connect_timeout`, `socket_timeout`, from `REDIS_TIMEOUT`); callers turn
the failure into their contract's answer (503, or no bid).

Settings: `"BACKEND": "thrad.cache.GuardedRedisCache"` with Django's LOCATION and OPTIONS.
"""

import os
import threading
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

from thrad import dependencies

# OPTIONS that configure Django's cache client itself, not the Redis connections.
_CLIENT_OPTIONS = frozenset({"serializer", "pool_class", "parser_class"})

_lock = threading.Lock()
_clients: dict[tuple[str, tuple[tuple[str, Any], ...]], redis.Redis] = {}
_scripts: dict[int, Any] = {}  # id(shared client) -> its registered script (clients live forever)


def shared_client(url: str, **options: Any) -> redis.Redis:
    """The process's client for `url` with these connection options (created once)."""
    key = (url, tuple(sorted(options.items())))
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = redis.Redis(connection_pool=redis.ConnectionPool.from_url(url, **options))
                _clients[key] = client
    return client


def connection_options() -> dict[str, Any]:
    """The default cache's Redis connection options (its socket timeouts and the like)."""
    options: dict[str, Any] = settings.CACHES["default"].get("OPTIONS", {})  # type: ignore[assignment]
    return {name: value for name, value in options.items() if name not in _CLIENT_OPTIONS}


def default_client() -> redis.Redis:
    """The shared client for REDIS_URL with the default cache's options."""
    return shared_client(settings.REDIS_URL, **connection_options())


class PooledRedisCacheClient(RedisCacheClient):
    """Django's cache client, but every call goes through the process's one client per server."""

    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._connection_options = {k: v for k, v in options.items() if k not in _CLIENT_OPTIONS}
        self._by_index: dict[int, redis.Redis] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> redis.Redis:
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._by_index.get(index)
        if client is None:
            url = self._servers[index]  # type: ignore[attr-defined]
            client = self._by_index[index] = shared_client(url, **self._connection_options)
        return client


_OPERATIONS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)


def guarded(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`call(*args, **kwargs)` behind the "redis" breaker."""
    breaker = dependencies.breaker("redis")
    breaker.before()
    try:
        result = call(*args, **kwargs)
    except dependencies.DOWN_ERRORS:
        breaker.failed()
        raise
    breaker.succeeded()
    return result


def _guarded(name: str) -> Callable[..., Any]:
    def call(self: "GuardedRedisCacheClient", *args: Any, **kwargs: Any) -> Any:
        return guarded(getattr(RedisCacheClient, name), self, *args, **kwargs)

    call.__name__ = name
    return call


class GuardedRedisCacheClient(PooledRedisCacheClient):
    def get(self, key: Any, default: Any) -> Any:
        """Django's `get` (the hot one: render's bid, the index version) through `run_command`."""
        raw = guarded(run_command, self.get_client(key), "GET", key)
        return default if raw is None else self._serializer.loads(raw)  # type: ignore[attr-defined]


for _name in _OPERATIONS:
    if _name not in GuardedRedisCacheClient.__dict__:
        setattr(GuardedRedisCacheClient, _name, _guarded(_name))


class GuardedRedisCache(RedisCache):
    @cached_property
    def _cache(self) -> GuardedRedisCacheClient:
        return GuardedRedisCacheClient(self._servers, **self._options)  # type: ignore[attr-defined]

    def set_then_get(self, key: str, value: Any, timeout: int | None, other: str) -> Any:
        """See `set_then_get()` below."""
        key, other = self.make_and_validate_key(key), self.make_and_validate_key(other)
        client = self._cache.get_client(key, write=True)
        script = _scripts.get(id(client))
        if script is None:
            script = _scripts[id(client)] = client.register_script(_SET_THEN_GET)
        serializer = self._cache._serializer  # type: ignore[attr-defined]
        seconds = self.get_backend_timeout(timeout)
        args = [serializer.dumps(value), -1 if seconds is None else seconds]
        raw = guarded(run_script, client, script, [key, other], args)
        return None if raw is None else serializer.loads(raw)


# The hot paths' own idle connections, per pool (pools live as long as their clients: forever),
# handed out without the pool's lock, observability records and events. A forked child starts
# with none (its parent's sockets are not its own).
_idle: dict[int, list[redis.Connection]] = {}
os.register_at_fork(after_in_child=_idle.clear)


def run_command(client: redis.Redis, *args: Any) -> Any:
    """One command on a connection of `client`'s kind, without redis-py's per-command layers.

    redis-py's `execute_command` wraps each command in a retry loop, observability records and
    an event dispatch, and its pool adds a lock, four more records and an event to lend the
    connection: together about 60 µs of CPU on a 30-50 µs round trip. Here connections wait in
    a list of this process (one per thread that used one at the same time), and a connection
    still reconnects when the server closed it (its socket reads as ready), still applies its
    socket timeouts and its parser. A failed command drops its connection, never retries: the
    caller's breaker decides.
    """
    pool = client.connection_pool
    idle = _idle.get(id(pool))
    if idle is None:
        idle = _idle.setdefault(id(pool), [])
    try:
        connection = idle.pop()  # atomic under the GIL
    except IndexError:
        connection = pool.connection_class(**pool.connection_kwargs)
    try:
        try:
            if connection._sock is not None and connection.can_read():  # closed by the server
                connection.disconnect()
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
            connection.disconnect()
        if connection._sock is None:
            connection.connect()
        connection.send_command(*args)
        return connection.read_response()
    except redis.exceptions.ResponseError:
        raise  # the reply was read whole: the connection is fine
    except BaseException:
        connection.disconnect()  # a half-read reply must never reach the next command
        raise
    finally:
        idle.append(connection)  # a dropped one connects again when next used


def run_script(client: redis.Redis, script: Any, keys: list[Any], args: list[Any]) -> Any:
    """`script(keys=keys, args=args)` (a registered script) as one EVALSHA through `run_command`:
    a hot path's script costs about half the CPU. A server that does not know the script yet
    (restarted, flushed) gets it through the script object, which loads it."""
    try:
        return run_command(client, "EVALSHA", script.sha, len(keys), *keys, *args)
    except redis.exceptions.NoScriptError:
        return script(keys=keys, args=args)


# ARGV[2]: seconds to keep, -1 for no expiry, 0 to delete (as Django's set() with timeout 0).
_SET_THEN_GET = """
local ttl = tonumber(ARGV[2])
if ttl > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
elseif ttl < 0 then
  redis.call('SET', KEYS[1], ARGV[1])
else
  redis.call('DEL', KEYS[1])
end
return redis.call('GET', KEYS[2])
"""


def set_then_get(key: str, value: Any, timeout: int | None, other: str) -> Any:
    """`cache.set(key, value, timeout)` then `cache.get(other)` on the default cache: one round
    trip (one script) on Redis, two calls on any other backend. Keys, versions and the stored
    form are the cache's own, so either key reads back through `cache.get` as usual."""
    backend = caches["default"]
    if not isinstance(backend, GuardedRedisCache):
        backend.set(key, value, timeout)
        return backend.get(other)
    return backend.set_then_get(key, value, timeout, other)
