"""The cache (Redis) holds nothing the platform cannot do without: request rates and sign-in
attempt counts. So a Redis outage must not take pages and sign-in down with it: this backend
answers as an empty cache when Redis cannot be reached (a read finds nothing, a write is
dropped), and logs it. The limits it counts are off for the minutes of the outage; everything
else keeps working."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _empty_when_unreachable(fallback: Callable[..., Any]):
    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except (RedisError, OSError) as exc:
                logger.warning(
                    "The cache is unreachable (%s): %s answered empty.", exc, method.__name__
                )
                return fallback(*args, **kwargs)

        return wrapper

    return decorate


class FailOpenRedisCacheClient(RedisCacheClient):
    add = _empty_when_unreachable(lambda key, value, timeout: True)(RedisCacheClient.add)
    get = _empty_when_unreachable(lambda key, default: default)(RedisCacheClient.get)
    set = _empty_when_unreachable(lambda key, value, timeout: None)(RedisCacheClient.set)
    touch = _empty_when_unreachable(lambda key, timeout: False)(RedisCacheClient.touch)
    delete = _empty_when_unreachable(lambda key: False)(RedisCacheClient.delete)
    get_many = _empty_when_unreachable(lambda keys: {})(RedisCacheClient.get_many)
    has_key = _empty_when_unreachable(lambda key: False)(RedisCacheClient.has_key)
    incr = _empty_when_unreachable(lambda key, delta: delta)(RedisCacheClient.incr)
    set_many = _empty_when_unreachable(lambda data, timeout: [])(RedisCacheClient.set_many)
    delete_many = _empty_when_unreachable(lambda keys: None)(RedisCacheClient.delete_many)
    clear = _empty_when_unreachable(lambda: False)(RedisCacheClient.clear)


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache, answering as an empty cache while Redis is unreachable."""

    def __init__(self, server: str, params: dict) -> None:
        super().__init__(server, params)
        self._class = FailOpenRedisCacheClient
