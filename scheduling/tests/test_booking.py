"""Booking rules: no overlap on one calendar (a database constraint), agent bookings only in free slots."""

from datetime import timedelta

import pytest
from django_tenants.utils import tenant_context

from config.api.errors import status_of
from config.errors import DomainError
from scheduling.models import Appointment
from scheduling.services import appointments

from .conftest import at

pytestmark = pytest.mark.django_db


def test_an_overlapping_booking_is_refused_as_slot_taken(acme, calendar, monday):
    with tenant_context(acme):
        appointments.book(calendar, start=at(monday, 10), title="Cleaning")
        with pytest.raises(appointments.SlotTaken) as refused:
            appointments.book(calendar, start=at(monday, 10, 15), end=at(monday, 10, 45), title="Filling")
        assert status_of(refused.value) == 409 and "start" in refused.value.errors
        assert Appointment.objects.count() == 1


def test_back_to_back_bookings_are_fine(acme, calendar, monday):
    with tenant_context(acme):
        appointments.book(calendar, start=at(monday, 10), title="Cleaning")
        appointments.book(calendar, start=at(monday, 10, 30), title="Filling")
        assert Appointment.objects.count() == 2


def test_buffers_keep_bookings_apart(acme, calendar, monday):
    with tenant_context(acme):
        calendar.buffer_after_minutes = 10
        calendar.save()
        appointments.book(calendar, start=at(monday, 10), title="Cleaning")
        with pytest.raises(appointments.SlotTaken):
            appointments.book(calendar, start=at(monday, 10, 30), title="Filling")


def test_the_database_refuses_an_overlap_even_without_the_service(acme, calendar, monday):
    from django.db import IntegrityError, transaction

    with tenant_context(acme):
        first = appointments.book(calendar, start=at(monday, 10), title="Cleaning")
        with pytest.raises(IntegrityError), transaction.atomic():
            Appointment.objects.create(
                calendar=calendar, title="Sneaky", start=first.start, end=first.end, blocked=first.blocked
            )


def test_a_booking_that_ends_before_it_starts_is_refused_naming_end(acme, calendar, monday):
    with tenant_context(acme), pytest.raises(DomainError) as refused:
        appointments.book(calendar, start=at(monday, 10), end=at(monday, 9), title="Backwards")
    assert "end" in refused.value.errors


def test_an_agent_booking_outside_business_hours_is_refused(acme, calendar, monday):
    with tenant_context(acme), pytest.raises(appointments.SlotUnavailable):
        appointments.book(calendar, start=at(monday, 14), title="Afternoon", within_hours=True)


def test_an_agent_booking_in_a_free_slot_succeeds(acme, calendar, monday):
    with tenant_context(acme):
        appointment = appointments.book(calendar, start=at(monday, 9, 30), title="Check-up", within_hours=True)
        assert appointment.end - appointment.start == timedelta(minutes=30)
        assert appointment.status == Appointment.Status.SCHEDULED


def test_rescheduling_keeps_the_length_and_frees_the_old_time(acme, calendar, monday):
    with tenant_context(acme):
        appointment = appointments.book(calendar, start=at(monday, 10), end=at(monday, 11), title="Long")
        appointments.reschedule(appointment, start=at(monday, 11))
        appointment.refresh_from_db()
        assert (appointment.start, appointment.end) == (at(monday, 11), at(monday, 12))
        appointments.book(calendar, start=at(monday, 10), title="Now free")


def test_rescheduling_onto_a_booked_time_is_refused_and_changes_nothing(acme, calendar, monday):
    with tenant_context(acme):
        appointments.book(calendar, start=at(monday, 10), title="Taken")
        moving = appointments.book(calendar, start=at(monday, 11), title="Moving")
        with pytest.raises(appointments.SlotTaken):
            appointments.reschedule(moving, start=at(monday, 10))
        moving.refresh_from_db()
        assert moving.start == at(monday, 11)


def test_a_cancelled_appointment_cannot_be_changed(acme, calendar, monday):
    with tenant_context(acme):
        appointment = appointments.book(calendar, start=at(monday, 10), title="Cleaning")
        appointments.cancel(appointment)
        with pytest.raises(DomainError) as refused:
            appointments.update(appointment, title="Back again")
        assert refused.value.error_code == "appointment_cancelled"
