"""Connecting external calendars: the OAuth 2.0 authorization code flow for Google and Microsoft (with a
signed, single-use `state` against CSRF), token refresh, and a client for each connected integration."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from billing import quotas
from config.errors import DomainError, NotFound, Unavailable
from config.outbound import UnsafeURL, check_public_url
from scheduling.calendars import caldav, calendly, google, microsoft
from scheduling.calendars.base import AuthorizationExpired, CalendarAPIError
from scheduling.models import Calendar, CalendarIntegration

OAUTH_PROVIDERS = {CalendarIntegration.Provider.GOOGLE: google, CalendarIntegration.Provider.MICROSOFT: microsoft}
_CLIENT_IDS = {
    CalendarIntegration.Provider.GOOGLE: "GOOGLE_OAUTH_CLIENT_ID",
    CalendarIntegration.Provider.MICROSOFT: "MICROSOFT_OAUTH_CLIENT_ID",
}
STATE_SALT = "scheduling.calendar-oauth-state"
STATE_MAX_AGE = 600
# Refresh a little before expiry so a token never dies in the middle of a request.
EXPIRY_MARGIN = timedelta(seconds=60)


class InvalidState(DomainError):
    error_code = "invalid_oauth_state"

    def __init__(self, message):
        super().__init__(message, errors={"state": [message]})


def require_plan() -> None:
    """Connecting an external calendar (any provider) is a plan feature, checked before anything is asked of it."""
    quotas.check_feature(connection.tenant, "calendar_integrations")


def _oauth_module(provider: str):
    require_plan()
    module = OAUTH_PROVIDERS.get(provider)
    if module is None:
        raise NotFound(
            f"No OAuth calendar provider '{provider}' (use {', '.join(OAUTH_PROVIDERS)}).",
            errors={"provider": ["Unknown OAuth calendar provider."]},
        )
    if not getattr(settings, _CLIENT_IDS[provider]):
        raise Unavailable(
            f"{module.NAME} is not configured on this platform ({_CLIENT_IDS[provider]} is empty).",
            error_code="calendar_provider_not_configured",
        )
    return module


def authorization_url(provider: str, *, user, calendar: Calendar) -> dict:
    """Where to send the user to grant access; the state ties the grant to this tenant, user and calendar."""
    module = _oauth_module(provider)
    state = signing.dumps(
        {"t": connection.schema_name, "u": user.pk, "p": provider, "c": calendar.pk, "n": secrets.token_urlsafe(16)},
        salt=STATE_SALT,
        compress=True,
    )
    return {
        "url": module.authorization_url(state=state, redirect_uri=settings.CALENDAR_OAUTH_REDIRECT_URI),
        "state": state,
    }


def _check_state(state: str, *, provider: str, user) -> dict:
    try:
        data = signing.loads(state, salt=STATE_SALT, max_age=STATE_MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidState("This authorization has expired; start again.")
    except signing.BadSignature:
        raise InvalidState("This state was not issued by us.")
    if (data.get("t"), data.get("u"), data.get("p")) != (connection.schema_name, user.pk, provider):
        raise InvalidState("This state was issued for another tenant, user or provider.")
    if not cache.add(f"calendar-oauth-state:{data['n']}", 1, STATE_MAX_AGE):
        raise InvalidState("This state has already been used.")
    return data


def connect_oauth(provider: str, *, code: str, state: str, user) -> CalendarIntegration:
    """Completes the authorization code flow: checks the state, exchanges the code, stores the tokens encrypted."""
    module = _oauth_module(provider)
    data = _check_state(state, provider=provider, user=user)
    calendar = Calendar.objects.filter(pk=data["c"]).first()
    if calendar is None:
        raise NotFound("The calendar this authorization was for no longer exists.")
    tokens = module.exchange_code(code=code, redirect_uri=settings.CALENDAR_OAUTH_REDIRECT_URI)
    account = module.Client(tokens["access_token"]).account()
    integration, _ = CalendarIntegration.objects.update_or_create(
        calendar=calendar,
        provider=provider,
        account=account,
        defaults={
            "credentials": tokens,
            "token_expires_at": timezone.now() + timedelta(seconds=tokens["expires_in"]),
            "status": CalendarIntegration.Status.ACTIVE,
            "last_error": "",
            "created_by_id": user.pk,
            "external_calendar_id": "primary" if provider == CalendarIntegration.Provider.GOOGLE else "",
        },
    )
    return integration


def _fresh(integration: CalendarIntegration) -> bool:
    expires = integration.token_expires_at
    return expires is not None and expires > timezone.now() + EXPIRY_MARGIN


def connect_caldav(
    *, calendar: Calendar, url: str, username: str, password: str, user, calendar_name: str = ""
) -> CalendarIntegration:
    """Connects a CalDAV calendar (iCloud: an app-specific password) once the server accepts us: the one at `url`,
    or, given the server's URL, the account's calendar named `calendar_name` (else its first)."""
    require_plan()
    if not url.startswith("https://") and not settings.CALDAV_ALLOW_HTTP:
        raise DomainError("CalDAV needs an https:// URL.", errors={"url": ["Use https://."]})
    try:
        check_public_url(url)
    except UnsafeURL as exc:
        raise DomainError(f"The CalDAV URL {exc}.", error_code="unsafe_url", errors={"url": [str(exc)]}) from None
    try:
        account = caldav.choose(caldav.discover(url, username, password), calendar_name).url
    except AuthorizationExpired:
        raise DomainError(
            "The CalDAV server refused these credentials.",
            error_code="caldav_refused",
            errors={"password": ["Refused by the server."]},
        )
    integration, _ = CalendarIntegration.objects.update_or_create(
        calendar=calendar,
        provider=CalendarIntegration.Provider.CALDAV,
        account=f"{username} @ {account}",
        defaults={
            "credentials": {"username": username, "password": password},
            "external_calendar_id": account,
            "status": CalendarIntegration.Status.ACTIVE,
            "last_error": "",
            "created_by_id": user.pk,
        },
    )
    return integration


def _refreshed_token(integration: CalendarIntegration, *, force: bool = False) -> str:
    """The access token, refreshed when (nearly) expired or refused, under a row lock so that concurrent
    requests refresh it once: whoever waited for the lock uses the token the first one got."""
    current = integration.credentials["access_token"]
    if not force and _fresh(integration):
        return current
    with transaction.atomic():
        locked = CalendarIntegration.objects.select_for_update().get(pk=integration.pk)
        if locked.credentials["access_token"] == current:
            tokens = OAUTH_PROVIDERS[locked.provider].refresh(locked.credentials["refresh_token"])
            locked.credentials = tokens
            locked.token_expires_at = timezone.now() + timedelta(seconds=tokens["expires_in"])
            locked.save(update_fields=["credentials", "token_expires_at"])
    integration.credentials, integration.token_expires_at = locked.credentials, locked.token_expires_at
    return locked.credentials["access_token"]


def _client(integration: CalendarIntegration, *, force_refresh: bool = False):
    provider = integration.provider
    if provider == CalendarIntegration.Provider.GOOGLE:
        return google.Client(_refreshed_token(integration, force=force_refresh), integration.external_calendar_id)
    if provider == CalendarIntegration.Provider.MICROSOFT:
        return microsoft.Client(
            _refreshed_token(integration, force=force_refresh),
            integration.external_calendar_id,
            mailbox=integration.account,
        )
    if provider == CalendarIntegration.Provider.CALDAV:
        credentials = integration.credentials
        return caldav.Client(integration.external_calendar_id, credentials["username"], credentials["password"])
    raise DomainError(f"{integration.get_provider_display()} calendars have no event API here.")


def using(integration: CalendarIntegration, operation):
    """Runs `operation(client)`; a refused token is refreshed once, and failures are recorded on the integration."""
    try:
        try:
            result = operation(_client(integration))
        except AuthorizationExpired:
            result = operation(_client(integration, force_refresh=True))
    except CalendarAPIError as exc:
        CalendarIntegration.objects.filter(pk=integration.pk).update(
            status=CalendarIntegration.Status.ERROR, last_error=exc.detail
        )
        raise
    if integration.status != CalendarIntegration.Status.ACTIVE:
        CalendarIntegration.objects.filter(pk=integration.pk).update(
            status=CalendarIntegration.Status.ACTIVE, last_error=""
        )
    return result


def disconnect(integration: CalendarIntegration) -> None:
    """Forgets the integration and its tokens; events already in the external calendar stay there. Calendly's
    webhook subscription is removed first (a token Calendly no longer accepts cannot remove it, nor be used)."""
    if integration.provider == CalendarIntegration.Provider.CALENDLY:
        try:
            calendly.Client(integration.credentials["token"]).delete_webhook(integration.credentials["webhook"])
        except AuthorizationExpired:
            pass
    integration.delete()
