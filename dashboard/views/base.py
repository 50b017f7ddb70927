"""What every dashboard page shares: who may see it, error pages, form errors, pagination, links between hosts.

Pages are thin: they read through the apps' selectors, validate input with the API's own serializers (one
definition of what is valid) and change things only through the apps' services."""

from functools import wraps

from django.conf import settings
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from accounts.permissions import NEEDS_VERIFIED_EMAIL
from accounts.roles import PERMISSIONS, role_has
from accounts.selectors import membership_of
from accounts.services import check_verified
from accounts.services import socket_token as make_socket_token
from config.errors import DomainError, Forbidden, NotFound, TooManyRequests
from config.middleware import content_security_policy
from tenants.selectors import is_public
from tenants.services import tenant_hostname

PER_PAGE = 25


def error_page(request, status, message):
    return render(request, "dashboard/error.html", {"status": status, "message": message}, status=status)


def required_for(permission, method):
    if isinstance(permission, dict):
        return permission.get(method) or permission.get("*")
    return permission


def tenant_page(permission, *, two_factor_setup=False):
    """A page of the tenant's host for its members: the login page for a visitor, a 403 page for a user who is not a
    member or whose role lacks `permission` (one permission, or a dict by HTTP method with `*` for the others), and
    the 404/403 page for what the services refuse that way. `two_factor_setup`: the page where a member turns 2FA
    on, open to them even where the tenant requires it."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            tenant = getattr(request, "tenant", None)
            if is_public(tenant):
                return error_page(request, 404, "This page is on your workspace's own address.")
            if not request.user.is_authenticated:
                return redirect(f"{reverse('dashboard:login')}?{urlencode({'next': request.get_full_path()})}")
            membership = membership_of(request.user, tenant)
            if membership is None:
                return error_page(request, 403, f"You are not a member of {tenant.name}.")
            if tenant.require_two_factor and not request.user.two_factor_enabled and not two_factor_setup:
                return error_page(
                    request,
                    403,
                    f"{tenant.name} requires two-factor sign-in: turn it on for your account first "
                    f"({reverse('dashboard:two_factor')}).",
                )
            request.membership = membership
            request.permissions = {name for name in PERMISSIONS if role_has(membership.role, name)}
            needed = required_for(permission, request.method)
            if needed and needed not in request.permissions:
                return error_page(request, 403, f"Your role ({membership.role}) does not give access to this page.")
            try:
                if needed in NEEDS_VERIFIED_EMAIL:
                    check_verified(request.user)
                return view(request, *args, **kwargs)
            except NotFound as exc:
                return error_page(request, 404, exc.detail)
            except Forbidden as exc:
                return error_page(request, 403, exc.detail)

        return wrapped

    return decorate


class FormErrors(DomainError):
    """Input a serializer refused, with its messages by field."""


def validate(serializer_class, data, **kwargs):
    """The serializer's validated data, or FormErrors naming each bad field."""
    serializer = serializer_class(data=data, **kwargs)
    if not serializer.is_valid():
        errors = {
            # What is wrong with the form as a whole goes above it.
            "__all__" if field == "non_field_errors" else field: [str(message) for message in _messages(value)]
            for field, value in serializer.errors.items()
        }
        raise FormErrors("Please correct the fields marked below.", errors=errors)
    return serializer.validated_data


def _messages(value):
    if isinstance(value, dict):
        return [message for nested in value.values() for message in _messages(nested)]
    if isinstance(value, list):
        return [message for item in value for message in _messages(item)]
    return [value]


def form_failure(request, template, context, exc: DomainError):
    """The form again, with the fields' errors beside them and the rest above the form (what is not found: the 404
    page)."""
    if isinstance(exc, NotFound):
        return error_page(request, 404, exc.detail)
    errors = dict(exc.errors)
    if not errors or isinstance(exc, FormErrors):
        errors.setdefault("__all__", [exc.detail])
    status = 429 if isinstance(exc, TooManyRequests) else 403 if isinstance(exc, Forbidden) else 400
    return render(request, template, {**context, "errors": errors}, status=status)


def paginate(request, queryset):
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))


def redirects_to_tenant_hosts(view):
    """For a form whose answer sends the browser on to a workspace's host (sign-up, an invitation accepted on another
    host): the Content-Security-Policy's form-action, which governs where a submitted form may redirect, names the
    workspaces' hosts besides our own origin."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.headers["Content-Security-Policy"] = content_security_policy(
            form_action=[f"*.{settings.BASE_DOMAIN}:*"]
        )
        return response

    return wrapped


def tenant_url(request, slug, path="/"):
    """`path` on the tenant's own host, with this request's scheme and port."""
    port = request.get_port()
    default = {"http": "80", "https": "443"}[request.scheme]
    netloc = tenant_hostname(slug) + ("" if port == default else f":{port}")
    return f"{request.scheme}://{netloc}{path}"


@tenant_page(None)
def socket_token(request):
    """A ticket for the session's user to open the WebSocket at `socket` (the sandbox, a live call, the events stream)
    once, within a minute; the socket checks the user's membership and role itself. POST, so that CSRF covers it."""
    if request.method != "POST":
        return JsonResponse({"detail": "Use POST."}, status=405, headers={"Allow": "POST"})
    try:
        token = make_socket_token(request.user, tenant=request.tenant, path=request.POST.get("socket", ""))
    except DomainError as exc:
        return JsonResponse({"detail": exc.detail, "error_code": exc.error_code, "errors": exc.errors}, status=400)
    response = JsonResponse({"token": token})
    response["Cache-Control"] = "no-store"
    return response
