"""The person an appointment is with hears of it: booked, moved or cancelled, by email (branded, with an ICS file their
calendar app files) and SMS (the tenant's Twilio account, faked at its HTTP API), each change once, with a signed,
expiring link to cancel or reschedule that works on the tenant's own host only."""

from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.core import mail
from django.test import Client
from django_tenants.utils import tenant_context

from calls.tests.factories import ACCOUNT_SID, API_PREFIX, PhoneNumberFactory, TwilioAccountFactory, twilio_api  # noqa: F401
from scheduling.models import AttendeeMessage
from scheduling.services import appointments, confirmations

from .conftest import at
from .fakes import twilio_message

pytestmark = pytest.mark.django_db
MESSAGES = f"{API_PREFIX}/Messages.json"


def book(calendar, monday, hour=10, **contact):
    contact = contact or {"contact_email": "ann@example.com"}
    return appointments.book(
        calendar, start=at(monday, hour), title="Cleaning", contact_name="Ann Lee", location="12 Main St", **contact
    )


@pytest.fixture
def guest():
    """The attendee's browser on acme's host, logged in as nobody."""
    return Client(HTTP_HOST="acme.localhost")


def send_all():
    return [confirmations.send(pk) for pk in AttendeeMessage.objects.order_by("pk").values_list("pk", flat=True)]


def ics_of(email):
    [(name, content, mimetype)] = email.attachments
    assert name == "appointment.ics"
    return content, mimetype


def link_of(acme, calendar, monday):
    with tenant_context(acme):
        appointment = book(calendar, monday)
        return appointment, f"/api/calendar/manage/{confirmations.manage_token(appointment)}"


def test_a_booking_emails_the_attendee_a_branded_confirmation_with_an_ics_file(acme, calendar, monday):
    acme.product_name = "SmileLine"
    acme.save(update_fields=["product_name"])
    with tenant_context(acme):
        appointment = book(calendar, monday)
        assert send_all() == [True]
    [email] = mail.outbox
    assert email.to == ["ann@example.com"] and email.subject == "SmileLine: Your appointment is booked – Cleaning"
    assert "12 Main St" in email.body and "/api/calendar/manage/" in email.body
    content, mimetype = ics_of(email)
    assert mimetype.startswith("text/calendar; method=REQUEST")
    assert f"UID:appointment-{appointment.pk}@t_acme" in content and "METHOD:REQUEST" in content
    assert "SEQUENCE:0" in content and "ATTENDEE;CN=Ann Lee;RSVP=FALSE:mailto:ann@example.com" in content


def test_a_booking_texts_the_attendee_from_the_tenants_number(acme, calendar, monday, twilio_api):  # noqa: F811
    with tenant_context(acme):
        TwilioAccountFactory()
        PhoneNumberFactory(number="+14155550100")
        twilio_api.add(
            "POST",
            MESSAGES,
            status=201,
            json=twilio_message(to="+15550123", from_="+14155550100", body="…", account_sid=ACCOUNT_SID),
        )
        book(calendar, monday, contact_phone="+15550123")
        assert send_all() == [True]
    [request] = twilio_api.requests_to("POST", MESSAGES)
    form = {key: values[0] for key, values in parse_qs(request.body.decode()).items()}
    assert (form["To"], form["From"]) == ("+15550123", "+14155550100")
    assert form["Body"].startswith("Acme Dental: your appointment is booked: Cleaning, ")
    assert "http://acme.localhost:8000/api/calendar/manage/" in form["Body"]


def test_a_text_that_cannot_go_is_marked_failed_and_the_email_still_goes(acme, calendar, monday):
    with tenant_context(acme):
        book(calendar, monday, contact_email="ann@example.com", contact_phone="+15550123")
        assert sorted(send_all()) == [False, True]
        failed = AttendeeMessage.objects.get(channel="sms")
        assert failed.status == "failed" and "Twilio" in failed.error
    assert len(mail.outbox) == 1


def test_each_message_is_sent_once_however_often_its_task_runs(acme, calendar, monday):
    with tenant_context(acme):
        book(calendar, monday)
        assert send_all() == [True]
        assert send_all() == [False]
    assert len(mail.outbox) == 1


def test_a_change_recorded_again_makes_no_second_message(acme, calendar, monday):
    with tenant_context(acme):
        appointment = book(calendar, monday)
        confirmations.record(appointment, confirmations.Change.BOOKED)
        assert AttendeeMessage.objects.count() == 1


def test_a_move_sends_a_new_confirmation_that_replaces_the_event(acme, calendar, monday):
    with tenant_context(acme):
        appointment = book(calendar, monday)
        appointments.reschedule(appointment, start=at(monday, 11))
        assert list(AttendeeMessage.objects.values_list("change", flat=True)) == ["booked", "rescheduled"]
        send_all()
    content, _ = ics_of(mail.outbox[1])
    assert "Your appointment has moved" in mail.outbox[1].subject and "SEQUENCE:1" in content


