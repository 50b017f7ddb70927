from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import ApiKey, Invitation, Membership, User
from config.admin import PublicSchemaAdmin


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class UserAdmin(PublicSchemaAdmin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_staff", "last_active"]
    search_fields = ["email", "name"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    fieldsets = [
        (None, {"fields": ["email", "name", "password"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Activity", {"fields": ["date_joined", "last_login", "last_active"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]})]
    readonly_fields = ["date_joined", "last_login", "last_active"]
    filter_horizontal = []
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(PublicSchemaAdmin):
    list_display = ["user", "tenant", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "tenant__slug"]


@admin.register(Invitation)
class InvitationAdmin(PublicSchemaAdmin):
    list_display = ["email", "tenant", "role", "created_at", "expires_at", "accepted_at"]
    readonly_fields = ["token_hash"]


@admin.register(ApiKey)
class ApiKeyAdmin(PublicSchemaAdmin):
    list_display = ["name", "prefix", "tenant", "created_by", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "last_used_at"]
