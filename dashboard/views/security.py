"""Sign-in security: a member's own two-factor sign-in (enrol with a QR code, confirm, recovery codes shown once,
disable with the password) and their API sessions (refresh tokens), each of which they can end; and the workspace's
guards (two-factor sign-in required of every member, an IP allow-list)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import services, two_factor
from accounts.api import serializers as s
from config.errors import DomainError
from config.proxies import client_ip
from dashboard.views.base import form_failure, tenant_page, validate
from tenants import services as tenant_services
from tenants.api import serializers as tenant_serializers

TWO_FACTOR = "dashboard/security/two_factor.html"


@tenant_page(None, two_factor_setup=True)
def two_factor_page(request):
    """`action`: `start` shows a new secret's QR code, `confirm` turns 2FA on with a code from the app (the recovery
    codes are shown this once), `disable` turns it off with the password."""
    user = request.user
    if request.method != "POST":
        return render(request, TWO_FACTOR, {})
    action = request.POST.get("action", "")
    try:
        if action == "start":
            return render(request, TWO_FACTOR, {"enrolment": two_factor.start_enrolment(user)})
        if action == "confirm":
            data = validate(s.TwoFactorCodeSerializer, {"code": request.POST.get("code", "")})
            codes, _ = services.enable_two_factor(user, code=data["code"])
            user.refresh_from_db()
            return render(request, TWO_FACTOR, {"recovery_codes": codes})
        if action == "disable":
            data = validate(s.PasswordConfirmSerializer, {"password": request.POST.get("password", "")})
            services.disable_two_factor(user, password=data["password"])
            messages.success(request, "Two-factor sign-in is off.")
            return redirect("dashboard:two_factor")
    except DomainError as exc:
        # A wrong code keeps the enrolment under way: its QR code stays on the page.
        pending = action == "confirm" and getattr(user, "two_factor", None) is not None
        return form_failure(request, TWO_FACTOR, {"confirming": pending}, exc)
    return redirect("dashboard:two_factor")


@tenant_page(None)
def sessions(request):
    return render(request, "dashboard/security/sessions.html", {"sessions": services.active_sessions(request.user)})


@require_POST
@tenant_page(None)
def revoke_session(request, session_id):
    services.revoke_session(request.user, session_id)
    messages.success(request, "That session is signed out: it can no longer get new tokens.")
    return redirect("dashboard:sessions")


WORKSPACE = "dashboard/security/workspace.html"


def _workspace_context(request, **more):
    tenant = request.tenant
    return {"require_two_factor": tenant.require_two_factor, "ranges": "\n".join(tenant.ip_allowlist), **more}


@tenant_page("tenant.manage", two_factor_setup=True)
def workspace_security(request):
    """The workspace's own guards (owners and admins): whether every member must use two-factor sign-in (owners
    change it), and the addresses its dashboard and API answer (`ranges`, one per line; the services refuse a list
    that would shut out the one saving it)."""
    if request.method != "POST":
        return render(request, WORKSPACE, _workspace_context(request))
    action = request.POST.get("action", "")
    try:
        if action == "two_factor":
            data = validate(s.TwoFactorRequirementSerializer, {"required": request.POST.get("required") == "on"})
            services.require_two_factor(tenant=request.tenant, actor=request.membership, required=data["required"])
            messages.success(request, "Saved: " + ("every member needs" if data["required"] else "members choose"))
        elif action == "allowlist":
            lines = [line.strip() for line in request.POST.get("ranges", "").splitlines() if line.strip()]
            data = validate(tenant_serializers.IpAllowlistSerializer, {"ranges": lines})
            tenant_services.set_ip_allowlist(
                request.tenant, data["ranges"], actor=request.user, caller_ip=client_ip(request)
            )
            messages.success(request, "Saved: the workspace answers only the listed addresses, if any.")
        return redirect("dashboard:workspace_security")
    except DomainError as exc:
        typed = request.POST.get("ranges", "") if action == "allowlist" else None
        context = _workspace_context(request) | ({"ranges": typed} if typed is not None else {})
        return form_failure(request, WORKSPACE, context, exc)
