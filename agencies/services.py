"""An agency's management of its client tenants: creating them (the agency's owners own each one), their plan, price,
branding and status, closing them, and acting inside them. The writers are the owning apps' services (tenants,
billing); this module holds the agency's rules and records each change in the audit log the client's owners read."""

from django.db import transaction

from billing import quotas
from billing import selectors as billing_selectors
from billing import services as billing_services
from config.audit import audit
from config.errors import DomainError, Forbidden, NotFound
from tenants import services as tenant_services
from tenants.models import Tenant
from tenants.selectors import clients_of

TENANT_FIELDS = ("name", "timezone", "product_name", "primary_colour", "support_email", "sender_name")
PRICE_FIELDS = ("monthly_price", "minute_price")


def agency_of(tenant) -> Tenant:
    if tenant.kind != Tenant.Kind.AGENCY:
        raise Forbidden("Only agency tenants have clients.", error_code="not_an_agency")
    return tenant


def client_of(agency, client_id) -> Tenant:
    """One of the agency's own clients; another agency's client is as unknown as one that does not exist."""
    client = clients_of(agency_of(agency)).filter(pk=client_id).first()
    if client is None:
        raise NotFound("No such client.", error_code="client_not_found")
    return client


def _plan(slug):
    plan = billing_selectors.listed_plan(slug)
    if plan is None:
        raise DomainError(f"No plan '{slug}'.", error_code="unknown_plan", errors={"plan": ["Choose a listed plan."]})
    return plan


@transaction.atomic
def create_client(agency, *, actor, name, slug, timezone="UTC", plan=None, **fields) -> Tenant:
    """A client tenant under the agency, on `plan` (default: the default plan) at once, with no trial: the platform
    bills the agency, and the agency its clients (`ClientPrice`). The agency's own plan must have white-label (an
    agency that left the agency plan keeps its clients but adds none: 402 `plan_limit`), in good standing (a
    canceled, unpaid or ended-trial subscription adds none either)."""
    quotas.check_feature(agency_of(agency), "white_label")
    quotas.check_outbound(agency)
    prices = {name: fields.pop(name) for name in PRICE_FIELDS if name in fields}
    client = tenant_services.create_tenant(
        name=name,
        slug=slug,
        timezone=timezone,
        kind=Tenant.Kind.CLIENT,
        parent=agency_of(agency),
        owner=actor,
        **fields,
    )
    billing_services.assign_plan(client, _plan(plan) if plan else billing_selectors.default_plan(), actor=actor)
    if prices:
        billing_services.set_client_price(client, actor=actor, **prices)
    audit("agency.client_created", tenants=[agency], actor=actor, target=f"tenant:{client.slug}")
    return client


@transaction.atomic
def update_client(agency, client, *, actor, **fields) -> Tenant:
    """Changes any of the client's name, time zone, branding, plan, price and status (`suspended` with a `reason`,
    or `active`, which also takes back a pending deletion)."""
    agency_of(agency)
    changed = {name: fields[name] for name in TENANT_FIELDS if name in fields}
    if changed:
        tenant_services.update_tenant(client, **changed)
        audit(
            "agency.client_changed",
            tenants=[client],
            actor=actor,
            target=f"tenant:{client.slug}",
            data={"agency": agency.slug, "fields": sorted(changed)},
        )
    if fields.get("plan"):
        billing_services.assign_plan(client, _plan(fields["plan"]), actor=actor)
    prices = {name: fields[name] for name in PRICE_FIELDS if name in fields}
    if prices:
        billing_services.set_client_price(client, actor=actor, **prices)
    if "status" in fields and (fields["status"] != client.status or client.delete_after is not None):
        tenant_services.set_status(client, fields["status"], fields.get("reason", ""), actor=actor)
    return client


def set_client_logo(agency, client, upload, *, actor):
    """The client's own logo (`upload`: a file; without one it shows the agency's), in the client's audit log."""
    agency_of(agency)
    return tenant_services.set_logo(client, upload, actor=actor)


def remove_client_logo(agency, client, *, actor) -> None:
    agency_of(agency)
    tenant_services.remove_logo(client, actor=actor)


def delete_client(agency, client, *, actor) -> Tenant:
    """Soft delete: the client is suspended at once and deleted with its data after TENANT_CLOSE_GRACE; resuming it
    before then (`status: active`) keeps it."""
    agency_of(agency)
    return tenant_services.close_tenant(client, actor=actor)


def impersonate(agency, client, *, actor) -> str:
    """The agency's user is about to act inside the client: recorded in the client's audit log (who, from which
    agency and address), where the client's own staff see it. Returns the client's host."""
    agency_of(agency)
    audit(
        "agency.impersonation",
        tenants=[client],
        actor=actor,
        target=f"user:{actor.email}",
        data={"agency": agency.slug},
    )
    return tenant_services.tenant_hostname(client.slug)
