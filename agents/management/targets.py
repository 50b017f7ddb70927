"""The tenant (and agent) a management command works on (`--tenant`, `--agent`)."""

from django.core.management.base import CommandError

from agents.models import Agent
from tenants.models import Tenant
from tenants.selectors import tenant_by_slug


def tenant_named(slug: str) -> Tenant:
    tenant = tenant_by_slug(slug)
    if tenant is None:
        raise CommandError(f"No tenant '{slug}'.")
    return tenant


def agent_in_tenant(agent_id) -> Agent:
    """Run inside the tenant: the given agent, or its first active one."""
    agents = Agent.objects.select_related("template")
    agent = agents.filter(pk=agent_id).first() if agent_id else agents.filter(is_active=True).order_by("id").first()
    if agent is None:
        raise CommandError(f"No agent #{agent_id}." if agent_id else "This tenant has no active agent; pass --agent.")
    return agent
