"""`manage.py seed_demo`: the demo tenant, its owner, a working agent and a draft campaign, idempotently."""

from io import StringIO

import pytest
from django.core.management import call_command
from django_tenants.utils import tenant_context

from accounts.models import User
from agents.models import Agent
from campaigns.models import Campaign
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_seed_demo_makes_the_tenant_owner_agent_and_campaign_and_says_how_to_log_in():
    out = seed(password="Demo-pass-123")
    demo = Tenant.objects.get(slug="demo")
    assert User.objects.get(email="owner@demo.localhost").check_password("Demo-pass-123")
    with tenant_context(demo):
        assert Agent.objects.count() == 1 and Campaign.objects.get().status == Campaign.Status.DRAFT
    assert "owner@demo.localhost / Demo-pass-123" in out and "Demo campaign (draft, 3 leads)" in out


def test_seed_demo_run_again_reuses_everything():
    seed(password="Demo-pass-123")
    out = seed()
    demo = Tenant.objects.get(slug="demo")
    with tenant_context(demo):
        assert Agent.objects.count() == 1 and Campaign.objects.count() == 1
    assert "(unchanged; pass --password to reset)" in out
