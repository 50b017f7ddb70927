from django_tenants.utils import get_public_schema_name

from tenants.models import Tenant


def is_public(tenant) -> bool:
    return tenant is None or tenant.schema_name == get_public_schema_name()


def tenants_for_user(user):
    return Tenant.objects.filter(memberships__user=user).order_by("name")
