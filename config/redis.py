from functools import lru_cache

import redis
from django.conf import settings


@lru_cache(maxsize=1)
def get_redis() -> redis.Redis:
    """One shared client (connection pool) for counters that must not be per-tenant cache keys."""
    return redis.Redis.from_url(settings.REDIS_URL)


def redis_key(name: str) -> str:
    """The Redis key of `name`: prefixed so several deployments (or test runs) can share one Redis."""
    return settings.REDIS_KEY_PREFIX + name
