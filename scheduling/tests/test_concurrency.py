"""Acceptance: two concurrent bookings of one slot, on two connections: exactly one succeeds."""

import threading

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from scheduling.models import Appointment
from scheduling.services import appointments
from tenants.models import Tenant

from .conftest import at, make_calendar, next_weekday


@pytest.mark.slow
def test_two_concurrent_bookings_of_one_slot_exactly_one_succeeds(committed_db):
    acme = Tenant.objects.get(slug="acme")
    with tenant_context(acme):
        calendar = make_calendar()
    monday = next_weekday(0)
    barrier = threading.Barrier(2)
    outcomes = []

    def book(name):
        try:
            with tenant_context(acme):
                barrier.wait(timeout=5)
                appointments.book(calendar, start=at(monday, 10), title=f"Cleaning for {name}", within_hours=True)
            outcomes.append("booked")
        except appointments.SlotTaken:
            outcomes.append("slot_taken")
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(name,)) for name in ("Ann", "Bea")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(outcomes) == ["booked", "slot_taken"]
    with tenant_context(acme):
        assert Appointment.objects.filter(start=at(monday, 10)).count() == 1
