"""Who the client is behind our own proxies: X-Forwarded-For is believed only when the direct peer is a proxy listed in
`TRUSTED_PROXIES` (IPs or CIDRs), and then the right-most address that is not one of ours is the client."""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]):
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _address(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def is_trusted_proxy(address: str, proxies=None) -> bool:
    parsed = _address(address)
    networks = _networks(tuple(settings.TRUSTED_PROXIES if proxies is None else proxies))
    return parsed is not None and any(parsed in network for network in networks)


def client_ip(request) -> str:
    """The client's address; computed once per request."""
    cached = getattr(request, "_client_ip", None)
    if cached is None:
        cached = request._client_ip = _client_ip(request.META)
    return cached


def scope_client_ip(scope) -> str:
    """The client's address of an ASGI connection (a WebSocket), found as `client_ip` finds a request's."""
    forwarded = ",".join(
        value.decode("latin1") for key, value in scope.get("headers", []) if key.lower() == b"x-forwarded-for"
    )
    peer = (scope.get("client") or ("",))[0]
    return _client_ip({"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": forwarded})


def _client_ip(meta) -> str:
    peer = meta.get("REMOTE_ADDR") or "unknown"
    if not is_trusted_proxy(peer):
        return peer
    # Each proxy appends the address it received the request from: walking from the right, the first hop that is not
    # ours is the client. Anything further left was written by the client and proves nothing.
    hop = peer
    for entry in reversed(meta.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(entry)
        if address is None:
            break
        hop = str(address)
        if not is_trusted_proxy(hop):
            return hop
    return hop
