"""Where a call's recording may be fetched from or redirected to: Twilio's REST API hosts (`api.twilio.com` and
the regional `api.<edge>.<region>.twilio.com`; `TWILIO_API_BASE_URL`'s host, for a test double or a regional
base) or the operator's own storage (`RECORDING_STORAGE_HOSTS`). Anything else a status callback or an external
bot reports (a link-local metadata address, a private IP, another site, `javascript:`, userinfo tricks such as
`https://api.twilio.com@evil.com/`) is refused when it comes in and never served, so a tenant cannot make the
platform fetch, or its users' browsers open, an address of the tenant's choosing."""

import re
from urllib.parse import urlsplit

from django.conf import settings

from config.errors import DomainError, NotFound

_TWILIO_HOST = re.compile(r"api(\.[a-z0-9-]+){0,2}\.twilio\.com")
_SID = re.compile(r"RE[0-9a-fA-F]{32}")
# Characters browsers drop or reinterpret inside URLs (a `\` becomes `/`): a URL with any of them is refused.
_UNSAFE_CHARACTERS = re.compile(r"[\x00-\x20\\\x7f]")


class InvalidRecordingURL(DomainError):
    error_code = "invalid_recording_url"

    def __init__(self, field: str = "recording_url"):
        message = "Recordings are accepted only from Twilio's API hosts or this platform's recording storage."
        super().__init__(f"{field}: {message}", errors={field: [message]})


def _base() -> tuple[str, str, int | None]:
    parts = urlsplit(settings.TWILIO_API_BASE_URL)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


def is_allowed_url(url: str) -> bool:
    if not url or _UNSAFE_CHARACTERS.search(url):
        return False
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if not host or "@" in parts.netloc:
        return False
    base_scheme, base_host, base_port = _base()
    if host == base_host and parts.scheme == base_scheme and port == base_port:
        return True
    if parts.scheme != "https" or port not in (None, 443):
        return False
    allowed = {name.lower() for name in settings.RECORDING_STORAGE_HOSTS}
    return host in allowed or bool(_TWILIO_HOST.fullmatch(host))


def is_twilio_sid(sid: str) -> bool:
    return bool(_SID.fullmatch(sid))


def check_url(url: str, *, field: str = "recording_url") -> str:
    """`url` when a recording may live there; raises InvalidRecordingURL (a 400 naming `field`) otherwise."""
    if not is_allowed_url(url):
        raise InvalidRecordingURL(field)
    return url


def redirect_url(call) -> str:
    """Where to send a browser for a recording we do not stream ourselves; re-checked, as rows stored before
    the rule came in may hold any address."""
    if not is_allowed_url(call.recording_url):
        raise NotFound("This call's recording is not at an address it can be served from.")
    return call.recording_url
