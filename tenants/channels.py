"""Tenant and user of a WebSocket, and tenant-scoped database access for consumers.

Channels runs every `database_sync_to_async` call of a process on one shared thread and DB
connection, so a schema set by one call would persist into the next one — possibly another
tenant's. Consumers therefore never rely on the connection's schema: `in_tenant` sets it for the
duration of one call and puts the connection back on the public schema afterwards.
"""

from datetime import timedelta
from functools import wraps
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django_tenants.utils import tenant_context
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken, Token

from config.proxies import scope_client_ip
from tenants import ip_allowlist
from tenants.selectors import is_public, tenant_by_slug, tenant_for_host

# How a socket of ours closes when the tenant or the user is not right (the 4xxx range is the application's).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NO_TENANT = 4404

# A page offers its socket token as WebSocket subprotocols, `[SOCKET_PROTOCOL, token]` (browsers cannot set an
# Authorization header on a socket, and a query string ends up in access logs); the socket accepts SOCKET_PROTOCOL.
SOCKET_PROTOCOL = "voiceagents.socket-token"


class SocketToken(Token):
    """A logged-in page's ticket for one WebSocket: that socket's path, on that tenant, once, within a minute.

    Its own token type, so no REST authentication takes it (simplejwt checks the type of an access token)."""

    token_type = "socket"
    # The page opens its socket right after asking for the token.
    lifetime = timedelta(seconds=60)

    @classmethod
    def for_socket(cls, user, *, tenant, path):
        token = cls.for_user(user)
        token["tenant"] = tenant.schema_name
        token["socket"] = path
        return token


def in_tenant(func):
    """Decorate a sync function taking `tenant` first; returns an awaitable run in that schema."""

    @database_sync_to_async
    @wraps(func)
    def wrapper(tenant, *args, **kwargs):
        if is_public(tenant):
            raise PermissionError("No tenant chosen for this database call.")
        try:
            with tenant_context(tenant):
                return func(tenant, *args, **kwargs)
        finally:
            connection.set_schema_to_public()

    return wrapper


def _header(scope, name):
    for key, value in scope.get("headers", []):
        if key.decode("latin1").lower() == name:
            return value.decode("latin1")
    return ""


def _user_from_token(token):
    try:
        access = AccessToken(token)
    except TokenError:
        return None
    return get_user_model().objects.filter(pk=access.get("user_id"), is_active=True).first()


def _offered_socket_token(scope):
    """The token after SOCKET_PROTOCOL among the subprotocols the client offered, or None."""
    offered = list(scope.get("subprotocols") or [])
    if SOCKET_PROTOCOL not in offered[:-1]:
        return None
    return offered[offered.index(SOCKET_PROTOCOL) + 1]


def _user_from_socket_token(token, tenant, path):
    try:
        ticket = SocketToken(token)
    except TokenError:
        return None
    if tenant is None or ticket.get("tenant") != tenant.schema_name or ticket.get("socket") != path:
        return None
    # Spent on its first use: a ticket seen later (by whoever could read the handshake) opens nothing.
    if not cache.add(f"socket-token:{ticket['jti']}", 1, timeout=int(SocketToken.lifetime.total_seconds()) + 5):
        return None
    return get_user_model().objects.filter(pk=ticket.get("user_id"), is_active=True).first()


def _resolve(scope):
    """Undecorated (the middleware runs it in Channels' DB thread) so that mutation testing reaches it."""
    connection.set_schema_to_public()
    query = parse_qs(scope.get("query_string", b"").decode())
    tenant = tenant_for_host(_header(scope, "host"))
    if tenant is not None and is_public(tenant) and query.get("tenant"):
        tenant = tenant_by_slug(query["tenant"][0])
    ticket = _offered_socket_token(scope)
    if ticket is not None:
        return tenant, _user_from_socket_token(ticket, tenant, scope.get("path"))
    scheme, _, token = _header(scope, "authorization").partition(" ")
    if scheme.lower() != "bearer":
        token = (query.get("token") or [""])[0]
    user = _user_from_token(token) if token else None
    return tenant, user


class TenantAuthMiddleware(BaseMiddleware):
    """Puts `tenant` (from the Host, or `?tenant=` on a public host) and `user` in the scope: from a page's socket token
    (offered as subprotocols), else an access token (`Authorization`, else `?token=`, for API clients)."""

    async def __call__(self, scope, receive, send):
        tenant, user = await database_sync_to_async(_resolve)(scope)
        if tenant is not None and not ip_allowlist.allows(tenant.ip_allowlist, scope_client_ip(scope)):
            # The tenant's IP allow-list, as for its API and dashboard: the handshake is refused before anything else.
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": CLOSE_FORBIDDEN})
            return None
        return await super().__call__(dict(scope, tenant=tenant, user=user), receive, send)