def test_each_move_is_told_even_back_to_an_earlier_time(acme, calendar, monday):
    with tenant_context(acme):
        appointment = book(calendar, monday)
        appointments.reschedule(appointment, start=at(monday, 11))
        appointments.reschedule(appointment, start=at(monday, 10))
        assert AttendeeMessage.objects.filter(change="rescheduled").count() == 2


def test_a_change_of_details_only_sends_nothing(acme, calendar, monday):
    with tenant_context(acme):
        appointment = book(calendar, monday)
        appointments.update(appointment, title="Check-up")
        assert AttendeeMessage.objects.count() == 1


def test_a_cancellation_sends_a_cancel_for_the_event_and_no_link(acme, calendar, monday):
    with tenant_context(acme):
        appointment = book(calendar, monday)
        appointments.cancel(appointment)
        appointments.cancel(appointment)  # twice: harmless, told once
        assert AttendeeMessage.objects.filter(change="cancelled").count() == 1
        send_all()
    cancelled = mail.outbox[1]
    content, mimetype = ics_of(cancelled)
    assert "METHOD:CANCEL" in content and "STATUS:CANCELLED" in content and "method=CANCEL" in mimetype
    assert "/manage/" not in cancelled.body


# The link -----------------------------------------------------------------------------------------------


def test_the_link_shows_the_appointment_without_a_login(guest, acme, calendar, monday):
    _, link = link_of(acme, calendar, monday)
    response = guest.get(link)
    assert response.status_code == 200
    assert response.json()["title"] == "Cleaning" and response.json()["timezone"] == "America/New_York"
    assert "contact_phone" not in response.json()


def test_the_attendee_cancels_through_the_link_and_is_told(guest, acme, calendar, monday):
    appointment, link = link_of(acme, calendar, monday)
    response = guest.post(f"{link}/cancel", {"reason": "Feeling better"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    with tenant_context(acme):
        appointment.refresh_from_db()
        assert appointment.cancel_reason == "Feeling better"
        assert AttendeeMessage.objects.filter(change="cancelled").exists()


def test_the_attendee_moves_to_a_free_slot_through_the_link(guest, acme, calendar, monday):
    _, link = link_of(acme, calendar, monday)
    response = guest.post(f"{link}/reschedule", {"start": at(monday, 11).isoformat()}, content_type="application/json")
    assert response.status_code == 200 and response.json()["start"].startswith(f"{monday.isoformat()}T16:00")


def test_the_attendee_cannot_move_outside_the_calendars_hours(guest, acme, calendar, monday):
    _, link = link_of(acme, calendar, monday)
    response = guest.post(f"{link}/reschedule", {"start": at(monday, 20).isoformat()}, content_type="application/json")
    assert response.status_code == 409 and response.json()["error_code"] == "slot_unavailable"


def test_a_bad_start_is_a_400_naming_it(guest, acme, calendar, monday):
    _, link = link_of(acme, calendar, monday)
    response = guest.post(f"{link}/reschedule", {"start": "soon"}, content_type="application/json")
    assert response.status_code == 400 and "start" in response.json()["errors"]


def test_a_forged_link_is_a_404(guest, acme, calendar, monday):
    _, link = link_of(acme, calendar, monday)
    assert guest.get(link[:-2] + "xx").status_code == 404


def test_the_link_opens_nothing_on_another_tenants_host(guest, acme, globex, calendar, monday):
    _, link = link_of(acme, calendar, monday)
    assert guest.get(link, HTTP_HOST="globex.localhost").status_code == 404
    assert guest.get(link, HTTP_HOST="localhost").status_code == 404


def test_an_expired_link_is_gone(guest, acme, calendar, monday, settings):
    _, link = link_of(acme, calendar, monday)
    settings.ATTENDEE_LINK_MAX_AGE = -1
    response = guest.get(link)
    assert response.status_code == 410 and response.json()["error_code"] == "link_expired"


def test_the_link_of_a_cancelled_appointment_is_gone(guest, acme, calendar, monday):
    appointment, link = link_of(acme, calendar, monday)
    with tenant_context(acme):
        appointments.cancel(appointment)
    response = guest.post(f"{link}/reschedule", {"start": at(monday, 11).isoformat()}, content_type="application/json")
    assert response.status_code == 410


def test_the_link_of_an_appointment_that_began_is_gone(guest, acme, calendar, monday):
    appointment, link = link_of(acme, calendar, monday)
    with tenant_context(acme):
        type(appointment).objects.filter(pk=appointment.pk).update(
            start=appointment.start - timedelta(days=30), end=appointment.end - timedelta(days=30)
        )
    assert guest.get(link).status_code == 410
