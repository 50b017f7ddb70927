from functools import lru_cache

import redis
from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.sentinel import Sentinel


@lru_cache(maxsize=1)
def get_redis() -> redis.Redis:
    """One shared client (connection pool) for counters that must not be per-tenant cache keys: REDIS_URL's server,
    or the master the sentinels name (settings REDIS_SENTINELS), found again after a failover."""
    if settings.REDIS_SENTINELS:
        sentinel = Sentinel(
            settings.REDIS_SENTINELS,
            sentinel_kwargs=settings.REDIS_SENTINEL_KWARGS,
            socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
            **settings.REDIS_SENTINEL_CONNECTION,
        )
        return sentinel.master_for(settings.REDIS_SENTINEL_MASTER)
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT)


def redis_key(name: str) -> str:
    """The Redis key of `name`: prefixed so several deployments (or test runs) can share one Redis."""
    return settings.REDIS_KEY_PREFIX + name


class _SentinelCacheClient(RedisCacheClient):
    """Django's Redis cache client on `get_redis()`'s pool: Django's own takes a URL per server, which cannot say
    "ask the sentinels"."""

    def _get_connection_pool(self, write):
        return get_redis().connection_pool


class SentinelRedisCache(RedisCache):
    """The cache backend under Redis Sentinel (settings CACHES when REDIS_SENTINELS is set)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _SentinelCacheClient
