from django_tenants.utils import get_public_schema_name, remove_www

from tenants.models import Domain, Tenant


def is_public(tenant) -> bool:
    return tenant is None or tenant.schema_name == get_public_schema_name()


def tenant_by_slug(slug) -> Tenant | None:
    """A tenant by its slug, in any case; never the public tenant (None for it, an unknown or an empty slug)."""
    slug = str(slug or "").strip().lower()
    if not slug:
        return None
    return Tenant.objects.exclude(schema_name=get_public_schema_name()).filter(slug=slug).first()


def hostname_of(host: str) -> str:
    """The name a Host header (`www.` and port dropped, lower case) is looked up under."""
    return remove_www(host.split(":")[0]).lower()


def tenant_for_host(host: str) -> Tenant | None:
    """The tenant served at a Host header's name (the public tenant for the platform's own hosts), if any."""
    domain = Domain.objects.select_related("tenant").filter(domain=hostname_of(host)).first()
    return domain.tenant if domain is not None else None
