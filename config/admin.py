"""Model admins by where their table lives: models declare it with `PublicSchemaAdmin` or `TenantSchemaAdmin`, so a
tenant host never shows platform tables and the public host never touches a tenant schema. Who may use the admin
site at all is `accounts.admin_site`."""

from django.contrib import admin
from django_tenants.utils import get_public_schema_name


def _on_public(request):
    tenant = getattr(request, "tenant", None)
    return tenant is None or tenant.schema_name == get_public_schema_name()


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
