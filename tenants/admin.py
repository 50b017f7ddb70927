from django.contrib import admin

from config.admin import PublicSchemaAdmin
from tenants.models import Domain, Tenant


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Tenant)
class TenantAdmin(PublicSchemaAdmin):
    list_display = ["name", "slug", "kind", "status", "parent", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "slug"]
    readonly_fields = ["schema_name", "created_at"]
    inlines = [DomainInline]


@admin.register(Domain)
class DomainAdmin(PublicSchemaAdmin):
    list_display = ["domain", "tenant", "is_primary"]
    search_fields = ["domain", "tenant__slug"]
