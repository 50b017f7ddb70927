"""The admin site: platform operators (superusers) on the public host, a tenant's owners and admins on its host."""

from django import forms
from django.contrib import admin
from django.contrib.auth.forms import AuthenticationForm

from accounts.selectors import membership_of
from tenants.selectors import is_public

TENANT_ADMIN_ROLES = {"owner", "admin"}


def may_use_admin(user, request):
    """Superusers (platform operators) anywhere; on a tenant's host, that tenant's owners and admins.

    Users live in the public schema and may belong to several tenants, so the right follows the membership
    of the host's tenant, not a global flag such as `is_staff`."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or is_public(getattr(request, "tenant", None)):
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
