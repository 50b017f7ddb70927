"""The agency's brand (what its clients' users and contacts see: tenants.branding), edited with a live preview, and
its custom domains with the DNS record that verifies each."""

from django.shortcuts import render
from django.views.decorators.http import require_POST

from config.errors import DomainError, NotFound
from dashboard.views.agency import _agency_only
from dashboard.views.base import form_failure, tenant_page, validate
from tenants import services
from tenants.api import serializers as s
from tenants.branding import own_logo_path
from tenants.models import Domain

TEMPLATE = "dashboard/agency_branding.html"
FIELDS = ("product_name", "primary_colour", "support_email", "sender_name")


def _context(request, **extra):
    domains = [
        {"domain": domain, "record": services.verification_record(domain) if domain.verification_token else None}
        for domain in Domain.objects.filter(tenant=request.tenant).order_by("-is_primary", "domain")
    ]
    values = {name: getattr(request.tenant, name) for name in FIELDS}
    logo_path = own_logo_path(request.tenant)
    return {"values": values, "domains": domains, "logo_path": logo_path, **extra}


@tenant_page({"GET": "tenant.view", "*": "tenant.manage"})
@_agency_only
def branding(request):
    if request.method != "POST":
        return render(request, TEMPLATE, _context(request))
    values = {name: request.POST.get(name, "").strip() for name in FIELDS}
    try:
        data = validate(s.TenantUpdateSerializer, values)
        if request.FILES.get("logo"):
            services.set_logo(request.tenant, request.FILES["logo"], actor=request.user)
        services.update_tenant(request.tenant, **data)
    except DomainError as exc:
        return form_failure(request, TEMPLATE, {**_context(request), "values": values}, exc)
    return render(request, TEMPLATE, _context(request, saved=True))


@require_POST
@tenant_page("tenant.manage")
@_agency_only
def add_domain(request):
    values = {"domain": request.POST.get("domain", "").strip().lower()}
    try:
        data = validate(s.DomainCreateSerializer, values)
        domain = services.add_custom_domain(request.tenant, data["domain"])
    except DomainError as exc:
        return form_failure(request, TEMPLATE, {**_context(request), "domain_value": values["domain"]}, exc)
    return render(request, TEMPLATE, _context(request, added=domain), status=201)


@require_POST
@tenant_page("tenant.manage")
@_agency_only
def verify_domain(request, domain_id):
    domain = Domain.objects.filter(tenant=request.tenant, pk=domain_id).first()
    if domain is None:
        raise NotFound("No such domain.")
    verified = services.verify_domain(domain)
    return render(request, TEMPLATE, _context(request, checked=domain, verified=verified))
