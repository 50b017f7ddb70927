import copy
import time

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
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


class HostCache:
    """Host name -> tenant, read on every request and changed rarely, kept `seconds` per process instead
    of a query per request. Any save or delete of a Domain or Tenant empties it in the process that made it, at once
    and again when that transaction commits (a request in between may have read the old row); other processes see the
    change, a suspension included, within `seconds`. The clock is an attribute so tests can move time."""

    seconds = 5.0

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._entries = {}

    def get(self, hostname):
        """(True, tenant) while fresh, else (False, None)."""
        entry = self._entries.get(hostname)
        if entry is None or self.clock() - entry[0] >= self.seconds:
            return False, None
        return True, entry[1]

    def put(self, hostname, tenant):
        self._entries[hostname] = (self.clock(), tenant)

    def clear(self):
        self._entries.clear()


host_cache = HostCache()


def tenant_for_host(host: str) -> Tenant | None:
    """The tenant served at a Host header's name (the public tenant for the platform's own hosts), if any (a custom
    domain not verified yet serves nobody): a copy of its own, which the caller may change (the middleware sets `domain_url`)."""
    hostname = hostname_of(host)
    fresh, tenant = host_cache.get(hostname)
    if not fresh:
        domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
        if domain is None or domain.is_pending:
            return None  # not remembered: any Host header can be sent, and the cache must stay as small as Domain
        tenant = domain.tenant
        host_cache.put(hostname, tenant)
    return copy.copy(tenant)


@receiver(post_save, sender=Domain, dispatch_uid="tenants.host_cache.domain_saved")
@receiver(post_delete, sender=Domain, dispatch_uid="tenants.host_cache.domain_deleted")
@receiver(post_save, sender=Tenant, dispatch_uid="tenants.host_cache.tenant_saved")
@receiver(post_delete, sender=Tenant, dispatch_uid="tenants.host_cache.tenant_deleted")
def _forget_hosts(sender, using, **kwargs):
    host_cache.clear()
    transaction.on_commit(host_cache.clear, using=using)


def clients_of(agency):
    return Tenant.objects.filter(parent=agency)
