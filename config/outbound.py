"""Guard for URLs a tenant gives us to call (an agent's webhook action, an OpenAI-compatible base URL, a CalDAV
server): they must not reach the platform's own network — loopback, private ranges, link-local (cloud metadata
at 169.254.169.254) and other non-public addresses — or a tenant could read internal services through us.
Operators who run, say, their own LLM on a private network allow its host in OUTBOUND_PRIVATE_HOSTS."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeURL(ValueError):
    pass


def check_public_url(url: str) -> None:
    """Raises UnsafeURL when `url` is not http(s) or its host is, or resolves to, a non-public address. A host
    that does not resolve passes: the request itself will fail, and it reaches nothing."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("must be an http(s) URL")
    host = parts.hostname.lower().rstrip(".")
    if host in {allowed.lower() for allowed in settings.OUTBOUND_PRIVATE_HOSTS}:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)}
    except (socket.gaierror, UnicodeError):
        return
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global:
            raise UnsafeURL(f"points to a private or reserved address ({ip}); not allowed")
