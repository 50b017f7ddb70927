"""`/ws/twilio/media/<tenant>/`: Twilio Media Streams, one WebSocket per call.

A bare ASGI application rather than a Channels consumer: Channels' `AsyncConsumer.dispatch` closes old
database connections on a helper thread before every message, which at 50 frames a second per call was
most of the per-frame cost. This consumer touches the database only when the stream starts (on the set-up pool,
`pools.start_set_up`) and at turn boundaries (the session's pools), each time in the tenant's schema. It is served
by the media process (`config.media_server`) on any ASGI server, through the ASGI interface alone.

Twilio signs the WebSocket upgrade request: `X-Twilio-Signature` over the stream's URL (no parameters) with
the tenant's auth token; with TWILIO_VALIDATE_WEBSOCKET on, a missing or forged one is refused (4403) before
the socket is accepted. The tenant is the path's (or, on a tenant's own host, the host's), found with its token
in one trip to the set-up pool: the stream carries no user, so it skips `TenantAuthMiddleware` (config/asgi.py),
and on Channels' single database thread, calls starting together would queue behind each other.

The `start` message names the tenant and call in its custom parameters (`tenant`, `call_id`, set by the
voice webhook's TwiML); the stream is refused (closed 4403/4404) unless that tenant has that call live
and Twilio's `callSid` is the call's own, so nobody can attach audio to another tenant's call. For a new
conversation they also name the greeting's audio (`greeting`, its key in the speech cache, which holds nothing
else), and it plays while the call is being set up.
"""

import asyncio
import logging
import time
from collections import deque

from django.conf import settings
from twilio.request_validator import RequestValidator

from calls.media import protocol
from calls.media.pools import start_set_up
from calls.media.services import StreamRefused, open_stream, stream_tenant
from calls.media.session import CallSession, greet
from config import logs
from tenants.channels import CLOSE_FORBIDDEN, CLOSE_NO_TENANT
from tenants.selectors import is_public

log = logging.getLogger(__name__)

MEDIA_FORMAT = {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}


def _header(scope, name: bytes) -> str:
    return next((value.decode("latin1") for key, value in scope.get("headers", []) if key.lower() == name), "")


class Outbox:
    """Text frames out, in order, through the ASGI `send` (which must be awaited), so that the session and player
    send without awaiting: an answer's first frame goes out in the same step that has its audio."""

    def __init__(self, send):
        self._send = send
        self._pending: deque[str] = deque()
        self._draining: asyncio.Task | None = None

    def __call__(self, text: str) -> None:
        self._pending.append(text)
        if self._draining is None:
            self._draining = asyncio.ensure_future(self._drain())

    async def _drain(self) -> None:
        try:
            while self._pending:
                await self._send({"type": "websocket.send", "text": self._pending.popleft()})
        except Exception:
            log.warning("media stream: sending failed, %d messages dropped", len(self._pending), exc_info=True)
            self._pending.clear()
        finally:
            self._draining = None

    async def flushed(self) -> None:
        """Once everything sent so far is out."""
        while self._draining is not None:
            await asyncio.shield(self._draining)


