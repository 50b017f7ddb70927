"""Fail-closed access control for tenant-scoped API views.

`TenantPermission` is the default for every DRF view: it needs a chosen tenant (host, X-Tenant
header or API key), an authenticated member of that tenant, an API key of that same tenant with
the right scope, and the role permission the view names in `required_permission` — either one
string, or a dict by HTTP method with `*` for the other methods.
"""

from rest_framework import permissions

from accounts.models import ApiKey
from accounts.roles import role_has, role_may_grant
from accounts.selectors import creator_membership, membership_of
from accounts.services import check_verified
from config.errors import DomainError, Forbidden
from tenants.selectors import is_public

# What an account may do only once its email address is verified (an API key: its creator's).
NEEDS_VERIFIED_EMAIL = {"calls.place", "team.invite", "campaigns.manage"}


class TenantRequired(DomainError):
    error_code = "tenant_required"


def required_permission_for(view, request):
    required = getattr(view, "required_permission", None)
    if isinstance(required, dict):
        return required.get(request.method) or required.get("*")
    return required


def required_scope_for(view, request):
    """The API-key scope a request needs: the view's `required_scope` (a scope, or a dict by method), else
    read for safe methods and write for the rest."""
    scope = getattr(view, "required_scope", None)
    if isinstance(scope, dict):
        scope = scope.get(request.method)
    if scope:
        return scope
    return ApiKey.Scope.READ if request.method in permissions.SAFE_METHODS else ApiKey.Scope.WRITE


class TenantPermission(permissions.BasePermission):
    def has_permission(self, request, view):
        tenant = getattr(request, "tenant", None)
        if is_public(tenant):
            raise TenantRequired(
                "No tenant chosen: call the tenant's host, send an X-Tenant header, or use an API key."
            )
        user = request.user
        if user is None or not user.is_authenticated:
            return False  # DRF answers 401 with the authenticate header
        api_key = request.auth if isinstance(request.auth, ApiKey) else None
        scope = None
        if api_key is not None:
            if api_key.tenant_id != tenant.id:
                raise Forbidden("This API key belongs to another tenant.", error_code="wrong_tenant")
            scope = required_scope_for(view, request)
            if scope not in api_key.scopes:
                raise Forbidden(f"This API key lacks the '{scope}' scope.", error_code="missing_scope")
        membership = creator_membership(api_key) if api_key is not None else membership_of(user, tenant)
        if membership is None:
            raise Forbidden(f"You are not a member of tenant '{tenant.slug}'.", error_code="not_a_member")
        if scope is not None and not role_may_grant(membership.role, scope):
            # The creator's role was lowered since the key was made: the key is bounded by the role of today.
            raise Forbidden(
                f"This API key's '{scope}' scope exceeds its creator's role '{membership.role}'.",
                error_code="scope_exceeds_role",
            )
        if tenant.require_two_factor and api_key is None and not user.two_factor_enabled:
            raise Forbidden(
                f"Tenant '{tenant.slug}' requires two-factor sign-in: turn it on in your account first.",
                error_code="two_factor_required",
            )
        request.membership = membership
        permission = required_permission_for(view, request)
        if permission and not role_has(membership.role, permission):
            raise Forbidden(
                f"Your role '{membership.role}' does not allow '{permission}'.", error_code="role_forbidden"
            )
        if permission in NEEDS_VERIFIED_EMAIL:
            check_verified(user)  # an API key acts as its creator
        return True


class NoApiKey(permissions.BasePermission):
    """For a user's own account (profile, password, joining a tenant): a person's session, never an API key, which
    belongs to one tenant and must not act on the account behind it."""

    def has_permission(self, request, view):
        if isinstance(request.auth, ApiKey):
            raise Forbidden(
                "API keys cannot act on a user's account; log in instead.", error_code="api_key_not_allowed"
            )
        return True
