"""/api/calendar/appointments: CRUD, reschedule, cancel; errors name the field; tenants never see each other's."""

import pytest
from django_tenants.utils import tenant_context

from contacts.tests.factories import ContactFactory
from scheduling.models import Appointment
from scheduling.services import appointments

from .conftest import at

pytestmark = pytest.mark.django_db
URL = "/api/calendar/appointments"


@pytest.fixture
def booked(acme, calendar, monday):
    with tenant_context(acme):
        return appointments.book(calendar, start=at(monday, 10), title="Cleaning – Ann Lee", contact_name="Ann Lee")


def body(calendar, monday, **fields):
    return {
        "calendar": calendar.pk,
        "title": "Check-up",
        "start": at(monday, 9).isoformat(),
        "contact_name": "Ann Lee",
        "contact_phone": "+15550123",
        "contact_email": "ann@example.com",
        "attendees": [{"name": "Bo Lee", "email": "bo@example.com"}],
        "location": "Room 2",
        **fields,
    }


def test_alice_books_an_appointment_with_attendees_and_location(api, alice, acme, calendar, monday):
    response = api(alice, acme).post(URL, body(calendar, monday), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["title"], data["status"], data["location"], data["source"]) == (
        "Check-up",
        "scheduled",
        "Room 2",
        "api",
    )
    assert data["attendees"] == [{"name": "Bo Lee", "email": "bo@example.com", "phone": ""}]
    with tenant_context(acme):  # without an end: one slot of the calendar (30 minutes)
        saved = Appointment.objects.get(pk=data["id"])
        assert (saved.start, saved.end) == (at(monday, 9), at(monday, 9, 30))


def test_a_member_may_book_too(api, mike, acme, calendar, monday):
    assert api(mike, acme).post(URL, body(calendar, monday), format="json").status_code == 201


def test_without_a_calendar_the_default_calendar_is_used(api, alice, acme, monday):
    response = api(alice, acme).post(URL, {"title": "Walk-in", "start": at(monday, 9).isoformat()}, format="json")
    assert response.status_code == 201
    with tenant_context(acme):
        assert Appointment.objects.get().calendar.agent is None


def test_a_missing_title_and_a_bad_start_are_400_naming_them(api, alice, acme):
    response = api(alice, acme).post(URL, {"start": "next tuesday"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"title", "start"}


def test_an_end_before_the_start_is_400_naming_end(api, alice, acme, calendar, monday):
    response = api(alice, acme).post(URL, body(calendar, monday, end=at(monday, 8).isoformat()), format="json")
    assert response.status_code == 400 and "end" in response.json()["errors"]


def test_a_bad_attendee_email_is_400_naming_it(api, alice, acme, calendar, monday):
    response = api(alice, acme).post(URL, body(calendar, monday, attendees=[{"email": "nope"}]), format="json")
    assert response.status_code == 400 and "attendees.0.email" in response.json()["errors"]


def test_double_booking_through_the_api_is_409_slot_taken(api, alice, acme, calendar, monday, booked):
    response = api(alice, acme).post(URL, body(calendar, monday, start=at(monday, 10, 15).isoformat()), format="json")
    assert response.status_code == 409
    assert response.json()["error_code"] == "slot_taken" and "start" in response.json()["errors"]


def test_list_filters_by_status(api, alice, acme, calendar, monday, booked):
    client = api(alice, acme)
    client.post(f"{URL}/{booked.pk}/cancel", {}, format="json")
    client.post(URL, body(calendar, monday), format="json")
    listed = client.get(URL, {"status": "cancelled"}).json()
    assert [item["id"] for item in listed["results"]] == [booked.pk]


def test_an_appointment_is_booked_with_a_contact_and_listed_by_it(api, alice, acme, calendar, monday, booked):
    with tenant_context(acme):
        contact = ContactFactory()
    client = api(alice, acme)
    response = client.post(URL, body(calendar, monday, contact=contact.pk), format="json")
    assert response.status_code == 201 and response.json()["contact"] == contact.pk
    listed = client.get(URL, {"contact": contact.pk}).json()
    assert [item["id"] for item in listed["results"]] == [response.json()["id"]]


def test_an_unknown_contact_is_400_naming_it(api, alice, acme, calendar, monday):
    response = api(alice, acme).post(URL, body(calendar, monday, contact=999999), format="json")
    assert response.status_code == 400 and "contact" in response.json()["errors"]


def test_another_tenants_contact_cannot_be_linked(api, bob, globex, acme, monday):
    with tenant_context(acme):
        contact = ContactFactory()
    response = api(bob, globex).post(
        URL, {"title": "Viewing", "start": at(monday, 9).isoformat(), "contact": contact.pk}, format="json"
    )
    assert response.status_code == 400 and "contact" in response.json()["errors"]


def test_a_bad_list_filter_is_400_naming_it(api, alice, acme):
    response = api(alice, acme).get(URL, {"status": "lost", "from": "yesterday"})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"status", "from"}


