"""Sign-up (the platform's host), log in and out (a workspace's host), password reset and invitations (any host):
Django sessions with CSRF, over the accounts services the API uses."""

from django.contrib import auth, messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from accounts import services
from accounts.api import serializers as s
from accounts.selectors import invitation_by_token
from config.errors import DomainError
from config.proxies import client_ip
from dashboard.views.base import error_page, form_failure, redirects_to_tenant_hosts, tenant_url, validate
from tenants.selectors import is_public


@redirects_to_tenant_hosts
def signup(request):
    if not is_public(getattr(request, "tenant", None)):
        return redirect("dashboard:overview")
    template = "dashboard/auth/signup.html"
    if request.method != "POST":
        return render(request, template, {"values": {}})
    values = {name: request.POST.get(name, "") for name in ("email", "name", "company", "slug", "timezone")}
    try:
        # A blank time zone takes the serializer's default.
        entered = {name: value for name, value in values.items() if value or name != "timezone"}
        data = validate(s.RegisterSerializer, {**entered, "password": request.POST.get("password", "")})
        services.register(
            email=data["email"],
            password=data["password"],
            name=data["name"],
            company=data["company"],
            slug=data["slug"],
            timezone_name=data["timezone"],
            ip=client_ip(request),
        )
    except DomainError as exc:
        return form_failure(request, template, {"values": values}, exc)
    # The session cookie belongs to one host: the new workspace's host asks for the password once more. A taken
    # address is answered alike (its owner is emailed instead): sign-up reveals no account.
    query = urlencode({"email": data["email"], "welcome": 1})
    return redirect(tenant_url(request, data["slug"].lower(), f"{reverse('dashboard:login')}?{query}"))


def login(request):
    tenant = getattr(request, "tenant", None)
    if is_public(tenant):
        return redirect("dashboard:signup")
    template = "dashboard/auth/login.html"
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    context = {"next": next_url, "values": {"email": request.GET.get("email", "")}, "welcome": "welcome" in request.GET}
    if request.method != "POST":
        return render(request, template, context)
    context["values"] = {"email": request.POST.get("email", "")}
    try:
        data = validate(
            s.LoginSerializer, {"email": request.POST.get("email", ""), "password": request.POST.get("password", "")}
        )
        user = services.session_login(
            email=data["email"], password=data["password"], code=request.POST.get("code", ""), ip=client_ip(request)
        )
    except DomainError as exc:
        return form_failure(request, template, context, exc)
    auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(next_url or "dashboard:overview")


@require_POST
def logout(request):
    auth.logout(request)
    messages.info(request, "You are logged out.")
    return redirect("dashboard:login")


def password_reset(request):
    template = "dashboard/auth/password_reset.html"
    if request.method != "POST":
        return render(request, template, {"values": {}})
    values = {"email": request.POST.get("email", "")}
    try:
        data = validate(s.PasswordResetSerializer, values)
        services.request_password_reset(data["email"], ip=client_ip(request), tenant=request.tenant)
    except DomainError as exc:
        return form_failure(request, template, {"values": values}, exc)
    return render(request, template, {"values": values, "sent": True})


def password_reset_confirm(request):
    """The page the reset email links to (`FRONTEND_URL`/reset-password?uid=…&token=…)."""
    template = "dashboard/auth/password_reset_confirm.html"
    params = request.POST if request.method == "POST" else request.GET
    context = {"uid": params.get("uid", ""), "token": params.get("token", "")}
    if request.method != "POST":
        return render(request, template, context)
    try:
        data = validate(
            s.PasswordResetConfirmSerializer, {**context, "new_password": request.POST.get("new_password", "")}
        )
        services.confirm_password_reset(**data, ip=client_ip(request))
    except DomainError as exc:
        return form_failure(request, template, context, exc)
    return render(request, template, {**context, "done": True})


@redirects_to_tenant_hosts
def accept_invitation(request, token):
    """The page the invitation email links to (`FRONTEND_URL`/invitations/<token>), on any host: a user logged in
    there joins as themselves; a new one chooses a name and password; an existing one logs in first."""
    invitation = invitation_by_token(token)
    if invitation is None:
        return error_page(request, 404, "This invitation link is not valid.")
    if invitation.status != "pending":
        return error_page(request, 410, f"This invitation is {invitation.status}.")
    template = "dashboard/auth/invitation.html"
    login_url = tenant_url(
        request,
        invitation.tenant.slug,
        f"{reverse('dashboard:login')}?{urlencode({'email': invitation.email, 'next': request.path})}",
    )
    context = {"invitation": invitation, "login_url": login_url, "values": {}}
    if request.method != "POST":
        return render(request, template, context)
    context["values"] = {"name": request.POST.get("name", "")}
    try:
        entered = {name: request.POST[name] for name in ("name", "password") if request.POST.get(name)}
        data = validate(s.AcceptInvitationSerializer, entered)
        acceptance = services.accept_invitation(token=token, user=request.user, **data)
    except DomainError as exc:
        return form_failure(request, template, {**context, "login_required": exc.error_code == "login_required"}, exc)
    slug = acceptance.membership.tenant.slug
    if acceptance.tokens is None:  # already logged in, on this host
        return redirect(tenant_url(request, slug, reverse("dashboard:overview")))
    return redirect(tenant_url(request, slug, f"{reverse('dashboard:login')}?{urlencode({'email': invitation.email})}"))
