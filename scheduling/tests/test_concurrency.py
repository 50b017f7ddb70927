"""Acceptance: two concurrent bookings of one slot, on two connections: exactly one succeeds, the other
gets the 409 `slot_taken` (never a deadlock).

The interleaving that used to deadlock (both transactions inserting at once) is forced: the test holds the
calendar's row (FOR SHARE) until both bookings are waiting for it, past their availability checks, then lets go."""

import threading
import time

import pytest
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from config.tests.waiting import sessions_waiting_for_a_lock
from scheduling.models import Appointment, Calendar
from scheduling.services import appointments
from tenants.models import Tenant

from .conftest import at, make_calendar, next_weekday


@pytest.mark.slow
def test_two_concurrent_bookings_of_one_slot_exactly_one_succeeds(committed_db):
    acme = Tenant.objects.get(slug="acme")
    with tenant_context(acme):
        calendar = make_calendar()
    monday = next_weekday(0)
    outcomes = []

    def book(name):
        try:
            with tenant_context(acme):
                appointments.book(calendar, start=at(monday, 10), title=f"Cleaning for {name}", within_hours=True)
            outcomes.append("booked")
        except appointments.SlotTaken:
            outcomes.append("slot_taken")
        except Exception as exc:  # recorded, so the assertion below shows what went wrong
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(name,)) for name in ("Ann", "Bea")]
    with tenant_context(acme), transaction.atomic(), connection.cursor() as cursor:
        # FOR SHARE holds back the bookings' calendar lock but not the foreign-key checks of their inserts: without
        # that lock the two inserts would race each other here, as they did when the loser got a deadlock.
        cursor.execute(f"SELECT 1 FROM {Calendar._meta.db_table} WHERE id = %s FOR SHARE", [calendar.pk])
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while sessions_waiting_for_a_lock(cursor) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sessions_waiting_for_a_lock(cursor) == 2, "both bookings should wait for the calendar's lock"
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(outcomes) == ["booked", "slot_taken"]
    with tenant_context(acme):
        assert Appointment.objects.filter(start=at(monday, 10)).count() == 1
