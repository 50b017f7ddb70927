"""Plans for tests (public schema: made and assigned inside the test's transaction, rolled back with it)."""

import factory

from billing.models import Plan, Subscription
from billing.selectors import FEATURES
from billing.services import assign_plan
from tenants.models import Tenant


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    name = factory.Sequence(lambda n: f"Plan {n}")
    slug = factory.Sequence(lambda n: f"plan-{n}")
    max_concurrent_calls = 5
    monthly_minutes = None
    # Every feature in, nothing but lines limited: a test names the limits it is about.
    branching_templates = calendar_integrations = campaigns = api_access = white_label = True


def put_on_plan(tenant, **limits) -> Plan:
    """Puts the tenant on a new plan with these limits (max_concurrent_calls, monthly_minutes, max_agents, ...)."""
    plan = PlanFactory(**limits)
    assign_plan(tenant, plan)
    return plan


# The suite's persona tenants are on a plan that limits nothing but lines (the former default's 5), so the tests of
# other apps are not bound by the priced plans; a test of a limit puts its tenant on a plan of its own.
SUITE_PLAN = "suite-everything"


def suite_plan() -> Plan:
    plan, _ = Plan.objects.get_or_create(
        slug=SUITE_PLAN,
        defaults={
            "name": "Suite (everything)",
            "max_concurrent_calls": 5,
            **{feature: True for feature in FEATURES},
        },
    )
    return plan


def reset_persona_plans(slugs) -> None:
    """Back to the start of the suite: the personas on the suite plan, no other subscriptions, no other plans but the
    seeded ones (for tests whose data is committed)."""
    plan = suite_plan()
    Subscription.objects.exclude(tenant__slug__in=slugs).delete()
    for tenant in Tenant.objects.filter(slug__in=slugs):
        Subscription.objects.update_or_create(
            tenant=tenant,
            defaults={
                "plan": plan,
                "status": Subscription.Status.ACTIVE,
                "trial_ends_at": None,
                "current_period_end": None,
                "cancel_at_period_end": False,
                "payment_failed_at": None,
                "stripe_customer_id": "",
                "stripe_subscription_id": "",
                "stripe_event_created": None,
            },
        )
    Plan.objects.filter(is_listed=False).exclude(pk=plan.pk).delete()
