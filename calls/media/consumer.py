"""`/ws/twilio/media/`: Twilio Media Streams, one WebSocket per call.

A bare ASGI application rather than a Channels consumer: Channels' `AsyncConsumer.dispatch` closes old
database connections on a helper thread before every message, which at 50 frames a second per call was
most of the per-frame cost (see NOTES.md, "Media-stream capacity"). This consumer touches the database
only when the stream starts and at turn boundaries, each time through `in_tenant`.

The `start` message names the tenant and call in its custom parameters (`tenant`, `call_id`, set by the
voice webhook's TwiML); the stream is refused (closed 4403/4404) unless that tenant has that call live
and Twilio's `callSid` is the call's own, so nobody can attach audio to another tenant's call.
"""
import logging
import time

from channels.db import database_sync_to_async

from calls.media import protocol
from calls.media.services import StreamRefused, open_stream
from calls.media.session import CallSession
from tenants.channels import in_tenant
from tenants.consumers import CLOSE_FORBIDDEN, CLOSE_NO_TENANT
from tenants.models import Tenant
from tenants.selectors import is_public

log = logging.getLogger(__name__)

MEDIA_FORMAT = {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}


@database_sync_to_async
def _tenant_by_slug(slug):
    tenant = Tenant.objects.filter(slug=str(slug).lower()).first()
    return tenant if tenant is not None and tenant.is_active else None


@in_tenant
def _open(tenant, call_id, call_sid):
    return open_stream(call_id, call_sid)


class MediaStreamConsumer:
    def __init__(self, scope, send):
        self.scope, self._send = scope, send
        self.session: CallSession | None = None
        self.closed = False

    @classmethod
    def as_asgi(cls):
        async def app(scope, receive, send):
            consumer = cls(scope, send)
            while True:
                message = await receive()
                kind = message["type"]
                if kind == "websocket.receive":
                    await consumer.receive(message.get("text") or message.get("bytes") or b"")
                elif kind == "websocket.connect":
                    await send({"type": "websocket.accept"})
                elif kind == "websocket.disconnect":
                    await consumer.disconnected()
                    return

        return app

    async def send(self, text: str) -> None:
        if not self.closed:
            await self._send({"type": "websocket.send", "text": text})

    async def close(self, code: int = 1000) -> None:
        if not self.closed:
            self.closed = True
            await self._send({"type": "websocket.close", "code": code})

    async def receive(self, data) -> None:
        try:
            message = protocol.loads(data)
            event = message["event"]
            if event == "media":
                if self.session is not None and message["media"].get("track", "inbound") == "inbound":
                    self.session.on_media(protocol.payload(message))
            elif event == "mark":
                if self.session is not None:
                    self.session.on_mark(message["mark"]["name"])
            elif event == "dtmf":
                if self.session is not None:
                    self.session.on_dtmf(str(message["dtmf"]["digit"]))
            elif event == "start":
                await self.start(message)
            elif event == "stop":
                await self.stopped()
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("media stream: ignored a malformed message")

    async def start(self, message: dict) -> None:
        started_at = time.monotonic()
        if self.session is not None or self.closed:
            return
        start = message["start"]
        media_format = start.get("mediaFormat") or {}
        if any(media_format.get(key) != value for key, value in MEDIA_FORMAT.items()):
            log.warning("media stream refused: unsupported media format %s", media_format)
            await self.close(CLOSE_FORBIDDEN)
            return
        parameters = start.get("customParameters") or {}
        tenant = await self._tenant(parameters.get("tenant", ""))
        if tenant is None:
            await self.close(CLOSE_NO_TENANT)
            return
        try:
            call = await _open(tenant, parameters.get("call_id", ""), start.get("callSid", ""))
        except StreamRefused as exc:
            log.warning("media stream refused for tenant %s: %s", tenant.slug, exc)
            await self.close(CLOSE_FORBIDDEN)
            return
        stream_sid = start.get("streamSid") or message["streamSid"]
        self.session = CallSession(tenant=tenant, call=call, stream_sid=stream_sid, send=self.send, close=self.close)
        self.session.begin(started_at)

    async def _tenant(self, slug: str):
        """The tenant of the host Twilio reached (if a tenant's), which must be the one the parameters name."""
        host_tenant = self.scope.get("tenant")
        if not is_public(host_tenant):
            return host_tenant if not slug or slug.lower() == host_tenant.slug else None
        return await _tenant_by_slug(slug) if slug else None

    async def stopped(self) -> None:
        if self.session is not None:
            await self.session.hung_up("caller_hangup")
        await self.close()

    async def disconnected(self) -> None:
        self.closed = True
        if self.session is not None:
            await self.session.hung_up("stream_closed")
