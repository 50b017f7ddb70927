"""/api/campaigns (CRUD while draft, transitions, stats, attempts), /api/calls/bulk and /api/calls/schedule:
validation naming fields, roles, and tenant isolation."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.tests.factories import MembershipFactory
from calls.models import Call
from calls.services.lifecycle import apply_status
from campaigns.models import Attempt, Campaign
from campaigns.services import dispatch
from campaigns.services.lifecycle import transition
from campaigns.tests.conftest import campaign_for, script_dials, twilio_api
from contacts.models import Contact
from contacts.tests.factories import ContactFactory, ContactListFactory
from scheduling.tests.conftest import make_calendar

pytestmark = pytest.mark.django_db
__all__ = ["twilio_api"]

CAMPAIGNS = "/api/campaigns"


@pytest.fixture
def contact_list(acme):
    with tenant_context(acme):
        return ContactListFactory(contacts=[ContactFactory(phone="+14152000000"), ContactFactory(phone="+14152000001")])


def draft(acme, agent, **fields):
    with tenant_context(acme):
        return campaign_for(agent, 2, **fields)


def names(response, field) -> bool:
    """The 400 names the field (or one of its items, as `field.<index>`)."""
    return response.status_code == 400 and any(key.split(".")[0] == field for key in response.json()["errors"])


def future(minutes=60):
    return (timezone.now() + timedelta(minutes=minutes)).isoformat()


# Campaigns ------------------------------------------------------------------------------------------


def test_an_admin_creates_a_draft_campaign(api, amy, acme, agent, contact_list):
    response = api(amy, acme).post(
        CAMPAIGNS,
        {
            "name": "Recall",
            "agent": agent.pk,
            "contact_list": contact_list.pk,
            "hours": {"mon": [["09:00", "17:00"]]},
            "timezone": "America/New_York",
            "calls_per_minute": 20,
            "max_concurrent_calls": 4,
            "max_attempts": 3,
            "retry_delay_minutes": 90,
            "retry_on": ["no_answer", "busy"],
            "voicemail_action": "leave_message",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["kind"], body["retry_on"], body["calls_per_minute"]) == (
        "draft",
        "campaign",
        ["no_answer", "busy"],
        20,
    )


@pytest.mark.parametrize(
    "field, value",
    [
        ("agent", 999999),
        ("contact_list", 999999),
        ("hours", {"mon": [["17:00", "09:00"]]}),
        ("timezone", "Mars/Base"),
        ("calls_per_minute", 0),
        ("max_attempts", 11),
        ("retry_on", ["completed"]),
        ("voicemail_action", "sing"),
        ("starts_at", "2001-01-01T00:00:00Z"),
        ("end_date", "2000-01-01"),
    ],
)
def test_bad_campaign_input_is_400_naming_the_field(api, amy, acme, agent, contact_list, field, value):
    payload = {
        "name": "Recall",
        "agent": agent.pk,
        "contact_list": contact_list.pk,
        "start_date": "2030-01-01",
        field: value,
    }
    response = api(amy, acme).post(CAMPAIGNS, payload, format="json")
    assert names(response, field) and response.json()["error_code"] == "validation_error"


def test_a_member_sees_campaigns_but_cannot_create_or_start_them(api, mike, acme, agent):
    campaign = draft(acme, agent)
    client = api(mike, acme)
    assert client.get(CAMPAIGNS).json()["count"] == 1
    assert client.post(CAMPAIGNS, {"name": "x", "agent": agent.pk}, format="json").status_code == 403
    assert client.post(f"{CAMPAIGNS}/{campaign.pk}/start").status_code == 403


def test_a_draft_can_be_edited_and_deleted_but_not_once_running(api, amy, acme, agent):
    campaign = draft(acme, agent)
    client = api(amy, acme)
    assert (
        client.patch(f"{CAMPAIGNS}/{campaign.pk}", {"calls_per_minute": 5}, format="json").json()["calls_per_minute"]
        == 5
    )
    assert client.post(f"{CAMPAIGNS}/{campaign.pk}/start").json()["status"] == "running"
    response = client.patch(f"{CAMPAIGNS}/{campaign.pk}", {"calls_per_minute": 50}, format="json")
    assert (response.status_code, response.json()["error_code"]) == (409, "campaign_not_draft")
    assert client.delete(f"{CAMPAIGNS}/{campaign.pk}").status_code == 409


@pytest.fixture
def unverified_admin(acme):
    return MembershipFactory(tenant=acme, role="admin", user__email_verified_at=None).user


def test_an_admin_with_an_unverified_email_cannot_create_a_campaign(api, unverified_admin, acme, agent, contact_list):
    body = {"name": "Recall", "agent": agent.pk, "contact_list": contact_list.pk}
    response = api(unverified_admin, acme).post(CAMPAIGNS, body, format="json")
    assert (response.status_code, response.json()["error_code"]) == (403, "email_unverified")
    with tenant_context(acme):
        assert not Campaign.objects.exists()


def test_an_admin_with_an_unverified_email_cannot_start_a_campaign(api, unverified_admin, acme, agent):
    campaign = draft(acme, agent)
    response = api(unverified_admin, acme).post(f"{CAMPAIGNS}/{campaign.pk}/start")
    assert (response.status_code, response.json()["error_code"]) == (403, "email_unverified")
    with tenant_context(acme):
        campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


def test_an_admin_with_an_unverified_email_still_sees_campaigns(api, unverified_admin, acme):
    assert api(unverified_admin, acme).get(CAMPAIGNS).status_code == 200


def test_transitions_through_the_api_and_an_illegal_one_is_409(api, amy, acme, agent):
    campaign = draft(acme, agent)
    client = api(amy, acme)
    url = f"{CAMPAIGNS}/{campaign.pk}"
    assert client.post(f"{url}/schedule", {"starts_at": future()}, format="json").json()["status"] == "scheduled"
    assert client.post(f"{url}/start").json()["status"] == "running"
    assert client.post(f"{url}/pause").json()["status"] == "paused"
    response = client.post(f"{url}/pause")
    assert (response.status_code, response.json()["error_code"]) == (409, "illegal_transition")
    assert client.post(f"{url}/resume").json()["status"] == "running"
    assert client.post(f"{url}/cancel").json()["status"] == "cancelled"
    assert client.post(f"{url}/start").status_code == 409
    assert client.post(f"{url}/explode").status_code == 404


def test_scheduling_without_a_future_start_is_400_naming_starts_at(api, amy, acme, agent):
    campaign = draft(acme, agent)
    response = api(amy, acme).post(f"{CAMPAIGNS}/{campaign.pk}/schedule")
    assert response.status_code == 400 and "starts_at" in response.json()["errors"]


def test_stats_count_attempts_outcomes_answer_rate_bookings_and_cost(api, mike, acme, agent, twilio_api):
    script_dials(twilio_api, 3)
    with tenant_context(acme):
        campaign = transition(campaign_for(agent, 3), "start")
        claims = dispatch.tick()
        for claim in claims:
            dispatch.dial(claim.attempt_id, claim.token)
        calls = [Attempt.objects.get(pk=claim.attempt_id).call for claim in claims]
        apply_status(calls[0], Call.Status.COMPLETED, duration_seconds=61)  # 2 billed minutes
        apply_status(calls[1], Call.Status.COMPLETED, duration_seconds=30)  # 1
        apply_status(calls[2], Call.Status.NO_ANSWER)
        start = timezone.now() + timedelta(days=1)
        make_calendar().appointments.create(
            title="Cleaning",
            start=start,
            end=start + timedelta(minutes=30),
            blocked=(start, start + timedelta(minutes=30)),
            call=calls[0],
        )
    stats = api(mike, acme).get(f"{CAMPAIGNS}/{campaign.pk}/stats").json()
    assert stats["attempts"]["done"] == 3 and stats["attempts"]["pending"] == 0
    assert stats["outcomes"] == {"completed": 2, "no_answer": 1}
    assert (stats["answered"], stats["answer_rate"], stats["bookings"]) == (2, 0.6667, 1)
    assert (stats["billable_seconds"], stats["cost"], stats["currency"]) == (91, "0.04", "USD")


def test_attempts_are_paginated_and_filtered_by_status(api, mike, acme, agent):
    with tenant_context(acme):
        campaign = transition(campaign_for(agent, 3), "start")
        Attempt.objects.filter(number="+14152000000").update(status="skipped_dnc")
    client = api(mike, acme)
    page = client.get(f"{CAMPAIGNS}/{campaign.pk}/attempts?per_page=2").json()
    assert (page["count"], len(page["results"]), page["next"] is not None) == (3, 2, True)
    assert [
        a["number"] for a in client.get(f"{CAMPAIGNS}/{campaign.pk}/attempts?status=skipped_dnc").json()["results"]
    ] == ["+14152000000"]
    assert client.get(f"{CAMPAIGNS}/{campaign.pk}/attempts?status=bogus").status_code == 400


def test_another_tenants_campaign_is_invisible(api, bob, globex, acme, agent):
    campaign = draft(acme, agent)
    client = api(bob, globex)
    assert client.get(CAMPAIGNS).json()["count"] == 0
    for path in ("", "/stats", "/attempts"):
        assert client.get(f"{CAMPAIGNS}/{campaign.pk}{path}").status_code == 404
    assert client.post(f"{CAMPAIGNS}/{campaign.pk}/start").status_code == 404


def test_someone_outside_the_tenant_is_refused(api, charlie, acme):
    assert api(charlie, acme).get(CAMPAIGNS).status_code == 403
    assert api(None, acme).get(CAMPAIGNS).status_code == 401


# Bulk and scheduled calls -----------------------------------------------------------------------------


def test_bulk_calls_make_contacts_a_list_and_a_running_campaign(api, mike, acme, agent):
    response = api(mike, acme).post(
        "/api/calls/bulk",
        {
            "agent": agent.pk,
            "numbers": ["+1 415 200 0000", "+14152000001", "+14152000001"],
            "name": "Flu shots",
            "variables": {"clinic": "Main St"},
            "calls_per_minute": 30,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["name"], body["calls_per_minute"]) == ("running", "Flu shots", 30)
    with tenant_context(acme):
        campaign = Campaign.objects.get(pk=body["id"])
        assert sorted(campaign.attempts.values_list("number", flat=True)) == ["+14152000000", "+14152000001"]
        assert campaign.contact_list.contacts.count() == 2 and campaign.variables == {"clinic": "Main St"}


def test_bulk_calls_with_a_schedule_are_a_scheduled_campaign(api, mike, acme, agent):
    with tenant_context(acme):
        known = ContactFactory(phone="+14152000009")
    response = api(mike, acme).post(
        "/api/calls/bulk", {"agent": agent.pk, "contacts": [known.pk], "schedule": future()}, format="json"
    )
    assert (response.status_code, response.json()["status"]) == (201, "scheduled")


def test_bulk_calls_with_bad_numbers_name_each_one_and_make_nothing(api, mike, acme, agent):
    response = api(mike, acme).post(
        "/api/calls/bulk",
        {"agent": agent.pk, "numbers": ["+14152000000", "555", "+14152000001", "call me"]},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"numbers.1", "numbers.3"}
    with tenant_context(acme):
        assert not Campaign.objects.exists() and not Contact.objects.exists()


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "numbers"),
        ({"numbers": []}, "numbers"),
        ({"contacts": [999999]}, "contacts"),
        ({"numbers": ["+14152000000"], "schedule": "2001-01-01T00:00:00Z"}, "schedule"),
        ({"numbers": ["+14152000000"], "agent": None}, "agent"),
    ],
)
def test_bad_bulk_input_is_400_naming_the_field(api, mike, acme, agent, payload, field):
    response = api(mike, acme).post("/api/calls/bulk", {"agent": agent.pk, **payload}, format="json")
    assert names(response, field)


def test_a_scheduled_call_is_dialed_by_the_dispatcher_when_due(api, mike, acme, agent, twilio_api):
    script_dials(twilio_api, 1)
    at = timezone.now() + timedelta(hours=2)
    response = api(mike, acme).post(
        "/api/calls/schedule",
        {"agent": agent.pk, "to": "+1 (415) 200-0000", "at": at.isoformat(), "variables": {"reason": "results"}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["to"], body["status"]) == ("single_call", "+14152000000", "running")
    assert api(mike, acme).get(CAMPAIGNS).json()["count"] == 0
    assert api(mike, acme).get(f"{CAMPAIGNS}?kind=single_call").json()["count"] == 1
    with tenant_context(acme):
        assert dispatch.tick(now=at - timedelta(minutes=1)) == []
        [claim] = dispatch.tick(now=at)
        dispatch.dial(claim.attempt_id, claim.token, now=at)
        call = Attempt.objects.get().call
        assert (call.to_number, call.contact_variables["reason"]) == ("+14152000000", "results")


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"to": "555"}, "to"),
        ({"at": "2001-01-01T00:00:00Z"}, "at"),
        ({"at": "tomorrow"}, "at"),
        ({"agent": 999999}, "agent"),
    ],
)
def test_bad_schedule_input_is_400_naming_the_field(api, mike, acme, agent, payload, field):
    response = api(mike, acme).post(
        "/api/calls/schedule", {"agent": agent.pk, "to": "+14152000000", "at": future(), **payload}, format="json"
    )
    assert names(response, field)


def test_another_tenants_agent_cannot_be_used_for_bulk_or_scheduled_calls(api, bob, globex, agent):
    client = api(bob, globex)
    assert (
        "agent"
        in client.post("/api/calls/bulk", {"agent": agent.pk, "numbers": ["+14152000000"]}, format="json").json()[
            "errors"
        ]
    )
    assert (
        "agent"
        in client.post(
            "/api/calls/schedule", {"agent": agent.pk, "to": "+14152000000", "at": future()}, format="json"
        ).json()["errors"]
    )


def test_dialing_endpoints_need_the_calls_scope_of_an_api_key(api, alice, acme, agent, make_api_key):
    _, secret = make_api_key(acme, alice, scopes=("read", "write"))
    response = api(api_key=secret).post(
        "/api/calls/schedule", {"agent": agent.pk, "to": "+14152000000", "at": future()}, format="json"
    )
    assert response.status_code == 403