def test_get_put_and_delete_one_appointment(api, alice, acme, calendar, monday, booked):
    client = api(alice, acme)
    assert client.get(f"{URL}/{booked.pk}").json()["title"] == "Cleaning – Ann Lee"
    changed = client.put(
        f"{URL}/{booked.pk}",
        body(
            calendar,
            monday,
            title="Deep clean",
            status="completed",
            start=at(monday, 10).isoformat(),
            end=at(monday, 11).isoformat(),
        ),
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["title"], changed.json()["status"]) == ("Deep clean", "completed")
    assert client.delete(f"{URL}/{booked.pk}").status_code == 204
    assert client.get(f"{URL}/{booked.pk}").status_code == 404


def test_put_cannot_cancel_that_is_what_cancel_is_for(api, alice, acme, calendar, monday, booked):
    response = api(alice, acme).put(f"{URL}/{booked.pk}", body(calendar, monday, status="cancelled"), format="json")
    assert response.status_code == 400 and "status" in response.json()["errors"]


def test_reschedule_moves_the_appointment(api, alice, acme, monday, booked):
    response = api(alice, acme).post(
        f"{URL}/{booked.pk}/reschedule", {"start": at(monday, 11).isoformat()}, format="json"
    )
    assert response.status_code == 200
    with tenant_context(acme):
        booked.refresh_from_db()
        assert (booked.start, booked.end) == (at(monday, 11), at(monday, 11, 30))


def test_reschedule_onto_a_taken_time_is_409(api, alice, acme, calendar, monday, booked):
    client = api(alice, acme)
    other = client.post(URL, body(calendar, monday), format="json").json()
    response = client.post(f"{URL}/{other['id']}/reschedule", {"start": at(monday, 10).isoformat()}, format="json")
    assert response.status_code == 409 and response.json()["error_code"] == "slot_taken"


def test_reschedule_without_a_start_is_400_naming_it(api, alice, acme, booked):
    response = api(alice, acme).post(f"{URL}/{booked.pk}/reschedule", {}, format="json")
    assert response.status_code == 400 and "start" in response.json()["errors"]


def test_cancel_keeps_the_record_with_the_reason_and_frees_the_time(api, alice, acme, calendar, monday, booked):
    client = api(alice, acme)
    response = client.post(f"{URL}/{booked.pk}/cancel", {"reason": "feeling better"}, format="json")
    assert (response.json()["status"], response.json()["cancel_reason"]) == ("cancelled", "feeling better")
    again = client.post(URL, body(calendar, monday, start=at(monday, 10).isoformat()), format="json")
    assert again.status_code == 201


def test_a_cancelled_appointment_cannot_be_rescheduled(api, alice, acme, monday, booked):
    client = api(alice, acme)
    client.post(f"{URL}/{booked.pk}/cancel", {}, format="json")
    response = client.post(f"{URL}/{booked.pk}/reschedule", {"start": at(monday, 11).isoformat()}, format="json")
    assert response.status_code == 409 and response.json()["error_code"] == "appointment_cancelled"


def test_bob_cannot_see_alices_appointment_from_his_tenant(api, bob, globex, booked):
    client = api(bob, globex)
    assert client.get(f"{URL}/{booked.pk}").status_code == 404
    assert client.get(URL).json()["results"] == []


def test_bob_cannot_change_or_cancel_alices_appointment(api, bob, globex, acme, monday, booked):
    client = api(bob, globex)
    assert client.post(f"{URL}/{booked.pk}/cancel", {}, format="json").status_code == 404
    assert (
        client.post(f"{URL}/{booked.pk}/reschedule", {"start": at(monday, 11).isoformat()}, format="json").status_code
        == 404
    )
    assert client.delete(f"{URL}/{booked.pk}").status_code == 404
    with tenant_context(acme):
        booked.refresh_from_db()
        assert (booked.status, booked.start) == ("scheduled", at(monday, 10))


def test_bob_cannot_use_acmes_host(api, bob, acme, booked):
    response = api(bob, acme).get(f"{URL}/{booked.pk}")
    assert response.status_code == 403 and response.json()["error_code"] == "not_a_member"


def test_charlie_without_a_tenant_is_refused(api, charlie, acme):
    assert api(charlie, acme).get(URL).status_code == 403


def test_anonymous_is_401(api, acme):
    assert api(None, acme).get(URL).status_code == 401
