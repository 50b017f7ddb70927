"""Campaigns: drafts with their window, pacing, retries and voicemail policy; start, pause, resume, cancel."""

import re

import pytest
from django_tenants.utils import tenant_context

from accounts.tests.factories import MembershipFactory
from agents.tests.factories import AgentFactory
from campaigns.models import Campaign
from campaigns.services.lifecycle import create_campaign
from contacts.services import add_to_list, create_contact, create_contact_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(acme):
    """An agent and a list of two leads in acme."""
    with tenant_context(acme):
        agent = AgentFactory(name="Sally")
        leads = create_contact_list(name="Leads")
        add_to_list(leads, [create_contact(phone=f"+1415555010{n}").pk for n in (1, 2)])
        return agent, leads


def form(agent, leads=None, **changes):
    return {"name": "Spring", "agent": agent.pk, "contact_list": leads.pk if leads else "", **changes}


def test_an_admin_creates_a_draft_with_its_policy(browser, amy, acme, setup):
    agent, leads = setup
    data = form(
        agent,
        leads,
        calls_per_minute="4",
        max_attempts="3",
        retry_on=["busy", "no_answer"],
        voicemail_action="leave_message",
        hours='{"mon": [["09:00", "17:00"]]}',
    )
    response = browser(amy, acme).post("/campaigns/new", data, follow=True)
    assert "Draft" in response.content.decode()
    with tenant_context(acme):
        campaign = Campaign.objects.get()
    assert (campaign.calls_per_minute, campaign.max_attempts, campaign.voicemail_action) == (4, 3, "leave_message")
    assert sorted(campaign.retry_on) == ["busy", "no_answer"] and campaign.hours == {"mon": [["09:00", "17:00"]]}
    assert campaign.timezone == "UTC"


def test_an_admin_with_an_unverified_email_is_asked_to_confirm_it_before_creating(browser, acme, setup):
    agent, leads = setup
    admin = MembershipFactory(tenant=acme, role="admin", user__email_verified_at=None).user
    response = browser(admin, acme).post("/campaigns/new", form(agent, leads))
    assert response.status_code == 403 and "Confirm your email address" in response.content.decode()
    with tenant_context(acme):
        assert not Campaign.objects.exists()


def test_a_campaign_without_an_agent_is_refused_beside_the_field(browser, amy, acme):
    response = browser(amy, acme).post("/campaigns/new", {"name": "Spring"})
    assert response.status_code == 400 and 'id="id_agent_errors"' in response.content.decode()
    with tenant_context(acme):
        assert not Campaign.objects.exists()


def test_a_window_ending_before_it_starts_names_the_last_day(browser, amy, acme, setup):
    agent, _ = setup
    response = browser(amy, acme).post("/campaigns/new", form(agent, start_date="2027-05-02", end_date="2027-05-01"))
    assert response.status_code == 400
    assert 'id="id_end_date_errors"><li>Must not be before start_date.' in response.content.decode()


def test_hours_that_are_not_json_are_named(browser, amy, acme, setup):
    agent, _ = setup
    response = browser(amy, acme).post("/campaigns/new", form(agent, hours="{mon"))
    assert response.status_code == 400 and 'id="id_hours_errors"' in response.content.decode()


def test_an_admin_starts_pauses_and_resumes_a_campaign(browser, amy, acme, setup):
    agent, leads = setup
    with tenant_context(acme):
        campaign = create_campaign(name="Spring", agent=agent, contact_list=leads)
    client = browser(amy, acme)
    page = client.post(f"/campaigns/{campaign.pk}/start", follow=True).content.decode()
    assert "Spring is running." in page and re.search(r'data-stat="contacts">2<', page)
    assert "Spring is paused." in client.post(f"/campaigns/{campaign.pk}/pause", follow=True).content.decode()
    assert "Spring is running." in client.post(f"/campaigns/{campaign.pk}/resume", follow=True).content.decode()


def test_starting_without_a_contact_list_says_why(browser, amy, acme, setup):
    agent, _ = setup
    with tenant_context(acme):
        campaign = create_campaign(name="Spring", agent=agent)
    page = browser(amy, acme).post(f"/campaigns/{campaign.pk}/start", follow=True).content.decode()
    assert "Choose a contact list first." in page
    with tenant_context(acme):
        campaign.refresh_from_db()
    assert campaign.status == "draft"


def test_a_member_follows_campaigns_but_cannot_change_them(browser, mike, acme, setup):
    agent, leads = setup
    with tenant_context(acme):
        campaign = create_campaign(name="Spring", agent=agent, contact_list=leads)
    client = browser(mike, acme)
    assert "Spring" in client.get("/campaigns").content.decode()
    assert client.get(f"/campaigns/{campaign.pk}").status_code == 200
    assert client.get("/campaigns/new").status_code == 403
    assert client.post(f"/campaigns/{campaign.pk}/start").status_code == 403


def test_another_tenants_campaign_is_not_found(browser, bob, globex, acme, setup):
    agent, leads = setup
    with tenant_context(acme):
        campaign = create_campaign(name="Spring", agent=agent, contact_list=leads)
    assert browser(bob, globex).get(f"/campaigns/{campaign.pk}").status_code == 404
    assert browser(bob, globex).post(f"/campaigns/{campaign.pk}/cancel").status_code == 404


def test_a_running_campaigns_progress_follows_the_events_stream_and_refreshes(browser, mike, acme, setup):
    agent, leads = setup
    with tenant_context(acme):
        campaign = create_campaign(name="Spring", agent=agent, contact_list=leads)
        Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.RUNNING)
    page = browser(mike, acme).get(f"/campaigns/{campaign.pk}").content.decode()
    assert f'data-campaign-live="{campaign.pk}"' in page
    assert 'hx-trigger="every 5s, campaign-event from:body" hx-select="#campaign-progress"' in page
    assert '<script src="/static/dashboard/campaign_live.js" defer></script>' in page


@pytest.mark.parametrize("status", [Campaign.Status.DRAFT, Campaign.Status.COMPLETED, Campaign.Status.CANCELLED])
def test_a_campaign_that_cannot_dial_is_not_followed(browser, mike, acme, setup, status):
    agent, leads = setup
    with tenant_context(acme):
        campaign = create_campaign(name="Spring", agent=agent, contact_list=leads)
        Campaign.objects.filter(pk=campaign.pk).update(status=status)
    page = browser(mike, acme).get(f"/campaigns/{campaign.pk}").content.decode()
    assert "data-campaign-live" not in page and "hx-trigger" not in page
