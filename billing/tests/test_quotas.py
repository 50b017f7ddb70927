"""Every limit of the plan is enforced where its action is taken, with one answer: 402 `plan_limit` naming the limit,
the use, the tenant's plan and the plan that lifts it. Acme is put on the seeded Starter (1 agent, 500 minutes, no
campaigns, no branching templates, no calendar integrations) or Pro (3 agents, campaigns up to 1,000 contacts)."""

from datetime import time, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.models import Agent
from agents.tests.factories import AgentFactory
from agents.tests.test_api_templates import FLOW
from billing import quotas, services
from billing.models import Plan, Subscription
from billing.tests.factories import put_on_plan
from calls.models import Call
from calls.tests.factories import (
    API_PREFIX,
    CallFactory,
    PhoneNumberFactory,
    TwilioAccountFactory,
    call_resource,
    call_sid,
    post_webhook,
    twilio_api,
    voice_params,
    webhook_path,
)
from campaigns.models import Campaign
from campaigns.tests.factories import CampaignFactory
from compliance.services import update_settings
from config.errors import PlanLimit
from config.weekly_hours import WEEKDAYS
from contacts.tests.factories import ContactFactory, ContactListFactory

pytestmark = pytest.mark.django_db
__all__ = ["twilio_api"]

CALLER_ID = "+14155550100"
CONTACT = "+14155550123"
LINEAR_FLOW = {
    "schema_version": 1,
    "nodes": [
        {"id": "hello", "type": "message", "start": True, "text": "Hi, this is {company}.", "next": "bye"},
        {"id": "bye", "type": "action", "action": "end_call"},
    ],
}


def on(tenant, slug) -> Plan:
    plan = Plan.objects.get(slug=slug)
    services.assign_plan(tenant, plan)
    return plan


@pytest.fixture
def starter(acme):
    return on(acme, "starter")


@pytest.fixture
def line(acme):
    """Acme can dial and answer: a Twilio account, an agent with a number, calls allowed at any hour."""
    with tenant_context(acme):
        TwilioAccountFactory()
        update_settings(calling_window_start=time(0), calling_window_end=time(0), calling_days=WEEKDAYS)
        agent = AgentFactory()
        PhoneNumberFactory(number=CALLER_ID, agent=agent)
        return agent


def minutes_used(tenant, minutes):
    with tenant_context(tenant):
        CallFactory(status="completed", duration_seconds=minutes * 60)


def dial(api, user, tenant, agent):
    return api(user, tenant).post("/api/calls", {"agent": agent.pk, "to": CONTACT}, format="json")


def ring(client, tenant) -> str:
    return post_webhook(client, webhook_path(tenant, "voice"), voice_params(call_sid(), to=CALLER_ID)).content.decode()


# Agents ---------------------------------------------------------------------------------------


def test_a_starter_tenants_second_agent_is_refused_with_the_documented_402(api, alice, acme, starter):
    client = api(alice, acme)
    assert client.post("/api/agents", {"name": "First"}, format="json").status_code == 201
    response = client.post("/api/agents", {"name": "Second"}, format="json")
    assert response.status_code == 402
    body = response.json()
    assert (body["error_code"], body["errors"]) == ("plan_limit", {})
    assert body["limit"] == {"name": "max_agents", "current": 1, "allowed": 1, "plan": "starter", "upgrade_to": "pro"}
    assert "Starter" in body["detail"] and "Pro" in body["detail"] and body["request_id"]
    with tenant_context(acme):
        assert list(Agent.objects.values_list("name", flat=True)) == ["First"]


def test_an_unlimited_plan_names_no_upgrade_when_nothing_lifts_the_limit(acme):
    put_on_plan(acme, max_agents=1)
    Plan.objects.filter(is_listed=True).update(max_agents=1)
    with pytest.raises(PlanLimit) as refused:
        quotas.check_agents(acme, current=1)
    assert refused.value.upgrade_to is None


# Minutes: each dial, each inbound call ----------------------------------------------------------


def test_the_501st_minute_of_a_starter_tenant_blocks_the_next_dial(api, alice, acme, starter, line, twilio_api):
    minutes_used(acme, 500)
    response = dial(api, alice, acme, line)
    assert response.status_code == 402
    assert response.json()["limit"] == {
        "name": "monthly_minutes",
        "current": 500.0,
        "allowed": 500,
        "plan": "starter",
        "upgrade_to": "pro",
    }
    assert twilio_api.requests == []


def test_a_starter_tenant_with_minutes_left_dials(api, alice, acme, starter, line, twilio_api):
    minutes_used(acme, 499)
    twilio_api.add(
        "POST", f"{API_PREFIX}/Calls.json", status=201, json=call_resource(call_sid(), to=CONTACT, from_=CALLER_ID)
    )
    assert dial(api, alice, acme, line).status_code == 201


def test_an_inbound_call_after_the_included_minutes_goes_to_the_overflow_voicemail(client, acme, starter, line):
    minutes_used(acme, 500)
    body = ring(client, acme)
    assert "<Record" in body and "<Connect>" not in body
    with tenant_context(acme):
        assert Call.objects.order_by("-id").first().end_reason == "voicemail"


def test_an_upgrade_lifts_the_agent_and_minute_limits_at_once(api, alice, acme, starter, line, twilio_api, client):
    minutes_used(acme, 500)
    client_api = api(alice, acme)
    assert client_api.post("/api/agents", {"name": "Second"}, format="json").status_code == 402
    assert dial(api, alice, acme, line).status_code == 402

    on(acme, "pro")
    assert client_api.post("/api/agents", {"name": "Second"}, format="json").status_code == 201
    twilio_api.add(
        "POST", f"{API_PREFIX}/Calls.json", status=201, json=call_resource(call_sid(), to=CONTACT, from_=CALLER_ID)
    )
    assert dial(api, alice, acme, line).status_code == 201
    assert "<Connect>" in ring(client, acme)


