"""Several checkouts (and pytest-xdist workers) on one machine share its PostgreSQL and Redis: each run's test database
and Redis keys are its own, so one run never drops or reads another's."""

import hashlib

from django.conf import settings
from django.db import connection

from config.redis import get_redis, redis_key


def checkout_id() -> str:
    return hashlib.sha256(str(settings.BASE_DIR).encode()).hexdigest()[:8]


def test_the_test_database_is_named_after_this_checkout(db):
    assert checkout_id() in connection.settings_dict["NAME"]


def test_every_redis_key_of_the_run_carries_the_checkouts_prefix(settings):
    assert settings.REDIS_KEY_PREFIX.startswith(f"test-{checkout_id()}")
    assert redis_key("login-fail:ip:1.2.3.4") == f"{settings.REDIS_KEY_PREFIX}login-fail:ip:1.2.3.4"
    assert settings.CACHES["default"]["KEY_PREFIX"] == settings.REDIS_KEY_PREFIX


def test_a_key_written_through_redis_key_is_found_only_under_the_runs_prefix():
    client = get_redis()
    client.set(redis_key("isolation-probe"), 1, ex=60)
    try:
        assert client.exists(f"{settings.REDIS_KEY_PREFIX}isolation-probe")
        assert not client.exists("isolation-probe")
    finally:
        client.delete(redis_key("isolation-probe"))
