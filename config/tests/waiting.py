"""Waiting in a test for what another thread or process (a real Celery worker, a server) does."""

import time


def wait_until(condition, timeout=15.0) -> bool:
    """Whether `condition()` came true within `timeout` seconds, checked every 50 ms."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False
