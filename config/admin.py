"""The admin site: platform operators on the public host, a tenant's owners and admins on its host.

Models declare where they live with `PublicSchemaAdmin` or `TenantSchemaAdmin`, so a tenant host
never shows platform tables and the public host never touches a tenant schema.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.forms import AuthenticationForm
from django_tenants.utils import get_public_schema_name

TENANT_ADMIN_ROLES = {"owner", "admin"}


def _on_public(request):
    tenant = getattr(request, "tenant", None)
    return tenant is None or tenant.schema_name == get_public_schema_name()


def may_use_admin(user, request):
    """Superusers (platform operators) anywhere; on a tenant's host, that tenant's owners and admins.

    Users live in the public schema and may belong to several tenants, so the right follows the membership
    of the host's tenant, not a global flag such as `is_staff`."""
    from accounts.selectors import membership_of

    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or _on_public(request):
        return user.is_superuser
    membership = membership_of(user, request.tenant)
    return membership is not None and membership.role in TENANT_ADMIN_ROLES


class AdminLoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "not_allowed": "This account cannot use this admin: on a tenant's host, log in as an owner or admin of that "
        "tenant; platform operators use the main host.",
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not may_use_admin(user, self.request):
            raise forms.ValidationError(self.error_messages["not_allowed"], code="not_allowed")


class PlatformAdminSite(admin.AdminSite):
    site_header = "Voice Agents administration"
    login_form = AdminLoginForm

    def has_permission(self, request):
        return may_use_admin(request.user, request)


class SchemaScopedAdmin(admin.ModelAdmin):
    """Every admin permission follows one rule, `_allowed(request)`, which each subclass defines
    according to where its model's table lives."""

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)


class ReadOnlyAdminMixin:
    """Rows only services write (audit log, usage, DNC entries, import reports, dialer state): shown, never
    added, edited or deleted by hand. List it before the schema admin: `class X(ReadOnlyAdminMixin, ...)`."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PublicSchemaAdmin(SchemaScopedAdmin):
    """Platform tables: superusers on the public host only."""

    def _allowed(self, request):
        return _on_public(request) and request.user.is_superuser


class TenantSchemaAdmin(SchemaScopedAdmin):
    """Tenant tables: on the tenant's own host, for the site's allowed users (owners, admins)."""

    def _allowed(self, request):
        return not _on_public(request) and admin.site.has_permission(request)
