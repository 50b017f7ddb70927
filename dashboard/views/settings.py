from django.contrib import auth, messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import services
from accounts.api import serializers as s
from accounts.models import ApiKey
from accounts.selectors import api_keys_of
from agents.providers import registry
from agents.selectors import configured_providers
from agents.services import credentials as credential_services
from config.errors import DomainError
from dashboard.views.base import form_failure, paginate, tenant_page, validate


@tenant_page("tenant.view")
def profile(request):
    """The user's own name and password (a member's like an owner's)."""
    template = "dashboard/settings/profile.html"
    context = {"values": {"name": request.user.name}}
    if request.method != "POST":
        return render(request, template, context)
    try:
        if request.POST.get("form") == "password":
            data = validate(
                s.PasswordChangeSerializer,
                {name: request.POST.get(name, "") for name in ("current_password", "new_password")},
            )
            services.change_password(request.user, **data)
            auth.update_session_auth_hash(request, request.user)  # this session stays; the others end
            messages.success(request, "Your password is changed.")
        else:
            context["values"] = {"name": request.POST.get("name", "")}
            services.update_profile(request.user, **validate(s.ProfileSerializer, context["values"]))
            messages.success(request, "Your profile is saved.")
    except DomainError as exc:
        return form_failure(request, template, context, exc)
    return redirect("dashboard:profile")


def _keys_context(request, **extra):
    keys = api_keys_of(request.tenant).order_by("-created_at")
    context = {"page": paginate(request, keys), "scopes": ApiKey.Scope.choices, "values": {}, "now": timezone.now()}
    return {**context, **extra}


@tenant_page({"GET": "api_keys.view", "*": "api_keys.manage"})
def api_keys(request):
    template = "dashboard/settings/api_keys.html"
    if request.method != "POST":
        return render(request, template, _keys_context(request))
    values = {"name": request.POST.get("name", ""), "scopes": request.POST.getlist("scopes")}
    try:
        data = validate(s.ApiKeyCreateSerializer, {**values, "expires_at": request.POST.get("expires_at") or None})
        key, secret = services.create_api_key(tenant=request.tenant, created_by=request.user, **data)
    except DomainError as exc:
        return form_failure(request, template, _keys_context(request, values=values), exc)
    # The secret is never stored: this response is the only time it is shown.
    return render(request, template, _keys_context(request, created=key, secret=secret), status=201)


@require_POST
@tenant_page("api_keys.manage")
def revoke_api_key(request, key_id):
    try:
        services.revoke_api_key(tenant=request.tenant, key_id=key_id)
    except DomainError as exc:
        return form_failure(request, "dashboard/settings/api_keys.html", _keys_context(request), exc)
    messages.success(request, "The API key is revoked.")
    return redirect("dashboard:api_keys")


def _providers():
    """Each provider account and the credentials it takes, required first."""
    accounts = {}
    for kind in registry.KINDS:
        for name in registry.names(kind):
            account = registry.account(kind, name)
            fields = accounts.setdefault(account, {"required": [], "optional": []})
            for key in registry.required_credentials(kind, name):
                if key not in fields["required"]:
                    fields["required"].append(key)
            for key in registry.optional_credentials(kind, name):
                if key not in fields["required"] + fields["optional"]:
                    fields["optional"].append(key)
    return {name: fields for name, fields in accounts.items() if fields["required"] or fields["optional"]}


def _providers_context(**extra):
    configured = {record.provider: sorted(record.credentials) for record in configured_providers()}
    providers = [
        {"name": name, **fields, "configured": name in configured, "keys": configured.get(name, [])}
        for name, fields in _providers().items()
    ]
    return {"providers": providers, **extra}


@tenant_page("agents.manage")
def providers(request):
    """Provider credentials: written, never shown back (only which keys a provider has)."""
    template = "dashboard/settings/providers.html"
    if request.method != "POST":
        return render(request, template, _providers_context())
    provider = request.POST.get("provider", "")
    try:
        if request.POST.get("action") == "delete":
            credential_services.delete_credentials(provider)
            messages.success(request, f"The credentials for {provider} are deleted.")
        else:
            fields = _providers().get(provider, {"required": [], "optional": []})
            credentials = {
                key: request.POST.get(key, "")
                for key in fields["required"] + fields["optional"]
                if request.POST.get(key)
            }
            credential_services.set_credentials(provider, credentials)
            messages.success(request, f"The credentials for {provider} are saved.")
    except DomainError as exc:
        # Shown on the card of the provider concerned (above them all for an unknown one).
        problems = [message for messages in exc.errors.values() for message in messages] or [exc.detail]
        context = _providers_context(failed=provider, problems=problems)
        context["known"] = any(item["name"] == provider for item in context["providers"])
        return render(request, template, context, status=400)
    return redirect("dashboard:providers")
