"""`/ws/agents/{id}/voice/`: talking to an agent from the browser, through the phone calls' own pipeline.

The page (dashboard `voice.js`) streams its microphone as a phone line does, in Twilio's Media Streams dialect
(`protocol`): 20 ms frames of 8 kHz mu-law in `media` messages, `mark` echoed once the agent's audio up to it has
played, `stop` to hang up. The server answers with `media`, `mark` and `clear` (barge-in), from a `CallSession` of
its own, so turn detection, recognition, the engine and the voice are the phone's (a sandbox test call: no
telephony, no recording). First of all it sends `{"event": "call", "call_id"}`, then the live view's events as they
happen (`{"event": "transcript", "events": [{"type": "turn", "turn": {...}}, ...]}`, as `calls.live` sends them).
For members with `agents.view`, like the text sandbox.
"""

import time

import orjson

from accounts.consumers import TenantMemberConsumer
from accounts.roles import role_has
from calls.media import protocol
from calls.media.consumer import Outbox
from calls.media.pools import start_set_up
from calls.media.services import open_browser_call
from calls.media.session import CallSession
from config.errors import NotFound
from tenants.channels import CLOSE_FORBIDDEN, CLOSE_NO_TENANT


class BrowserSession(CallSession):
    """A phone call's session whose live events (its turns as they are stored, its end) also go to the browser that
    talks, over its own socket."""

    def __init__(self, *, transcript, **kwargs):
        super().__init__(**kwargs)
        self._transcript = transcript

    async def _broadcast(self, *events: dict) -> None:
        self._transcript(events)
        await super()._broadcast(*events)


class BrowserVoiceConsumer(TenantMemberConsumer):
    # No channel of its own on the layer (an alias with no layer): the session's staff controls come through the
    # process's one listener (`calls.media.layer`), and a second blocking read on the same layer, cancelled when
    # the socket closes, would break that listener's.
    channel_layer_alias = "no-channel-layer"
    session = None
    closed = False

    async def accept(self, subprotocol=None, headers=None):
        # Called by TenantMemberConsumer.connect once the user is a member of the tenant.
        if not role_has(self.membership.role, "agents.view"):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        started_at = time.monotonic()
        try:
            call = await start_set_up(self.tenant, open_browser_call, self.scope["url_route"]["kwargs"]["agent_id"])
        except NotFound:
            await self.close(code=CLOSE_NO_TENANT)
            return
        await super().accept(subprotocol, headers)
        self._outbox = Outbox(self.base_send)
        self._outbox(orjson.dumps({"event": "call", "call_id": call.call_id}).decode())
        self.session = BrowserSession(
            tenant=self.tenant,
            call=call,
            stream_sid=f"browser-{call.call_id}",
            send=self._out,
            close=self._hang_up,
            transcript=self._transcript,
        )
        self.session.begin(started_at)

    def _out(self, text: str) -> None:
        if not self.closed:
            self._outbox(text)

    def _transcript(self, events) -> None:
        self._out(orjson.dumps({"event": "transcript", "events": list(events)}).decode())

    async def _hang_up(self, code: int = 1000) -> None:
        """The agent ended the call: what it said goes out, then the socket closes."""
        if not self.closed:
            self.closed = True
            await self._outbox.flushed()
            await self.close(code)

    async def receive(self, text_data=None, bytes_data=None):
        if self.session is None:
            return
        try:
            message = protocol.loads(text_data or bytes_data or b"")
            event = message["event"]
            if event == "media":
                self.session.on_media(protocol.payload(message))
            elif event == "mark":
                self.session.on_mark(message["mark"]["name"])
            elif event == "stop":
                await self.session.hung_up("caller_hangup")
                await self._hang_up()
        except (ValueError, KeyError, TypeError, AttributeError):
            return  # a malformed message is ignored, as on a phone line

    async def disconnect(self, code):
        self.closed = True
        if self.session is not None:
            await self.session.hung_up("stream_closed")
