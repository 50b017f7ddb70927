"""Request rate limits in Redis, shared by every process and host.

A sliding window per rule (e.g. 60 per minute and 1,000 per hour): the count of the current fixed window plus the
previous window's count weighted by how much of it still overlaps the sliding window. Two small counters per rule and
caller, and one Redis round trip per request (a Lua script checks every rule and counts the request only if all allow
it), whatever the number of requests.

`RateLimitMiddleware` applies `RATE_LIMITS["api"]` to every `/api/` request except `RATELIMIT_EXEMPT_PATHS` (provider
webhooks), per API key, else per logged-in user, else per client IP (`config.proxies.client_ip`); the plan of the
caller's tenant may set its own limits (`RATELIMIT_PLAN_LIMITS`). Stricter limits on doors anyone can knock at
(sign-up, password reset) use `throttle`. If Redis fails, requests are let through and a warning is logged (at most
once a minute): a broken Redis must not take the API down with it.
"""

import logging
import math
import time
from dataclasses import dataclass
from functools import lru_cache

import redis
from django.conf import settings
from django.utils.module_loading import import_string

from config import metrics
from config.api.errors import error_response
from config.errors import TooManyRequests
from config.proxies import client_ip
from config.redis import get_redis, redis_key

logger = logging.getLogger(__name__)

HEADER_LIMIT, HEADER_REMAINING, HEADER_RESET = "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"