def test_pro_bills_minutes_beyond_the_included_ones_instead_of_stopping(acme):
    pro = on(acme, "pro")
    quotas.check_minutes(acme, used=pro.monthly_minutes + 10)  # no PlanLimit


# Subscription standing: only inbound calls once it lapses ---------------------------------------


def subscribe(tenant, **fields):
    Subscription.objects.filter(tenant=tenant).update(**fields)


def test_a_trial_that_has_ended_stops_dialing_naming_why(api, alice, acme, starter, line, twilio_api, client):
    subscribe(acme, status="trialing", trial_ends_at=timezone.now() - timedelta(minutes=1))
    response = dial(api, alice, acme, line)
    assert response.status_code == 402
    assert (response.json()["limit"]["name"], response.json()["limit"]["current"]) == ("subscription", "trial_ended")
    assert "<Connect>" in ring(client, acme)  # inbound calls go on


def test_a_failed_payment_stops_dialing_only_after_the_grace_period(api, alice, acme, starter, line, settings):
    settings.BILLING_PAYMENT_GRACE_DAYS = 3
    subscribe(acme, status="past_due", payment_failed_at=timezone.now() - timedelta(days=2))
    quotas.check_outbound(acme)  # within the grace period
    subscribe(acme, payment_failed_at=timezone.now() - timedelta(days=4))
    response = dial(api, alice, acme, line)
    assert response.status_code == 402
    assert response.json()["limit"]["current"] == "payment_failed"
    assert "payment" in response.json()["detail"]


@pytest.mark.parametrize("status", ["canceled", "unpaid"])
def test_a_lapsed_subscription_stops_dialing(acme, starter, status):
    subscribe(acme, status=status)
    with pytest.raises(PlanLimit) as refused:
        quotas.check_outbound(acme)
    assert refused.value.current == f"subscription_{status}"


# Campaigns and bulk calls -----------------------------------------------------------------------


def test_starter_has_no_campaigns(api, alice, acme, starter, line):
    response = api(alice, acme).post("/api/campaigns", {"name": "Spring", "agent": line.pk}, format="json")
    assert response.status_code == 402
    assert response.json()["limit"] == {
        "name": "campaigns",
        "current": False,
        "allowed": False,
        "plan": "starter",
        "upgrade_to": "pro",
    }


def test_starter_has_no_bulk_calls_and_makes_nothing(api, alice, acme, starter, line):
    response = api(alice, acme).post("/api/calls/bulk", {"agent": line.pk, "numbers": [CONTACT]}, format="json")
    assert (response.status_code, response.json()["limit"]["name"]) == (402, "campaigns")
    with tenant_context(acme):
        assert not Campaign.objects.exists()


def test_a_pro_campaign_beyond_its_contacts_per_campaign_does_not_start(api, alice, acme, line):
    on(acme, "pro")
    Plan.objects.filter(slug="pro").update(max_campaign_contacts=2)
    with tenant_context(acme):
        contacts = [ContactFactory(phone=f"+1415200{n:04d}") for n in range(3)]
        campaign = CampaignFactory(agent=line, contact_list=ContactListFactory(contacts=contacts))
    response = api(alice, acme).post(f"/api/campaigns/{campaign.pk}/start", format="json")
    assert response.status_code == 402
    limit = response.json()["limit"]
    assert (limit["name"], limit["current"], limit["allowed"], limit["upgrade_to"]) == (
        "max_campaign_contacts",
        3,
        2,
        "enterprise",
    )
    with tenant_context(acme):
        campaign.refresh_from_db()
        assert (campaign.status, campaign.attempts.count()) == ("draft", 0)


def test_bulk_calls_are_capped_by_the_plan_not_a_flat_number(api, alice, acme, line):
    put_on_plan(acme, max_campaign_contacts=2)
    numbers = ["+14155550201", "+14155550202", "+14155550203"]
    response = api(alice, acme).post("/api/calls/bulk", {"agent": line.pk, "numbers": numbers}, format="json")
    assert (response.status_code, response.json()["limit"]["current"]) == (402, 3)
    response = api(alice, acme).post("/api/calls/bulk", {"agent": line.pk, "numbers": numbers[:2]}, format="json")
    assert response.status_code == 201


# Template features and calendar connections ----------------------------------------------------


def test_starter_keeps_basic_templates_but_not_branching_ones(api, alice, acme, starter):
    client = api(alice, acme)
    assert client.post("/api/templates", {"name": "Hello", "flow": LINEAR_FLOW}, format="json").status_code == 201
    response = client.post("/api/templates", {"name": "Booking", "flow": FLOW}, format="json")
    assert (response.status_code, response.json()["limit"]["name"]) == (402, "branching_templates")
    assert response.json()["limit"]["upgrade_to"] == "pro"


def test_starter_has_no_api_keys_and_pro_has(api, alice, acme, starter):
    body = {"name": "CRM", "scopes": ["read"]}
    response = api(alice, acme).post("/api/settings/api-keys", body, format="json")
    assert (response.status_code, response.json()["limit"]["name"]) == (402, "api_access")
    on(acme, "pro")
    assert api(alice, acme).post("/api/settings/api-keys", body, format="json").status_code == 201


def test_starter_cannot_connect_a_calendar(api, alice, acme, starter):
    body = {"provider": "caldav", "url": "https://caldav.example.com/", "username": "a", "password": "b"}
    response = api(alice, acme).post("/api/calendar/connect", body, format="json")
    assert (response.status_code, response.json()["limit"]["name"]) == (402, "calendar_integrations")
