"""A member's own sign-in security: two-factor sign-in (enrol with a QR code, confirm, recovery codes shown once,
disable with the password) and their API sessions (refresh tokens), each of which they can end."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import services, two_factor
from accounts.api import serializers as s
from config.errors import DomainError
from dashboard.views.base import form_failure, tenant_page, validate

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
