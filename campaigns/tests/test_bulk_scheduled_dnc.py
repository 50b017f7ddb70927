"""A number on a Do-Not-Call list is never dialed through `POST /api/calls/bulk` or `POST /api/calls/schedule`,
whether it was listed before the request or between the request and the dial: from the API, through the dispatcher,
to the (fake) Twilio boundary."""

from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from calls.models import Call
from campaigns.models import Attempt, Campaign
from campaigns.services import dispatch
from campaigns.tests.conftest import TWILIO_CALLS, script_dials, twilio_api
from compliance.services import add_dnc_entry
from tenants.models import Tenant
from tenants.services import create_tenant

pytestmark = pytest.mark.django_db
__all__ = ["twilio_api"]

LISTED = "+14152000001"
FREE = "+14152000002"


def dial_due(tenant, *, at=None):
    """What the beat tick and the worker's dial tasks do, once."""
    with tenant_context(tenant):
        for claim in dispatch.tick(now=at):
            dispatch.dial(claim.attempt_id, claim.token, now=at)


def dialed(twilio_api) -> list[str]:
    return [parse_qs(request.body.decode())["To"][0] for request in twilio_api.requests_to("POST", TWILIO_CALLS)]


def attempt_for(tenant, number) -> Attempt:
    with tenant_context(tenant):
        return Attempt.objects.get(number=number)


def bulk(api, user, tenant, agent, numbers):
    response = api(user, tenant).post("/api/calls/bulk", {"agent": agent.pk, "numbers": numbers}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def schedule(api, user, tenant, agent, number, at):
    response = api(user, tenant).post(
        "/api/calls/schedule", {"agent": agent.pk, "to": number, "at": at.isoformat()}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def test_bulk_calls_skip_a_number_already_on_the_dnc_list(api, mike, acme, agent, twilio_api):
    script_dials(twilio_api, 2)
    with tenant_context(acme):
        add_dnc_entry(LISTED)
    bulk(api, mike, acme, agent, [LISTED, FREE])
    dial_due(acme)
    assert dialed(twilio_api) == [FREE]
    assert attempt_for(acme, LISTED).status == "skipped_dnc"


def test_bulk_calls_skip_a_number_listed_after_the_request(api, mike, acme, agent, twilio_api):
    script_dials(twilio_api, 2)
    bulk(api, mike, acme, agent, [LISTED, FREE])
    with tenant_context(acme):
        add_dnc_entry(LISTED)
    dial_due(acme)
    assert dialed(twilio_api) == [FREE]
    attempt = attempt_for(acme, LISTED)
    assert (attempt.status, attempt.outcome, attempt.call) == ("skipped_dnc", "on_dnc_list", None)


def test_bulk_calls_skip_a_number_on_the_agencys_dnc_list(api, mike, acme, agent, twilio_api):
    """A client's bulk calls obey its agency's list too."""
    agency = create_tenant(name="Reseller", slug="reseller", kind=Tenant.Kind.AGENCY)
    acme.kind, acme.parent = Tenant.Kind.CLIENT, agency
    acme.save(update_fields=["kind", "parent"])
    with tenant_context(agency):
        add_dnc_entry(LISTED)
    script_dials(twilio_api, 2)
    bulk(api, mike, acme, agent, [LISTED, FREE])
    dial_due(acme)
    assert dialed(twilio_api) == [FREE]
    assert attempt_for(acme, LISTED).status == "skipped_dnc"


def test_a_scheduled_call_to_a_number_on_the_dnc_list_is_never_dialed(api, mike, acme, agent, twilio_api):
    script_dials(twilio_api, 1)
    with tenant_context(acme):
        add_dnc_entry(LISTED)
    at = timezone.now() + timedelta(hours=1)
    campaign_id = schedule(api, mike, acme, agent, LISTED, at)
    dial_due(acme, at=at)
    assert dialed(twilio_api) == []
    attempt = attempt_for(acme, LISTED)
    assert (attempt.status, attempt.outcome) == ("skipped_dnc", "on_dnc_list")
    with tenant_context(acme):
        campaign = Campaign.objects.get(pk=campaign_id)
        assert (campaign.status, campaign.completed_at is not None) == ("completed", True)
        assert not Call.objects.exists()


def test_a_scheduled_call_to_a_number_listed_after_the_request_is_never_dialed(api, mike, acme, agent, twilio_api):
    script_dials(twilio_api, 1)
    at = timezone.now() + timedelta(hours=1)
    schedule(api, mike, acme, agent, LISTED, at)
    with tenant_context(acme):
        add_dnc_entry(LISTED)
    dial_due(acme, at=at)
    assert dialed(twilio_api) == []
    assert attempt_for(acme, LISTED).status == "skipped_dnc"
