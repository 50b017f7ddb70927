"""The plan's limits, checked by the app that owns each action, just before it acts: agents (agents), campaigns and
their contacts (campaigns), each dial and each inbound call (calls), branching templates (agents), calendar
connections (scheduling). Billing counts nothing of theirs: the caller passes what is in use. Every refusal is one
`PlanLimit` (402 `plan_limit`) naming the limit, the use, the tenant's plan and the listed plan that lifts it."""

from billing.models import Plan
from billing.selectors import FEATURES, plan_of, resolve_tenant, standing
from config.errors import PlanLimit


def _plan(tenant) -> Plan | None:
    """The plan that limits the tenant; None in a schema no tenant owns (the template), which nothing limits."""
    tenant = resolve_tenant(tenant)
    return plan_of(tenant) if tenant is not None else None


def _upgrade(field: str, needed, requires: str = "") -> Plan | None:
    """The cheapest listed plan that allows `needed` of `field` (a feature: True), and has the feature `requires`;
    custom-priced ones last. The agency plans (those billing their clients' minutes) are offered for white-label
    only: a business that needs more contacts is not sent to a reseller's plan."""
    plans = Plan.objects.filter(is_listed=True, **({requires: True} if requires else {})).order_by(
        "monthly_price", "pk"
    )
    if field != "white_label":
        plans = plans.filter(client_minute_price__isnull=True)
    for plan in plans:  # a handful of rows; NULL prices (custom) sort last in PostgreSQL
        allowed = getattr(plan, field)
        if needed is True and allowed is True or needed is not True and (allowed is None or allowed >= needed):
            return plan
    return None


def _refuse(plan: Plan, field: str, *, what: str, current, allowed, needed, requires: str = "") -> PlanLimit:
    upgrade = _upgrade(field, needed, requires)
    lift = f" The {upgrade.name} plan allows it." if upgrade is not None and upgrade.pk != plan.pk else ""
    return PlanLimit(
        f"The {plan.name} plan {what}.{lift}",
        limit=field,
        current=current,
        allowed=allowed,
        plan=plan.slug,
        upgrade_to=upgrade.slug if upgrade is not None and upgrade.pk != plan.pk else None,
    )


def check_feature(tenant, feature: str) -> None:
    """The plan includes the feature (a key of FEATURES)."""
    plan = _plan(tenant)
    if plan is not None and not getattr(plan, feature):
        raise _refuse(
            plan,
            feature,
            what=f"does not include {FEATURES[feature].lower()}",
            current=False,
            allowed=False,
            needed=True,
        )


def check_agents(tenant, *, current: int) -> None:
    """One more agent fits in the plan (`current`: the agents the tenant has)."""
    plan = _plan(tenant)
    if plan is not None and plan.max_agents is not None and current + 1 > plan.max_agents:
        raise _refuse(
            plan,
            "max_agents",
            what=f"allows {plan.max_agents} agent(s) and {current} exist",
            current=current,
            allowed=plan.max_agents,
            needed=current + 1,
        )


def check_campaign(tenant, *, contacts: int) -> None:
    """A campaign (or bulk calls) of `contacts` contacts may start: campaigns are in the plan, the campaign is within
    the plan's contacts per campaign, and the subscription allows outbound calls."""
    check_feature(tenant, "campaigns")
    plan = _plan(tenant)
    if plan is not None and plan.max_campaign_contacts is not None and contacts > plan.max_campaign_contacts:
        raise _refuse(
            plan,
            "max_campaign_contacts",
            what=f"allows {plan.max_campaign_contacts} contacts per campaign, this one has {contacts}",
            current=contacts,
            allowed=plan.max_campaign_contacts,
            needed=contacts,
            requires="campaigns",
        )
    check_outbound(tenant)


def check_outbound(tenant) -> None:
    """The subscription allows calling out (a trial not over, payments not overdue past the grace period)."""
    found = standing(tenant)
    if found.restricted:
        plan = plan_of(tenant)
        raise PlanLimit(found.detail, limit="subscription", current=found.restricted, allowed=None, plan=plan.slug)


def minutes_left(tenant, *, used: float) -> bool:
    """Whether another call may start after `used` minutes this month: a plan with overage pricing bills the
    minutes beyond those included instead of stopping there."""
    plan = _plan(tenant)
    return (
        plan is None
        or plan.monthly_minutes is None
        or plan.overage_price_per_minute is not None
        or used < plan.monthly_minutes
    )


def check_minutes(tenant, *, used: float) -> None:
    """A dial: the plan's included minutes are not used up (or the plan bills the overage)."""
    if not minutes_left(tenant, used=used):
        plan = plan_of(tenant)
        raise _refuse(
            plan,
            "monthly_minutes",
            what=f"includes {plan.monthly_minutes} call minutes a month and they are used up",
            current=round(used, 2),
            allowed=plan.monthly_minutes,
            needed=int(used) + 1,
        )
