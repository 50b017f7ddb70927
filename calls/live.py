"""`/ws/calls/{id}/live/`: a call's transcript and state, as they happen, for staff of its tenant.

On connect (JWT, member with `calls.view`, the call exists in this tenant) the server sends
`{"type": "snapshot", "call": {"id", "status", "end_reason"}, "turns": [...]}`, then, through the
channel layer, `{"type": "turn", "turn": {...}}` for each new turn, `{"type": "turn_updated", ...}` when
a barge-in cut an agent turn short, and `{"type": "state", "status", "end_reason"}` when the call changes.
The media pipeline publishes with `broadcast`; groups are named by schema, so tenants never share one.
"""
import orjson
from channels.layers import get_channel_layer

from accounts.roles import role_has
from calls.media.services import turn_event
from calls.models import Call
from tenants.channels import in_tenant
from tenants.consumers import CLOSE_FORBIDDEN, CLOSE_NO_TENANT, TenantMemberConsumer


def group_name(schema: str, call_id: int) -> str:
    return f"call-live.{schema}.{call_id}"


async def broadcast(schema: str, call_id: int, event: dict) -> None:
    await get_channel_layer().group_send(group_name(schema, call_id), {"type": "live.event", "event": event})


@in_tenant
def _snapshot(tenant, call_id):
    call = Call.objects.filter(pk=call_id).first()
    if call is None:
        return None
    return {
        "type": "snapshot",
        "call": {"id": call.pk, "status": call.status, "end_reason": call.end_reason},
        "turns": [turn_event(turn) for turn in call.turns.order_by("index")],
    }


class LiveCallConsumer(TenantMemberConsumer):
    group = None

    async def accept(self, subprotocol=None, headers=None):
        # Called by TenantMemberConsumer.connect once the user is a member of the tenant.
        if not role_has(self.membership.role, "calls.view"):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        call_id = self.scope["url_route"]["kwargs"]["call_id"]
        # Subscribed before the snapshot is read, so nothing that happens in between is lost (a turn may
        # then arrive twice: turns carry their id).
        self.group = group_name(self.tenant.schema_name, call_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        snapshot = await _snapshot(self.tenant, call_id)
        if snapshot is None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None
            await self.close(code=CLOSE_NO_TENANT)
            return
        await super().accept(subprotocol, headers)
        await self.send(orjson.dumps(snapshot).decode())

    async def live_event(self, message):
        await self.send(orjson.dumps(message["event"]).decode())

    async def disconnect(self, code):
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
