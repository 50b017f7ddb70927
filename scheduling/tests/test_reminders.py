"""Reminders by e-mail and SMS (Twilio) before appointments: planned on booking, re-planned on changes, sent once."""

import threading
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from calls.tests.factories import ACCOUNT_SID, API_PREFIX, PhoneNumberFactory, TwilioAccountFactory, twilio_api  # noqa: F401
from scheduling.models import Reminder
from scheduling.services import appointments, reminders
from scheduling.tasks import send_due_reminders
from tenants.models import Tenant

from .conftest import at, make_calendar, next_weekday
from .fakes import twilio_message

MESSAGES = f"{API_PREFIX}/Messages.json"


def book(calendar, monday, **contact):
    contact = contact or {"contact_email": "ann@example.com", "contact_phone": "+15550123"}
    return appointments.book(calendar, start=at(monday, 10), title="Cleaning", contact_name="Ann Lee", **contact)


@pytest.mark.django_db
def test_booking_plans_a_reminder_per_channel_and_lead_time(acme, calendar, monday):
    with tenant_context(acme):
        appointment = book(calendar, monday)
        planned = sorted((r.channel, appointment.start - r.send_at) for r in appointment.reminders.all())
    assert planned == [
        ("email", timedelta(hours=1)),
        ("email", timedelta(days=1)),
        ("sms", timedelta(hours=1)),
        ("sms", timedelta(days=1)),
    ]


@pytest.mark.django_db
def test_only_channels_the_contact_can_be_reached_on_are_planned(acme, calendar, monday):
    with tenant_context(acme):
        appointment = book(calendar, monday, contact_phone="+15550123")
        assert set(appointment.reminders.values_list("channel", flat=True)) == {"sms"}


@pytest.mark.django_db
def test_reminders_whose_time_has_passed_are_not_planned(acme, calendar):
    soon = timezone.now() + timedelta(hours=3)
    with tenant_context(acme):
        appointment = appointments.book(calendar, start=soon, title="Soon", contact_email="ann@example.com")
        assert [appointment.start - r.send_at for r in appointment.reminders.all()] == [timedelta(hours=1)]


@pytest.mark.django_db
def test_rescheduling_moves_the_reminders_and_cancelling_drops_them(acme, calendar, monday):
    with tenant_context(acme):
        appointment = book(calendar, monday)
        appointments.reschedule(appointment, start=at(monday, 11))
        assert {r.send_at for r in appointment.reminders.all()} == {at(monday, 10), at(monday, 11) - timedelta(days=1)}
        appointments.cancel(appointment)
        assert not appointment.reminders.exists()


@pytest.mark.django_db
def test_a_due_email_reminder_is_sent_once(acme, calendar, monday):
    with tenant_context(acme):
        book(calendar, monday, contact_email="ann@example.com")
        now = at(monday, 9, 5)
        assert reminders.send_due(now=now) == 2
        assert reminders.send_due(now=now) == 0
        assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}
    assert len(mail.outbox) == 2 and mail.outbox[0].to == ["ann@example.com"]
    assert (
        mail.outbox[0].body == f"Reminder: Cleaning with Acme Dental on {monday:%A}, {monday:%B} {monday.day} at 10 am."
    )


@pytest.mark.django_db
def test_reminders_not_yet_due_wait(acme, calendar, monday):
    with tenant_context(acme):
        book(calendar, monday, contact_email="ann@example.com")
        assert reminders.send_due(now=at(monday, 9) - timedelta(days=2)) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_due_sms_reminder_goes_through_the_tenants_twilio_account(acme, calendar, monday, twilio_api):  # noqa: F811
    with tenant_context(acme):
        TwilioAccountFactory()
        sender = PhoneNumberFactory(number="+14155550100")
        twilio_api.add(
            "POST",
            MESSAGES,
            status=201,
            json=twilio_message(to="+15550123", from_=sender.number, body="…", account_sid=ACCOUNT_SID),
        )
        book(calendar, monday, contact_phone="+15550123")
        assert reminders.send_due(now=at(monday, 9, 5)) == 2
    [first, _] = twilio_api.requests_to("POST", MESSAGES)
    form = {key: values[0] for key, values in parse_qs(first.body.decode()).items()}
    assert (form["To"], form["From"]) == ("+15550123", "+14155550100")
    assert form["Body"].startswith("Reminder: Cleaning with Acme Dental on ")


@pytest.mark.django_db
def test_an_sms_reminder_without_twilio_fails_on_its_own_and_email_still_goes(acme, calendar, monday):
    with tenant_context(acme):
        book(calendar, monday)
        assert reminders.send_due(now=at(monday, 9, 5)) == 2
        failed = Reminder.objects.filter(status="failed")
        assert set(failed.values_list("channel", flat=True)) == {"sms"}
        assert "No Twilio account" in failed.first().error
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_the_beat_task_sends_in_the_tenant_it_runs_for(acme, globex, calendar, monday):
    with tenant_context(acme):
        appointment = appointments.book(
            calendar, start=timezone.now() + timedelta(minutes=90), title="Soon", contact_email="ann@example.com"
        )
        Reminder.objects.filter(appointment=appointment).update(send_at=timezone.now() - timedelta(minutes=1))
    with tenant_context(globex):
        assert send_due_reminders.apply().result == {"schema": "t_globex", "sent": 0}
    with tenant_context(acme):
        assert send_due_reminders.apply().result == {"schema": "t_acme", "sent": 1}


@pytest.mark.slow
def test_two_overlapping_runs_send_each_reminder_once(committed_db):
    acme = Tenant.objects.get(slug="acme")
    monday = next_weekday(0)
    with tenant_context(acme):
        book(make_calendar(), monday, contact_email="ann@example.com")
    barrier = threading.Barrier(2)
    sent = []

    def run():
        try:
            with tenant_context(acme):
                barrier.wait(timeout=5)
                sent.append(reminders.send_due(now=at(monday, 9, 5)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sum(sent) == 2 and len(mail.outbox) == 2
