"""Plans for tests (public schema: made and assigned inside the test's transaction, rolled back with it)."""

import factory

from billing.models import Plan
from billing.services import assign_plan


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    name = factory.Sequence(lambda n: f"Plan {n}")
    slug = factory.Sequence(lambda n: f"plan-{n}")
    max_concurrent_calls = 5
    monthly_minutes = None


def put_on_plan(tenant, **limits) -> Plan:
    """Puts the tenant on a new plan with these limits (max_concurrent_calls, monthly_minutes)."""
    plan = PlanFactory(**limits)
    assign_plan(tenant, plan)
    return plan
