"""The fuzzed server's settings: the test settings, with each request's database connection closed when it ends.
Under ASGI every request's sync code runs on a thread of its own, and a connection kept for reuse stays open with
it; a fuzz's thousand requests would hold tens of them on a PostgreSQL that other test runs share."""

from config.test_settings import *  # noqa: F401,F403
from config.test_settings import DATABASES

DATABASES["default"]["CONN_MAX_AGE"] = 0
