"""Plans are data, priced as sold (Starter, Pro, Enterprise, seeded by a migration): a new tenant tries the default
plan (Starter), a tenant without a subscription is on it; a plan change applies at once and is audited in the tenant's
log; GET /api/billing/plan shows the plan with what is in use; platform operators manage plans and subscriptions in
the public admin."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing import selectors, services
from billing.models import Plan, Subscription
from billing.selectors import Limits
from billing.tests.factories import SUITE_PLAN, PlanFactory, put_on_plan
from calls.tests.factories import CallFactory
from compliance.models import AuditEvent
from tenants.services import create_tenant

pytestmark = pytest.mark.django_db

PLAN = "/api/billing/plan"


def default_plan():
    return Plan.objects.get(is_default=True)


# Plans and limits ---------------------------------------------------------------------------


PRICED = [
    "slug",
    "monthly_price",
    "monthly_minutes",
    "overage_price_per_minute",
    "max_agents",
    "max_campaign_contacts",
    "branching_templates",
    "calendar_integrations",
    "campaigns",
    "white_label",
]


def test_the_plans_are_seeded_as_priced():
    plans = Plan.objects.filter(is_listed=True).order_by("monthly_price").values_list(*PRICED)
    assert list(plans) == [
        ("starter", Decimal("49.00"), 500, None, 1, None, False, False, False, False),
        ("pro", Decimal("199.00"), 2000, Decimal("0.0800"), 3, 1000, True, True, True, False),
        ("agency", Decimal("299.00"), 2000, Decimal("0.0800"), 5, 1000, True, True, True, True),
        ("enterprise", None, None, None, None, None, True, True, True, True),
    ]


def test_starter_is_the_default_plan():
    assert default_plan().slug == "starter"


def test_a_new_tenant_starts_on_a_trial_of_starter_as_long_as_the_setting_says(settings):
    settings.BILLING_TRIAL_DAYS = 10
    tenant = create_tenant(name="Fresh Clinic", slug="fresh-clinic")
    subscription = selectors.subscription_of(tenant)
    assert (subscription.plan.slug, subscription.status) == ("starter", "trialing")
    assert abs(subscription.trial_ends_at - (timezone.now() + timedelta(days=10))) < timedelta(minutes=1)


def test_a_new_tenant_never_has_unlimited_minutes():
    tenant = create_tenant(name="Fresh Clinic", slug="fresh-clinic")
    assert selectors.limits(tenant).monthly_minutes == 500


def test_changing_a_tenants_plan_changes_its_limits_at_once(acme):
    put_on_plan(acme, max_concurrent_calls=3, monthly_minutes=300)
    assert selectors.limits(acme) == Limits(max_concurrent_calls=3, monthly_minutes=300)
    services.assign_plan(acme, default_plan())
    assert selectors.limits(acme) == Limits(max_concurrent_calls=2, monthly_minutes=500)
    assert Subscription.objects.filter(tenant=acme).count() == 1


def test_one_tenants_plan_leaves_the_others_on_theirs(acme, globex):
    put_on_plan(acme, max_concurrent_calls=1)
    assert selectors.plan_of(globex).slug == SUITE_PLAN


def test_a_plan_change_is_recorded_in_the_tenants_audit_log_with_who_did_it(acme, globex):
    operator = get_user_model().objects.create_superuser("ops@example.com", "Ops-Pass-123", name="Ops")
    gold = PlanFactory(slug="gold")
    services.assign_plan(acme, gold, actor=operator)
    with tenant_context(acme):
        event = AuditEvent.objects.get(action="billing.plan_changed")
    assert (event.actor_label, event.target, event.data) == (
        "ops@example.com",
        "plan:gold",
        {"from": SUITE_PLAN, "to": "gold"},
    )
    with tenant_context(globex):
        assert not AuditEvent.objects.filter(action="billing.plan_changed").exists()


def test_making_a_plan_the_default_takes_the_flag_from_the_previous_one(globex):
    Subscription.objects.filter(tenant=globex).delete()
    before, after = default_plan(), PlanFactory(max_concurrent_calls=9)
    services.make_default_plan(after)
    assert list(Plan.objects.filter(is_default=True)) == [after]
    assert selectors.limits(globex).max_concurrent_calls == 9
    before.refresh_from_db()
    assert before.is_default is False


def test_the_database_refuses_a_second_default_plan():
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanFactory(is_default=True)


def test_the_database_refuses_a_plan_without_a_line():
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanFactory(max_concurrent_calls=0)


def test_a_plan_tenants_are_on_cannot_be_deleted(acme):
    plan = put_on_plan(acme)
    with pytest.raises(IntegrityError), transaction.atomic():
        plan.delete()


# GET /api/billing/plan ----------------------------------------------------------------------


def test_a_member_sees_the_plan_its_limits_and_what_is_in_use(api, mike, acme):
    put_on_plan(acme, name="Clinic", slug="clinic", max_concurrent_calls=3, monthly_minutes=600)
    with tenant_context(acme):
        CallFactory(status="in_progress")
        CallFactory(duration_seconds=90)
    response = api(mike, acme).get(PLAN)
    assert response.status_code == 200
    assert response.json() == {
        "name": "Clinic",
        "slug": "clinic",
        "max_concurrent_calls": 3,
        "monthly_minutes": 600,
        "lines_in_use": 1,
        "minutes_used_this_month": 1.5,
    }


def test_a_tenant_without_a_subscription_sees_the_default_plan(api, bob, globex):
    Subscription.objects.filter(tenant=globex).delete()
    body = api(bob, globex).get(PLAN).json()
    assert (body["slug"], body["max_concurrent_calls"], body["monthly_minutes"]) == ("starter", 2, 500)
    assert (body["lines_in_use"], body["minutes_used_this_month"]) == (0, 0)


def test_bob_sees_his_own_plan_never_alices(api, bob, globex, acme):
    put_on_plan(acme, slug="acme-special")
    assert api(bob, globex).get(PLAN).json()["slug"] == SUITE_PLAN
    assert api(bob, acme).get(PLAN).json()["error_code"] == "not_a_member"


def test_charlie_cannot_see_alices_plan(api, charlie, acme):
    response = api(charlie, acme).get(PLAN)
    assert (response.status_code, response.json()["error_code"]) == (403, "not_a_member")


def test_the_plan_needs_a_login(api, acme):
    assert api(None, acme).get(PLAN).status_code == 401


# The public admin ---------------------------------------------------------------------------


@pytest.fixture
def operator_browser(db):
    operator = get_user_model().objects.create_superuser("ops@example.com", "Ops-Pass-123", name="Ops")
    client = Client(HTTP_HOST="localhost")
    client.force_login(operator)
    return client


def test_operators_create_plans_in_the_admin(operator_browser):
    response = operator_browser.post(
        "/admin/billing/plan/add/",
        {
            "name": "Growth",
            "slug": "growth",
            "is_listed": "on",
            "monthly_price": "99.00",
            "max_concurrent_calls": 20,
            "monthly_minutes": 5000,
            "minute_rounding": "up",
            "max_agents": 2,
            "campaigns": "on",
        },
    )
    assert response.status_code == 302
    growth = Plan.objects.get(slug="growth")
    assert (growth.monthly_price, growth.monthly_minutes, growth.max_agents, growth.is_default) == (99, 5000, 2, False)
    assert (growth.campaigns, growth.branching_templates) == (True, False)


def test_the_admin_refuses_a_plan_without_a_line_naming_the_field(operator_browser):
    response = operator_browser.post(
        "/admin/billing/plan/add/", {"name": "None", "slug": "none", "max_concurrent_calls": 0}
    )
    assert response.status_code == 200 and "max_concurrent_calls" in response.context["adminform"].form.errors
    assert not Plan.objects.filter(slug="none").exists()


def test_the_admin_action_makes_the_chosen_plan_the_default(operator_browser):
    growth = PlanFactory(slug="growth")
    response = operator_browser.post(
        "/admin/billing/plan/", {"action": "make_default", "_selected_action": [growth.pk]}
    )
    assert response.status_code == 302
    assert default_plan() == growth


def test_the_default_plan_cannot_be_deleted_in_the_admin(operator_browser):
    assert operator_browser.get(f"/admin/billing/plan/{default_plan().pk}/delete/").status_code == 403
    assert default_plan().slug == "starter"


def test_an_operator_puts_a_tenant_on_a_plan_in_the_admin_and_it_is_audited(operator_browser, acme):
    Subscription.objects.filter(tenant=acme).delete()
    growth = PlanFactory(slug="growth", max_concurrent_calls=20)
    response = operator_browser.post("/admin/billing/subscription/add/", {"tenant": acme.pk, "plan": growth.pk})
    assert response.status_code == 302
    assert selectors.limits(acme).max_concurrent_calls == 20
    with tenant_context(acme):
        assert AuditEvent.objects.get(action="billing.plan_changed").actor_label == "ops@example.com"


def test_tenant_admins_cannot_open_plans_on_their_host(alice, acme):
    alice.is_staff = True
    alice.save(update_fields=["is_staff"])
    client = Client(HTTP_HOST="acme.localhost")
    client.force_login(alice)
    assert client.get("/admin/billing/plan/").status_code == 403
    assert client.get("/admin/billing/subscription/").status_code == 403
