from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import ApiKey, User
from accounts.selectors import api_key_of_request
from config import audit
from tenants.selectors import is_public

# Recording activity on every request would be a write per request; once a minute is plenty.
ACTIVITY_RESOLUTION = timedelta(minutes=1)


def touch_user_activity(user: User) -> None:
    now = timezone.now()
    if user.last_active is None or now - user.last_active > ACTIVITY_RESOLUTION:
        User.objects.filter(pk=user.pk).update(last_active=now)
        user.last_active = now


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer vk_…`. Acts as the key's creator, limited by the key's scopes."""

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith(f"bearer {ApiKey.PREFIX}"):
            return None
        key = api_key_of_request(request)
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid API key.")
        if not key.is_usable:
            raise exceptions.AuthenticationFailed("API key is revoked or expired.")
        if not key.created_by.is_active:
            raise exceptions.AuthenticationFailed("The API key's owner is inactive.")
        audit.note_api_key(key)
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > ACTIVITY_RESOLUTION:
            # Its use is audited at the same resolution: an entry per request would double every request's writes.
            with transaction.atomic():
                ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
                audit.audit("api_key.used", tenants=[key.tenant], actor=key.created_by, target=f"api_key:{key.pk}")
        return key.created_by, key

    def authenticate_header(self, request):
        return "Bearer"


class TenantJWTAuthentication(JWTAuthentication):
    """simplejwt's access tokens; membership of the tenant is checked by TenantPermission."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            touch_user_activity(result[0])
        return result


def rate_limit_caller(request):
    """Whom an API request counts against (`config.ratelimit`, setting RATELIMIT_CALLER): `(identity, tenant whose
    plan sets the limits)` for a usable API key or a valid access token, None otherwise (counted per client IP). The
    token is only verified here, with no database query; DRF authenticates the request afterwards."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    if token.strip().startswith(ApiKey.PREFIX):
        key = api_key_of_request(request)
        return (f"key:{key.pk}", key.tenant) if key is not None and key.is_usable else None
    try:
        user_id = AccessToken(token.strip())[jwt_settings.USER_ID_CLAIM]
    except (TokenError, KeyError):
        return None
    tenant = getattr(request, "tenant", None)
    return f"user:{user_id}", None if is_public(tenant) else tenant
