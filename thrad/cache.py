"""The Redis cache backend behind a breaker: a dead or hung Redis costs one short timeout, then
calls fail at once (`DependencyDown`) until the cooldown ends (see thrad/dependencies.py).

Timeouts come from the cache OPTIONS (`socket_connect_timeout`, `socket_timeout`, from
`REDIS_TIMEOUT`); callers turn the failure into their contract's answer (503, or no bid).
"""

from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

from thrad import dependencies

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


def _guarded(name: str) -> Callable[..., Any]:
    def call(self: "GuardedRedisCacheClient", *args: Any, **kwargs: Any) -> Any:
        breaker = dependencies.breaker("redis")
        breaker.before()
        try:
            result = getattr(RedisCacheClient, name)(self, *args, **kwargs)
        except dependencies.DOWN_ERRORS:
            breaker.failed()
            raise
        breaker.succeeded()
        return result

    call.__name__ = name
    return call


class GuardedRedisCacheClient(RedisCacheClient):
    pass


for _name in _OPERATIONS:
    setattr(GuardedRedisCacheClient, _name, _guarded(_name))


class GuardedRedisCache(RedisCache):
    @cached_property
    def _cache(self) -> GuardedRedisCacheClient:
        return GuardedRedisCacheClient(self._servers, **self._options)  # type: ignore[attr-defined]
