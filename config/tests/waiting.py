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


def sessions_waiting_for_a_lock(cursor) -> int:
    """How many database sessions wait for a lock another holds: a test holding a lock sees its racers arrive."""
    # pg_locks, not pg_stat_activity: the latter is a snapshot taken once per transaction.
    cursor.execute("SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted")
    return cursor.fetchone()[0]
