"""Chooses the tenant of each request, and fails closed when there is none.

- `<slug>.<BASE_DOMAIN>` and custom domains: the tenant that owns the host.
- The public hosts (BASE_DOMAIN, API_HOST): the public schema, unless an API request names its
  tenant through an `X-Tenant: <slug>` header or a registered source (accounts registers the API key's tenant). Whether the caller may act in that
  tenant is decided by `accounts.permissions.TenantPermission`, once the caller is known.
- Suspended tenants get 403, and so does a client outside the tenant's IP allow-list (before authentication). The connection goes back to the public schema after every request so
  that nothing run later on this thread inherits the tenant.
"""

from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpResponseForbidden
from django_tenants.utils import get_public_schema_name

from config.api.errors import error_response
from config.proxies import client_ip
from tenants import ip_allowlist
from tenants.models import Tenant
from tenants.selectors import hostname_of, tenant_by_slug, tenant_for_host

TENANT_HEADER = "X-Tenant"
# Reached from outside any allow-list: Twilio's signed webhooks and health checks.
UNLISTED_PATHS = ("/webhooks/", "/health")
# Kubernetes probes and Prometheus address a pod by its IP, a host no tenant has: these answer on any host, on the
# public schema (neither reads a tenant's data; /metrics keeps its own token or network guard).
ANY_HOST_PATHS = ("/health", "/metrics")

# name -> request -> Tenant | None: how an API request on a public host names its tenant besides X-Tenant.
_tenant_sources = {}


def register_tenant_source(name, find_tenant):
    """Registered by apps above tenants at start-up."""
    _tenant_sources[name] = find_tenant


def _is_api(request):
    return request.path.startswith("/api/")


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        connection.set_schema_to_public()
        try:
            response = self._resolve(request)
            if response is None:
                response = self.get_response(request)
        finally:
            connection.set_schema_to_public()
        return response

    def _resolve(self, request):
        try:
            hostname = hostname_of(request.get_host())
        except DisallowedHost:
            return error_response(request, 400, "Host header is not allowed.", "invalid_host")
        tenant = tenant_for_host(hostname)
        if tenant is None and request.path in ANY_HOST_PATHS:
            tenant = Tenant.objects.filter(schema_name=get_public_schema_name()).first()
        if tenant is None:
            return error_response(request, 404, f"No tenant is served at host '{hostname}'.", "unknown_host")

        if tenant.schema_name == get_public_schema_name() and _is_api(request):
            chosen = self._tenant_named_by_request(request)
            if isinstance(chosen, Tenant):
                tenant = chosen
            elif chosen is not None:
                return chosen

        if not tenant.is_active:
            message = f"Tenant '{tenant.slug}' is suspended." + (
                f" {tenant.suspended_reason}" if tenant.suspended_reason else ""
            )
            if _is_api(request):
                return error_response(request, 403, message, "tenant_suspended")
            return HttpResponseForbidden(message)

        if tenant.ip_allowlist and not request.path.startswith(UNLISTED_PATHS):
            address = client_ip(request)
            if not ip_allowlist.allows(tenant.ip_allowlist, address):
                message = f"Tenant '{tenant.slug}' is not reachable from {address}."
                if _is_api(request):
                    return error_response(request, 403, message, "ip_not_allowed")
                return HttpResponseForbidden(message)

        tenant.domain_url = hostname
        request.tenant = tenant
        connection.set_tenant(tenant)
        return None

    def _tenant_named_by_request(self, request):
        slug = request.headers.get(TENANT_HEADER, "").strip().lower()
        if slug:
            tenant = tenant_by_slug(slug)
            if tenant is None:
                return error_response(
                    request, 404, f"Unknown tenant '{slug}'.", "unknown_tenant", {"X-Tenant": ["Unknown tenant."]}
                )
            return tenant
        for find_tenant in _tenant_sources.values():
            tenant = find_tenant(request)
            if tenant is not None:
                return tenant
        return None
