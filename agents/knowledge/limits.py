"""What one knowledge-base file may expand to, for the current tenant: the KNOWLEDGE_FILE_LIMITS setting, with any
value overridden for the tenant's plan (by its slug) in KNOWLEDGE_FILE_LIMITS_BY_PLAN."""

from django.conf import settings
from django.db import connection

from agents.knowledge.files import FileLimits
from billing.selectors import plan_of


def file_limits(tenant=None) -> FileLimits:
    tenant = tenant if tenant is not None else getattr(connection, "tenant", None)
    values = dict(settings.KNOWLEDGE_FILE_LIMITS)
    if getattr(tenant, "pk", None) is not None:
        values.update(settings.KNOWLEDGE_FILE_LIMITS_BY_PLAN.get(plan_of(tenant).slug, {}))
    return FileLimits(**values)
