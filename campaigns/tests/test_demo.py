"""The demo tenant gets leads (fictional 555-01xx numbers) and a draft recall campaign, once."""

import pytest
from django_tenants.utils import tenant_context

from agents.services import seed_demo_agent
from campaigns.models import Campaign
from campaigns.services.demo import DEMO_CAMPAIGN, seed_demo_campaign
from contacts.models import Contact

pytestmark = pytest.mark.django_db


def test_the_demo_campaign_is_a_draft_over_three_fictional_leads(acme):
    with tenant_context(acme):
        campaign = seed_demo_campaign(seed_demo_agent(acme))
        phones = sorted(campaign.contact_list.contacts.values_list("phone", flat=True))
        assert campaign.status == Campaign.Status.DRAFT and campaign.timezone == acme.timezone
        assert phones == ["+14155550101", "+14155550102", "+14155550103"]
        assert Contact.objects.get(phone="+14155550101").variables()["last_visit"] == "March"


def test_seeding_the_demo_campaign_twice_changes_nothing(acme):
    with tenant_context(acme):
        agent = seed_demo_agent(acme)
        first = seed_demo_campaign(agent)
        second = seed_demo_campaign(agent)
        assert first.pk == second.pk and Campaign.objects.filter(name=DEMO_CAMPAIGN).count() == 1
        assert Contact.objects.count() == 3