# KEYS: per rule, the current then the previous window's counter. ARGV: now, then per rule its limit and seconds.
# Returns 1 or 0 (allowed), then per rule the previous and current counts (this request included when allowed).
_SCRIPT = """
local now = tonumber(ARGV[1])
local rules = (#ARGV - 1) / 2
local counts = {}
local allowed = 1
for i = 1, rules do
  local limit, seconds = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local current = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  local previous = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  if previous * (seconds - now % seconds) / seconds + current + 1 > limit then
    allowed = 0
  end
  counts[i] = {previous, current}
end
local result = {allowed}
for i = 1, rules do
  if allowed == 1 then
    counts[i][2] = redis.call('INCR', KEYS[2 * i - 1])
    if counts[i][2] == 1 then
      redis.call('EXPIRE', KEYS[2 * i - 1], 2 * tonumber(ARGV[2 * i + 1]))
    end
  end
  result[#result + 1] = counts[i][1]
  result[#result + 1] = counts[i][2]
end
return result
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int  # of the tightest rule
    remaining: int
    reset: int  # seconds until the tightest rule's current window ends
    retry_after: int  # seconds until a refused request would be allowed; 0 when allowed


class RateLimited(TooManyRequests):
    error_code = "rate_limited"

    def __init__(self, decision: Decision, detail="Too many requests; slow down."):
        super().__init__(
            f"{detail} Try again in {decision.retry_after} seconds.",
            retry_after_seconds=decision.retry_after,
            limit=decision.limit,
            remaining=decision.remaining,
            reset_seconds=decision.reset,
        )


def _wait(limit, seconds, elapsed, previous, current) -> float:
    """How long until one more request fits under `limit`, given the counts of the previous and current windows."""
    if current + 1 <= limit:
        if previous == 0:
            return 0.0
        # Within this window, as the previous window's weight decays.
        return max(0.0, seconds - elapsed - (limit - current - 1) * seconds / previous)
    # Only once this window has become the previous one and decayed enough.
    return (seconds - elapsed) + seconds * (1 - (limit - 1) / current)


class RateLimiter:
    """`hit(name, identity, rules)` counts one request of `identity` against `rules`, [(limit, seconds), ...]. The
    clock and the Redis client are attributes so tests can move time instead of waiting for it."""

    def __init__(self, clock=time.time, client=get_redis):
        self.clock = clock
        self.client = client
        self._script = None
        self._script_client = None

    def _run(self, keys, args):
        client = self.client()
        if self._script is None or self._script_client is not client:
            self._script, self._script_client = client.register_script(_SCRIPT), client
        return self._script(keys=keys, args=args)

    def hit(self, name: str, identity: str, rules) -> Decision:
        now = self.clock()
        keys, args = [], [now]
        for limit, seconds in rules:
            window = int(now // seconds)
            base = f"rl:{name}:{identity}:{seconds}:"
            keys += [redis_key(f"{base}{window}"), redis_key(f"{base}{window - 1}")]
            args += [limit, seconds]
        result = self._run(keys, args)
        allowed = bool(result[0])
        tightest, waits = None, []
        for index, (limit, seconds) in enumerate(rules):
            previous, current = int(result[1 + 2 * index]), int(result[2 + 2 * index])
            elapsed = now % seconds
            estimate = previous * (seconds - elapsed) / seconds + current
            remaining = max(0, math.floor(limit - estimate))
            if tightest is None or remaining < tightest[1]:
                tightest = (limit, remaining, math.ceil(seconds - elapsed))
            if not allowed:
                # The refused request was not counted: wait until it fits.
                waits.append(_wait(limit, seconds, elapsed, previous, current))
        retry_after = max(1, math.ceil(max(waits))) if waits else 0
        return Decision(allowed, *tightest, retry_after)


limiter = RateLimiter()
_last_warning = [0.0]


def _redis_failed(name, exc):
    now = time.monotonic()
    if now - _last_warning[0] > 60:
        _last_warning[0] = now
        logger.warning("Rate limit %r not applied: Redis failed (%s); letting requests through.", name, exc)


def check(name: str, identity: str, rules) -> Decision | None:
    """The decision for one more request, or None when Redis cannot tell (the request is let through)."""
    try:
        decision = limiter.hit(name, identity, rules)
    except redis.RedisError as exc:
        _redis_failed(name, exc)
        return None
    if not decision.allowed:
        metrics.RATE_LIMIT_HITS.labels(name).inc()
    return decision


def throttle(name: str, identity: str, detail: str = "Too many requests; slow down.") -> None:
    """Raises `RateLimited` (429) when `identity` went over `RATE_LIMITS[name]`."""
    decision = check(name, identity, settings.RATE_LIMITS[name])
    if decision is not None and not decision.allowed:
        raise RateLimited(decision, detail)


def headers_of(decision: Decision) -> dict:
    return {
        HEADER_LIMIT: str(decision.limit),
        HEADER_REMAINING: str(decision.remaining),
        HEADER_RESET: str(decision.reset),
    }


@lru_cache(maxsize=8)
def _hook(path: str):
    """A function another app registers through a setting (config imports no app above it)."""
    return import_string(path)


_plan_limits_cache: dict = {}


def forget_plan_limits():
    """Drops this process's copy of the plans' limits (tests, whose plans roll back with them)."""
    _plan_limits_cache.clear()


def _rules_for(tenant):
    """The platform's API rules, with the windows the tenant's plan sets replaced. Plans are read at most every
    `RATELIMIT_PLAN_CACHE_SECONDS` per process: not a database query per request."""
    rules = settings.RATE_LIMITS["api"]
    if tenant is None:
        return rules
    now = time.monotonic()
    cached = _plan_limits_cache.get(tenant.pk)
    if cached is None or now - cached[0] >= settings.RATELIMIT_PLAN_CACHE_SECONDS:
        cached = (now, _hook(settings.RATELIMIT_PLAN_LIMITS)(tenant))
        _plan_limits_cache[tenant.pk] = cached
    overrides = cached[1]
    return [(overrides.get(seconds, limit), seconds) for limit, seconds in rules]


def _is_limited(path: str) -> bool:
    return path.startswith("/api/") and not path.startswith(tuple(settings.RATELIMIT_EXEMPT_PATHS))


class RateLimitMiddleware:
    """After tenant resolution (a caller's plan depends on its tenant), before any view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.RATELIMIT_ENABLED or not _is_limited(request.path):
            return self.get_response(request)
        caller = _hook(settings.RATELIMIT_CALLER)(request)
        if caller is None:
            identity, tenant = f"ip:{client_ip(request)}", None
        else:
            identity, tenant = caller
        decision = check("api", identity, _rules_for(tenant))
        if decision is None:
            return self.get_response(request)
        if decision.allowed:
            response = self.get_response(request)
        else:
            response = error_response(
                request,
                429,
                f"Too many requests; try again in {decision.retry_after} seconds.",
                "rate_limited",
                headers={"Retry-After": str(decision.retry_after)},
            )
        for name, value in headers_of(decision).items():
            response.headers.setdefault(name, value)  # a stricter limit's own (sign-up, reset) tells more
        return response
