"""Tenant and user of a WebSocket, and tenant-scoped database access for consumers.

Channels runs every `database_sync_to_async` call of a process on one shared thread and DB
connection, so a schema set by one call would persist into the next one — possibly another
tenant's. Consumers therefore never rely on the connection's schema: `in_tenant` sets it for the
duration of one call and puts the connection back on the public schema afterwards.
"""

from functools import wraps
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import tenant_context
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from config.proxies import scope_client_ip
from tenants import ip_allowlist
from tenants.selectors import is_public, tenant_by_slug, tenant_for_host

# How a socket of ours closes when the tenant or the user is not right (the 4xxx range is the application's).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NO_TENANT = 4404


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


def _resolve(scope):
    """Undecorated (the middleware runs it in Channels' DB thread) so that mutation testing reaches it."""
    connection.set_schema_to_public()
    query = parse_qs(scope.get("query_string", b"").decode())
    tenant = tenant_for_host(_header(scope, "host"))
    if tenant is not None and is_public(tenant) and query.get("tenant"):
        tenant = tenant_by_slug(query["tenant"][0])
    scheme, _, token = _header(scope, "authorization").partition(" ")
    if scheme.lower() != "bearer":
        token = (query.get("token") or [""])[0]
    user = _user_from_token(token) if token else None
    return tenant, user


class TenantAuthMiddleware(BaseMiddleware):
    """Puts `tenant` (from the Host, or `?tenant=` on a public host) and `user` (JWT) in the scope."""

    async def __call__(self, scope, receive, send):
        tenant, user = await database_sync_to_async(_resolve)(scope)
        if tenant is not None and not ip_allowlist.allows(tenant.ip_allowlist, scope_client_ip(scope)):
            # The tenant's IP allow-list, as for its API and dashboard: the handshake is refused before anything else.
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": CLOSE_FORBIDDEN})
            return None
        return await super().__call__(dict(scope, tenant=tenant, user=user), receive, send)
