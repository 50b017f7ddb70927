"""`/ws/calls/{id}/live/`: a call's transcript and state, as they happen, for staff of its tenant.

On connect (JWT, member with `calls.view`, the call exists in this tenant) the server sends
`{"type": "snapshot", "call": {"id", "status", "end_reason"}, "turns": [...]}`, then, through the
channel layer, `{"type": "turn", "turn": {...}}` for each new turn, `{"type": "turn_updated", ...}` when
a barge-in cut an agent turn short, `{"type": "state", "status", "end_reason"}` when the call ends, and
`{"type": "controls", "action", "by", "on_hold", "agent_muted"}` after a staff control.

Staff with `calls.manage` control the call from here too: `{"type": "control", "action": "hold", ...}` (the
body of `POST /api/calls/{id}/control`) is answered `{"type": "ack", "action", "call": {...}}` or
`{"type": "error", "action", "error_code", "detail", "errors"}`; the change itself reaches every watcher.
The media pipeline publishes with `calls.groups.broadcast`; groups are named by schema, so tenants never share one.
"""

import orjson
from django.db import connection
from rest_framework.exceptions import ValidationError

from accounts.consumers import TenantMemberConsumer
from accounts.roles import role_has
from calls.api.serializers import CallControlSerializer
from calls.groups import live_group, mark_watched
from calls.media.pools import offload_in_tenant
from calls.media.services import turn_event
from calls.models import Call
from calls.services import controls
from config.api.errors import flatten_errors
from config.errors import DomainError, NotFound
from tenants.channels import CLOSE_FORBIDDEN, CLOSE_NO_TENANT, in_tenant


@in_tenant
def _snapshot(tenant, call_id):
    mark_watched(tenant.schema_name, call_id)
    call = Call.objects.filter(pk=call_id).first()
    if call is None:
        return None
    return {
        "type": "snapshot",
        "call": {"id": call.pk, "status": call.status, "end_reason": call.end_reason},
        "turns": [turn_event(turn) for turn in call.turns.order_by("index")],
    }


def _control(call_id, user, data) -> dict:
    call = Call.objects.select_related("agent").filter(pk=call_id, is_test=False).first()
    if call is None:
        raise NotFound("No such call.")
    call = controls.control_call(connection.tenant, call, actor=user, **data)
    return {
        "id": call.pk,
        "status": call.status,
        "end_reason": call.end_reason,
        "on_hold": call.on_hold,
        "agent_muted": call.agent_muted,
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
        self.group = live_group(self.tenant.schema_name, call_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        snapshot = await _snapshot(self.tenant, call_id)
        if snapshot is None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None
            await self.close(code=CLOSE_NO_TENANT)
            return
        await super().accept(subprotocol, headers)
        await self.send(orjson.dumps(snapshot).decode())

    async def receive(self, text_data=None, bytes_data=None):
        try:
            message = orjson.loads(text_data or bytes_data or b"")
        except orjson.JSONDecodeError:
            await self._error(None, "malformed_json", "Send JSON.")
            return
        if not isinstance(message, dict) or message.get("type") != "control":
            await self._error(None, "unknown_type", "Expected type 'control'.")
            return
        action = message.get("action")
        if not role_has(self.membership.role, "calls.manage"):
            await self._error(
                action, "role_forbidden", f"Your role '{self.membership.role}' does not allow 'calls.manage'."
            )
            return
        serializer = CallControlSerializer(data={key: value for key, value in message.items() if key != "type"})
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError as exc:
            errors = flatten_errors(exc.detail)
            await self._error(action, "validation_error", "Invalid control.", errors)
            return
        call_id = self.scope["url_route"]["kwargs"]["call_id"]
        try:
            # On the media thread pool: a control waits on Twilio, which must not hold Channels' DB thread.
            call = await offload_in_tenant(self.tenant, _control, call_id, self.user, serializer.validated_data)
        except DomainError as exc:
            await self._error(action, exc.error_code, exc.detail, exc.errors)
            return
        await self.send(orjson.dumps({"type": "ack", "action": action, "call": call}).decode())

    async def _error(self, action, error_code, detail, errors=None):
        await self.send(
            orjson.dumps(
                {
                    "type": "error",
                    "action": action,
                    "error_code": error_code,
                    "detail": str(detail),
                    "errors": errors or {},
                }
            ).decode()
        )

    async def live_event(self, message):
        for event in message["events"]:
            await self.send(orjson.dumps(event).decode())

    async def disconnect(self, code):
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
