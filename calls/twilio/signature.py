"""Checking that a webhook really comes from Twilio, signed with the tenant's auth token.

Twilio signs the exact public URL it requested; behind a TLS-terminating proxy Django sees another
scheme and host, so the URL is rebuilt from X-Forwarded-Proto/Host — but only when the request
comes from a proxy listed in TWILIO_TRUSTED_PROXIES, since anyone else could forge those headers.
"""

from django.conf import settings
from twilio.request_validator import RequestValidator

from config.proxies import is_trusted_proxy


def _from_trusted_proxy(request) -> bool:
    return is_trusted_proxy(request.META.get("REMOTE_ADDR", ""), settings.TWILIO_TRUSTED_PROXIES)


def _first(value: str) -> str:
    return value.split(",")[0].strip()


def public_url(request) -> str:
    scheme, host = request.scheme, request.get_host()
    if _from_trusted_proxy(request):
        scheme = _first(request.headers.get("X-Forwarded-Proto", "")) or scheme
        host = _first(request.headers.get("X-Forwarded-Host", "")) or host
    return f"{scheme}://{host}{request.get_full_path()}"


def is_signed_by_twilio(request, auth_token: str) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not auth_token:
        return False
    return RequestValidator(auth_token).validate(public_url(request), request.POST, signature)
