import asyncio
import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from accounts.roles import role_has
from accounts.selectors import membership_of
from config import events
from tenants.channels import CLOSE_FORBIDDEN, CLOSE_NO_TENANT, CLOSE_UNAUTHENTICATED, SOCKET_PROTOCOL
from tenants.selectors import is_public


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
        # A browser refuses a socket whose answer names none of the subprotocols it offered (its token's).
        await self.accept(SOCKET_PROTOCOL if SOCKET_PROTOCOL in self.scope.get("subprotocols", ()) else None)


class EventStreamConsumer(TenantMemberConsumer):
    """`/ws/events/`: the tenant's domain events (`config.events`) as they happen, for members with `calls.view`.

    Each message is one event, `{"type", "id", "occurred_at", "data"}`; the socket only listens. The group is
    named by schema, so a socket only ever receives its own tenant's events. The user's own notifications come the
    same way (`notification.created`), through a group of the user's: those of another tenant are not passed on.
    """

    group = None
    user_group = None
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
        self.user_group = events.user_group_name(self.user.pk)
        await self._join()
        self._stay = asyncio.ensure_future(self._stay_in_group())
        await super().accept(subprotocol, headers)

    async def _join(self):
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.channel_layer.group_add(self.user_group, self.channel_name)

    async def _stay_in_group(self):
        while True:
            await asyncio.sleep(self.rejoin_seconds)
            await self._join()

    async def domain_event(self, message):
        await self.send(json.dumps(message["event"]))

    async def user_event(self, message):
        if message["schema"] in (None, self.tenant.schema_name):
            await self.send(json.dumps(message["event"]))

    async def disconnect(self, code):
        if self._stay is not None:
            self._stay.cancel()
        for group in (self.group, self.user_group):
            if group is not None:
                await self.channel_layer.group_discard(group, self.channel_name)
