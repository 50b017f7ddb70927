"""What a tenant uses right now against its plan (lines in use, minutes this month), counted by the app that owns
calls. That app registers its counters at start-up (calls/apps.py), so billing reads them without importing it."""

from collections.abc import Callable

_counters: dict[str, Callable[[], float]] = {}


def register_counters(*, lines_in_use: Callable[[], int], minutes_used_this_month: Callable[[], float]) -> None:
    _counters.update(lines_in_use=lines_in_use, minutes_used_this_month=minutes_used_this_month)


def lines_in_use() -> int:
    """Calls on the line now in the current tenant (real calls, not the sandbox)."""
    return _counters["lines_in_use"]()


def minutes_used_this_month() -> float:
    """Call minutes of the current tenant this calendar month, as the minute checks count them."""
    return _counters["minutes_used_this_month"]()
