"""Guard for URLs a tenant gives us to call (an agent's webhook action, outgoing webhooks, an OpenAI-compatible base
URL, a CalDAV server): they must not reach the platform's own network — loopback, private ranges, link-local (cloud
metadata at 169.254.169.254) and other non-public addresses — or a tenant could read internal services through us.
Operators who run, say, their own LLM on a private network allow its host in OUTBOUND_PRIVATE_HOSTS.

`check_public_url` checks a URL when it is saved; `public_session()` checks again at connect time: it resolves the
host once, refuses any non-public answer and connects to the very address it checked (TLS still verifies the name),
so a DNS answer that changes between the check and the connect (DNS rebinding) cannot reach a private address.
Every lookup goes through `resolve`, the one seam tests replace."""

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as urllib3_connection


class UnsafeURL(ValueError):
    pass


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, for a TCP connection to `port`."""
    return list(dict.fromkeys(info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)))


def _allowed_private(host: str) -> bool:
    return host.lower().rstrip(".") in {allowed.lower() for allowed in settings.OUTBOUND_PRIVATE_HOSTS}


def _refuse_private(addresses: list[str]) -> None:
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global:
            raise UnsafeURL(f"points to a private or reserved address ({ip}); not allowed")


def check_public_url(url: str) -> None:
    """Raises UnsafeURL when `url` is not http(s) or its host is, or resolves to, a non-public address. A host
    that does not resolve passes: the request itself will fail, and it reaches nothing."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("must be an http(s) URL")
    if _allowed_private(parts.hostname):
        return
    try:
        addresses = resolve(parts.hostname.lower().rstrip("."), parts.port or 443)
    except (socket.gaierror, UnicodeError):
        return
    _refuse_private(addresses)


class _PublicOnlyConnection:
    """Resolves once, checks every address, connects only to a checked one; `self.host` stays the name, so the Host
    header, SNI and certificate check are the name's."""

    def _new_conn(self):
        host = self._dns_host
        try:
            addresses = resolve(host, self.port)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        if not _allowed_private(host):
            _refuse_private(addresses)
        error = None
        for address in addresses:
            try:
                return urllib3_connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as exc:
                raise ConnectTimeoutError(self, f"Connection to {self.host} timed out.") from exc
            except OSError as exc:
                error = exc
        raise NewConnectionError(self, f"Failed to establish a new connection: {error}")


class _HTTPConnection(_PublicOnlyConnection, HTTPConnection):
    pass


class _HTTPSConnection(_PublicOnlyConnection, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def public_session() -> requests.Session:
    """A requests session that connects to public addresses only (UnsafeURL otherwise), whatever DNS answers by then.
    Proxies from the environment are ignored: a proxy would make the connection on our behalf, unchecked."""
    session = requests.Session()
    session.trust_env = False
    adapter = _PublicOnlyAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
