"""`manage.py seed_demo`: the demo tenant, its owner, a working agent and a draft campaign, idempotently."""

from io import StringIO

import pytest
from django.core.management import call_command
from django_tenants.utils import tenant_context

from accounts.models import User
from agents.models import Agent
from campaigns.models import Campaign
from demo.management.commands.seed_demo import login_box
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
    assert "| Owner login   owner@demo.localhost" in out and "| Password      Demo-pass-123" in out
    assert "Demo campaign (draft, 3 leads)" in out


def test_seed_demo_run_again_reuses_everything():
    seed(password="Demo-pass-123")
    out = seed()
    demo = Tenant.objects.get(slug="demo")
    with tenant_context(demo):
        assert Agent.objects.count() == 1 and Campaign.objects.count() == 1
    assert "set on an earlier run (to reset: DEMO_PASSWORD=<new> scripts/run)" in out


def test_seed_demo_urls_name_the_port_the_platform_listens_on():
    out = seed(password="Demo-pass-123", port=8123)
    assert "http://demo.localhost:8123/" in out and "http://demo.localhost:8123/admin/" in out
    assert ":8000" not in out


def test_login_box_frames_every_row_at_one_width():
    box = login_box([("URL", "http://demo.localhost:8000/"), ("Password", "p")]).splitlines()
    assert box[0] == box[-1] == "+" + "-" * 39 + "+"
    assert box[1:-1] == ["| URL       http://demo.localhost:8000/ |", "| Password  p                           |"]


def test_the_demo_tenant_is_on_pro_with_no_trial_to_end():
    from billing.selectors import subscription_of

    seed()
    subscription = subscription_of(Tenant.objects.get(slug="demo"))
    assert (subscription.plan.slug, subscription.status, subscription.trial_ends_at) == ("pro", "active", None)
