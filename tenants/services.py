"""Creating tenants and their domains; the only writers of Tenant and Domain."""

import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from config.audit import audit
from config.errors import Conflict, DomainError
from tenants import ip_allowlist
from tenants.dns import txt_records
from tenants.logos import checked_logo
from tenants.models import RESERVED_SLUGS, Domain, Logo, Tenant
from tenants.signals import tenant_closed, tenant_created, tenant_deleting


def _public():
    """django-tenants saves a tenant only from its own schema or the public one (an agency changes its clients)."""
    return schema_context(get_public_schema_name())


def tenant_hostname(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


def tenant_base_url(tenant) -> str:
    """The dashboard's address for links in messages: FRONTEND_URL, on the tenant's host when there is one."""
    if tenant is None:
        return settings.FRONTEND_URL
    parts = urlsplit(settings.FRONTEND_URL)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{tenant_hostname(tenant.slug)}{port}"


def ensure_public_tenant() -> Tenant:
    """The public schema's row and its hosts (signup, agency console, shared API host)."""
    public, _ = Tenant.objects.get_or_create(
        schema_name=get_public_schema_name(), defaults={"name": "Platform", "slug": "public"}
    )
    for host in {settings.BASE_DOMAIN, settings.API_HOST, "127.0.0.1"}:
        Domain.objects.get_or_create(
            domain=host, defaults={"tenant": public, "is_primary": host == settings.BASE_DOMAIN}
        )
    return public


def sync_tenant_template(verbosity=0) -> None:
    """Create or migrate the template schema that new tenants are cloned from."""
    template = settings.TENANT_BASE_SCHEMA
    if not schema_exists(template):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{template}"')
    call_command("migrate_schemas", schema_name=template, interactive=False, verbosity=verbosity)


@transaction.atomic
def check_new_slug(slug: str) -> str:
    """The slug, lower-cased, if a new tenant may take it."""
    slug = slug.lower()
    if slug in RESERVED_SLUGS:
        raise DomainError(
            f"'{slug}' is reserved.", error_code="slug_reserved", errors={"slug": ["This name is reserved."]}
        )
    if Tenant.objects.filter(slug=slug).exists():
        raise Conflict(f"Tenant '{slug}' already exists.", error_code="slug_taken", errors={"slug": ["Already taken."]})
    return slug


def create_tenant(*, name, slug, kind=Tenant.Kind.DIRECT, parent=None, owner=None, timezone="UTC", **branding):
    """Create a tenant with its schema (cloned from the template), its domain and its owner (who gets the owner
    role through the `tenant_created` signal, heard by accounts)."""
    slug = check_new_slug(slug)
    if kind == Tenant.Kind.CLIENT and (parent is None or parent.kind != Tenant.Kind.AGENCY):
        raise DomainError("A client tenant needs an agency parent.", errors={"parent": ["Must be an agency tenant."]})
    tenant = Tenant(
        name=name,
        slug=slug,
        schema_name=Tenant.schema_name_for(slug),
        kind=kind,
        parent=parent,
        timezone=timezone,
        **branding,
    )
    tenant.full_clean(exclude=["schema_name"])
    with _public():  # django-tenants creates schemas only from public
        tenant.save(verbosity=0)
    Domain.objects.create(domain=tenant_hostname(slug), tenant=tenant, is_primary=True)
    tenant_created.send(sender=Tenant, tenant=tenant, owner=owner)
    return tenant


def add_custom_domain(tenant: Tenant, domain: str) -> Domain:
    """White-label host for an agency or its clients."""
    domain = domain.strip().lower()
    if tenant.kind == Tenant.Kind.DIRECT:
        raise DomainError("Custom domains are for agencies and their clients.", error_code="custom_domain_not_allowed")
    if domain == settings.BASE_DOMAIN or domain.endswith("." + settings.BASE_DOMAIN):
        raise DomainError(
            f"Use a domain outside {settings.BASE_DOMAIN}.", errors={"domain": ["Reserved for the platform."]}
        )
    if Domain.objects.filter(domain=domain).exists():
        raise Conflict(f"Domain '{domain}' is already in use.", errors={"domain": ["Already in use."]})
    return Domain.objects.create(
        domain=domain, tenant=tenant, is_primary=False, verification_token=secrets.token_urlsafe(24)
    )


def verification_record(domain: Domain) -> dict:
    """The TXT record the domain's owner creates to prove they control it."""
    return {
        "type": "TXT",
        "name": f"{settings.DOMAIN_VERIFICATION_PREFIX}.{domain.domain}",
        "value": domain.verification_token,
    }


def verify_domain(domain: Domain, *, now=None) -> bool:
    """Looks the domain's TXT record up: once it holds the token the domain serves its tenant (for good; removing
    the record later changes nothing). Recorded in the tenant's audit log."""
    if not domain.is_pending:
        return True
    now = now or timezone.now()
    found = domain.verification_token in txt_records(verification_record(domain)["name"])
    domain.last_checked_at = now
    if found:
        domain.verified_at = now
    with transaction.atomic():
        domain.save(update_fields=["last_checked_at", "verified_at"])  # a save: the host cache forgets it
        if found:
            audit("tenant.domain_verified", tenants=[domain.tenant], target=f"domain:{domain.domain}")
    return found


def verify_pending_domains(now=None) -> list[str]:
    """Every custom domain still pending and added within DOMAIN_VERIFICATION_DAYS, checked: the ones now verified."""
    now = now or timezone.now()
    pending = (
        Domain.objects.select_related("tenant")
        .filter(
            verified_at__isnull=True,
            created_at__gte=now - timedelta(days=settings.DOMAIN_VERIFICATION_DAYS),
        )
        .exclude(verification_token="")
    )
    return [domain.domain for domain in pending if verify_domain(domain, now=now)]


def update_tenant(tenant: Tenant, **fields) -> Tenant:
    for name, value in fields.items():
        setattr(tenant, name, value)
    tenant.full_clean(exclude=["schema_name"])
    with _public():
        tenant.save(update_fields=list(fields))
    return tenant


def set_logo(tenant: Tenant, upload, *, actor=None) -> Logo:
    """The tenant's logo (`upload`: a file), replacing any before it, once `tenants.logos` accepts it; audited."""
    checked = checked_logo(upload)
    with _public():
        logo, _ = Logo.objects.update_or_create(
            tenant=tenant,
            defaults={"content": checked.content, "content_type": checked.content_type, "digest": checked.digest},
        )
    audit(
        "tenant.logo_changed",
        tenants=[tenant],
        actor=actor,
        target=f"tenant:{tenant.slug}",
        data={"content_type": checked.content_type, "bytes": len(checked.content), "sha256": checked.digest},
    )
    return logo


def remove_logo(tenant: Tenant, *, actor=None) -> None:
    """No logo of its own: a client shows its agency's again."""
    with _public():
        removed, _ = Logo.objects.filter(tenant=tenant).delete()
    if removed:
        audit("tenant.logo_removed", tenants=[tenant], actor=actor, target=f"tenant:{tenant.slug}")


def make_agency(tenant: Tenant, *, actor=None, reason: str = "") -> Tenant:
    """A direct tenant becomes an agency (it subscribed to a plan with white-label, or an operator said so), recorded
    in its audit log. An agency stays one: a downgrade keeps its clients (billing's plan refuses new ones)."""
    if tenant.kind != Tenant.Kind.DIRECT:
        return tenant
    tenant.kind = Tenant.Kind.AGENCY
    with _public():
        tenant.save(update_fields=["kind"])
    audit(
        "tenant.became_agency", tenants=[tenant], actor=actor, target=f"tenant:{tenant.slug}", data={"reason": reason}
    )
    return tenant


@transaction.atomic
def set_ip_allowlist(tenant: Tenant, ranges: list[str], *, actor=None, caller_ip: str = "") -> Tenant:
    """Replaces the tenant's allow-list (empty: reachable from anywhere). Refused when it would shut out the
    caller's own address, so nobody locks themselves out by mistake."""
    if len(ranges) > ip_allowlist.MAX_RANGES:
        raise DomainError(
            f"At most {ip_allowlist.MAX_RANGES} ranges.", errors={"ranges": [f"At most {ip_allowlist.MAX_RANGES}."]}
        )
    normalised, bad = [], []
    for value in ranges:
        try:
            normalised.append(ip_allowlist.normalise(value))
        except ValueError:
            bad.append(value)
    if bad:
        raise DomainError(
            f"Not an IP address or CIDR range: {', '.join(bad)}.",
            error_code="invalid_ip_range",
            errors={"ranges": [f"Not an IP address or CIDR range: {value}" for value in bad]},
        )
    normalised = list(dict.fromkeys(normalised))
    if caller_ip and not ip_allowlist.allows(normalised, caller_ip):
        raise Conflict(
            f"The list does not include your own address {caller_ip}: you would lock yourself out.",
            error_code="ip_allowlist_excludes_you",
            errors={"ranges": [f"Add {caller_ip} or a range holding it."]},
        )
    previous = tenant.ip_allowlist
    tenant.ip_allowlist = normalised
    tenant.save(update_fields=["ip_allowlist"])  # a save: the host cache (tenants.selectors) forgets the tenant
    audit(
        "tenant.ip_allowlist_changed",
        tenants=[tenant],
        actor=actor,
        target=f"tenant:{tenant.slug}",
        data={"from": previous, "to": normalised},
    )
    return tenant


@transaction.atomic
def set_status(tenant: Tenant, status: str, reason: str = "", *, actor=None) -> Tenant:
    """Suspends (its API, dashboard and calls stop) or resumes a tenant, recorded in its audit log. Resuming also
    takes back a pending deletion (`close_tenant`), so a tenant closed by mistake can be resumed within the grace."""
    tenant.status = status
    tenant.suspended_reason = reason if status == Tenant.Status.SUSPENDED else ""
    if status == Tenant.Status.ACTIVE:
        tenant.delete_after = None
    with _public():
        tenant.save(update_fields=["status", "suspended_reason", "delete_after"])
    action = "tenant.resumed" if status == Tenant.Status.ACTIVE else "tenant.suspended"
    audit(action, tenants=[tenant], actor=actor, target=f"tenant:{tenant.slug}", data={"reason": reason})
    return tenant


CLOSE_TASK = "tenants.delete_closed_tenants"
VERIFY_TASK = "tenants.verify_pending_domains"


def close_tenant(tenant: Tenant, *, actor=None, now=None) -> Tenant:
    """The owner closes the tenant: suspended at once (its API, dashboard and calls stop), and deleted with all its
    data once `TENANT_CLOSE_GRACE` has passed (`delete_closed_tenants`). An agency with clients cannot close."""
    if tenant.clients.exists():
        raise Conflict("Move or close this agency's client tenants first.", error_code="agency_has_clients", errors={})
    delete_after = (now or timezone.now()) + settings.TENANT_CLOSE_GRACE
    with transaction.atomic():
        tenant.status = Tenant.Status.SUSPENDED
        tenant.suspended_reason = f"Closed by its owner; its data is deleted on {delete_after:%Y-%m-%d}."
        tenant.delete_after = delete_after
        with _public():  # an agency closes its client from the agency's schema
            tenant.save(update_fields=["status", "suspended_reason", "delete_after"])  # the host cache forgets it
        audit(
            "tenant.closed",
            tenants=[tenant],
            actor=actor,
            target=f"tenant:{tenant.slug}",
            data={"delete_after": delete_after.isoformat()},
        )
        tenant_closed.send(sender=Tenant, tenant=tenant)
    return tenant


def delete_closed_tenants(now=None) -> list[str]:
    """Closed tenants past their grace period go, schema and all: the slugs deleted."""
    deleted = []
    due = Tenant.objects.filter(status=Tenant.Status.SUSPENDED, delete_after__lte=now or timezone.now())
    for tenant in due:
        tenant_deleting.send(sender=Tenant, tenant=tenant)
        tenant.delete(force_drop=True)
        deleted.append(tenant.slug)
    return deleted
