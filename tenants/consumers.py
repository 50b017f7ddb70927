import asyncio
import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from accounts.roles import role_has
from accounts.selectors import membership_of
from compliance.models import AuditEvent
from compliance.services import record_audit_event
from config import events
from tenants.channels import in_tenant
from tenants.selectors import is_public

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NO_TENANT = 4404


class TenantMemberConsumer(AsyncWebsocketConsumer):
    """Accepts only an authenticated member of the scope's tenant; closes with 44xx otherwise."""

    async def connect(self):
        self.tenant = self.scope.get("tenant")
        self.user = self.scope.get("user")
        if is_public(self.tenant):
            await self.close(code=CLOSE_NO_TENANT)
            return
        if self.user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.membership = await database_sync_to_async(membership_of)(self.user, self.tenant)
        if self.membership is None or not self.tenant.is_active:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.accept()


@in_tenant
def _record_ping(tenant, user):
    record_audit_event(action="ws.ping", actor=user)
    return AuditEvent.objects.filter(action="ws.ping").count()


class PingConsumer(TenantMemberConsumer):
    """`{"type": "ping"}` → `{"type": "pong", "tenant": slug, "pings": n}`; each ping is a row in the tenant."""

    async def receive(self, text_data=None, bytes_data=None):
        try:
            message = json.loads(text_data or "")
        except json.JSONDecodeError:
            await self.send(json.dumps({"type": "error", "error_code": "malformed_json", "detail": "Send JSON."}))
            return
        if not isinstance(message, dict) or message.get("type") != "ping":
            await self.send(
                json.dumps({"type": "error", "error_code": "unknown_type", "detail": "Expected type 'ping'."})
            )
            return
        pings = await _record_ping(self.tenant, self.user)
        await self.send(json.dumps({"type": "pong", "tenant": self.tenant.slug, "pings": pings}))


class EventStreamConsumer(TenantMemberConsumer):
    """`/ws/events/`: the tenant's domain events (`config.events`) as they happen, for members with `calls.view`.

    Each message is one event, `{"type", "id", "occurred_at", "data"}`; the socket only listens. The group is
    named by schema, so a socket only ever receives its own tenant's events.
    """

    group = None
    _stay = None
    # The Redis channel layer drops group members after its group_expiry (a day by default); a dashboard stays
    # open longer, so it joins again well before that.
    rejoin_seconds = 3600

    async def accept(self, subprotocol=None, headers=None):
        # Called by TenantMemberConsumer.connect once the user is a member of the tenant.
        if not role_has(self.membership.role, "calls.view"):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = events.group_name(self.tenant.schema_name)
        await self.channel_layer.group_add(self.group, self.channel_name)
        self._stay = asyncio.ensure_future(self._stay_in_group())
        await super().accept(subprotocol, headers)

    async def _stay_in_group(self):
        while True:
            await asyncio.sleep(self.rejoin_seconds)
            await self.channel_layer.group_add(self.group, self.channel_name)

    async def domain_event(self, message):
        await self.send(json.dumps(message["event"]))

    async def disconnect(self, code):
        if self._stay is not None:
            self._stay.cancel()
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