class MediaStreamConsumer:
    def __init__(self, scope, send):
        self.scope, self._send = scope, send
        self._outbox = Outbox(send)
        self.session: CallSession | None = None
        self.stream_tenant = None
        self.closed = False

    @classmethod
    def as_asgi(cls):
        async def app(scope, receive, send):
            consumer = cls(scope, send)
            while True:
                message = await receive()
                kind = message["type"]
                if kind == "websocket.receive":
                    pending = consumer.receive(message.get("text") or message.get("bytes") or b"")
                    if pending is not None:
                        await pending
                elif kind == "websocket.connect":
                    if await consumer.signed_by_twilio():
                        await send({"type": "websocket.accept"})
                    else:
                        await send({"type": "websocket.close", "code": CLOSE_FORBIDDEN})
                        return
                elif kind == "websocket.disconnect":
                    await consumer.disconnected()
                    return

        return app

    async def signed_by_twilio(self) -> bool:
        slug = self.scope.get("url_route", {}).get("kwargs", {}).get("tenant_slug", "")
        tenant, auth_token = await start_set_up(None, stream_tenant, _header(self.scope, b"host"), slug)
        if slug and tenant is None:
            log.warning("media stream refused: unknown tenant %r in the path", slug)
            return False
        self.stream_tenant = None if is_public(tenant) else tenant
        if not settings.TWILIO_VALIDATE_WEBSOCKET:
            return True
        signature = _header(self.scope, b"x-twilio-signature")
        if self.stream_tenant is None or not signature:
            log.warning("media stream refused: no tenant or no signature")
            return False
        scheme = "wss" if self.scope.get("scheme") in ("wss", "https") else "ws"
        url = f"{scheme}://{_header(self.scope, b'host')}{self.scope['path']}"
        if not RequestValidator(auth_token).validate(url, {}, signature):
            log.warning("media stream refused for tenant %s: bad signature", self.stream_tenant.slug)
            return False
        return True

    def send(self, text: str) -> None:
        """Sends one message to Twilio without waiting (the player's way out)."""
        if not self.closed:
            self._outbox(text)

    async def close(self, code: int = 1000) -> None:
        if not self.closed:
            self.closed = True
            await self._outbox.flushed()
            await self._send({"type": "websocket.close", "code": code})

    def receive(self, data):
        """Handles one message; returns what is left to await (`start`, `stop`), if anything."""
        try:
            message = protocol.loads(data)
        except ValueError:
            log.warning("media stream: ignored a malformed message")
            return None
        return self.handle(message)

    def handle(self, message):
        """Not a coroutine: media frames, 50 a second per call, are handled without creating one."""
        try:
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
                return self._guarded(self.start(message))
            elif event == "stop":
                return self.stopped()
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("media stream: ignored a malformed message")
        return None

    async def _guarded(self, handling) -> None:
        try:
            await handling
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
        if tenant is None or is_public(tenant):
            # On a tenant's stream URL, naming any other tenant is forbidden; elsewhere, no tenant was found.
            await self.close(CLOSE_FORBIDDEN if self.stream_tenant is not None else CLOSE_NO_TENANT)
            return
        stream_sid = start.get("streamSid") or message["streamSid"]
        # On the set-up pool: on Channels' single database thread, calls starting together would queue behind
        # each other's writes; on the media pool, they would take the GIL from the calls under way. Meanwhile the
        # greeting the voice webhook prepared starts playing: with many calls starting at once, the set-up waits
        # its turn, and the caller would wait with it.
        setting_up = start_set_up(tenant, open_stream, parameters.get("call_id", ""), start.get("callSid", ""))
        greeting = await greet(str(parameters.get("greeting", "")), self.send, stream_sid)
        try:
            call = await setting_up
        except BaseException as exc:
            if greeting is not None:
                await greeting.cut_off()
            if not isinstance(exc, StreamRefused):
                raise
            log.warning("media stream refused for tenant %s: %s", tenant.slug, exc)
            await self.close(CLOSE_FORBIDDEN)
            return
        # For the rest of this stream's task and the tasks it starts: every line it logs names the call.
        logs.bind(tenant=tenant.schema_name, call_id=call.call_id)
        self.session = CallSession(
            tenant=tenant, call=call, stream_sid=stream_sid, send=self.send, close=self.close, greeting=greeting
        )
        self.session.begin(started_at)

    async def _tenant(self, slug: str):
        """The tenant of the stream's path or host (if a tenant's), which must be the one the parameters name;
        on a shared host with no tenant in the path (only with signatures off), the one they name."""
        if self.stream_tenant is not None:
            return self.stream_tenant if not slug or slug.lower() == self.stream_tenant.slug else None
        return (await start_set_up(None, stream_tenant, "", slug))[0] if slug else None

    async def stopped(self) -> None:
        if self.session is not None:
            await self.session.hung_up("caller_hangup")
        await self.close()

    async def disconnected(self) -> None:
        self.closed = True
        if self.session is not None:
            await self.session.hung_up("stream_closed")
