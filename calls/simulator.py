"""A simulated phone call: plays a caller into `/ws/twilio/media/` exactly as Twilio would, and records
what the agent sends back.

The simulator is Twilio's side of a Media Stream: it sends `connected`, `start` (with the call's
`customParameters`), one 20 ms `media` frame per tick (the caller's speech, or line silence), `dtmf` and
`stop`; it plays the agent's `media` audio 20 ms per tick (a message may carry several frames), echoes
each `mark` once the audio before it has played, and on `clear` drops the audio not yet played and echoes
the pending marks.

Two clocks: `realtime=True` ticks every 20 ms of wall time, as on a real line (benchmarks, the
`simulate_call` command); otherwise ticks run as fast as possible, and while the caller waits with
nothing left to play the clock stands still, so tests of whole conversations take well under a second
of audio time per turn.

The script is a list of steps: `Say` (caller speech, then the silence that ends the turn), `WaitForAgent`
(until the agent's answer has played), `Interrupt` (speech after some of the agent's audio), `Pause`,
`Press` (DTMF), `HangUp`, and `Do` (something outside the call happens then, e.g. a staff control in tests). `simulate(...)` runs it over any transport with `send(text)` and
`receive() -> str | None` (None once closed): `channels_transport` for tests in process,
`websocket_transport` for a running server. Given the tenant's auth token, both sign the WebSocket upgrade
request as Twilio does (`X-Twilio-Signature` over the stream URL).
"""

import asyncio
import base64
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import orjson
import websockets
from twilio.request_validator import RequestValidator

from agents import audio
from agents.providers.base import Audio
from calls.media.vad import END_SILENCE_MS

FRAME_SECONDS = audio.FRAME_MS / 1000
SILENCE_FRAME = audio.MULAW_SILENCE * audio.MULAW_FRAME_BYTES
END_OF_TURN_MS = 900
WAIT_SECONDS = 30


class SimulationError(RuntimeError):
    """The agent did not do what the script waited for."""


@dataclass(frozen=True)
class Say:
    """Caller speech (any sample rate), followed by `silence_ms` of quiet so the agent knows the turn is over."""

    speech: Audio
    silence_ms: int = END_OF_TURN_MS


@dataclass(frozen=True)
class WaitForAgent:
    """Until the agent's next answer has been played completely (or the call ends)."""


@dataclass(frozen=True)
class Interrupt:
    """Once `after_ms` of the agent's current answer has played, the caller talks over it."""

    after_ms: int
    speech: Audio
    silence_ms: int = END_OF_TURN_MS


@dataclass(frozen=True)
class Pause:
    ms: int


@dataclass(frozen=True)
class Press:
    digits: str


@dataclass(frozen=True)
class HangUp:
    pass


@dataclass(frozen=True)
class Do:
    """Awaits `action()` (a coroutine function) before the next step; the caller's clock stands still meanwhile."""

    action: Callable[[], Awaitable]


@dataclass
class AgentAnswer:
    """Audio of one agent answer as the caller heard it; `cleared` when a barge-in cut it off."""

    mulaw: bytearray = field(default_factory=bytearray)
    cleared: bool = False
    finished: bool = False
    first_frame_at: float | None = None

    @property
    def audio(self) -> Audio:
        return audio.from_telephony(bytes(self.mulaw))

    @property
    def ms(self) -> float:
        return len(self.mulaw) / 8


@dataclass
class SimulationResult:
    answers: list[AgentAnswer] = field(default_factory=list)
    clears: int = 0
    marks_echoed: int = 0
    frames_sent: int = 0
    # 20 ms frames of agent audio (a `media` message may carry several).
    frames_received: int = 0
    # Ticks in the middle of an answer with no agent audio to play: gaps the caller heard (real time only).
    late_frames: int = 0
    closed: bool = False
    start_sent_at: float = 0.0
    first_frame_at: float | None = None
    # For each caller turn: wall time from its last speech frame sent to the first frame of the answer.
    turn_latencies_ms: list[float] = field(default_factory=list)
    # For each spoken turn: from the moment the caller had sent the silence that ends a turn (`END_SILENCE_MS`
    # after its last speech frame) to the first frame of the answer. What the agent took, without the
    # simulator's own delays: a busy simulator sends that silence late, and it is not the agent's doing.
    turn_overheads_ms: list[float] = field(default_factory=list)

    @property
    def first_frame_ms(self) -> float | None:
        return None if self.first_frame_at is None else (self.first_frame_at - self.start_sent_at) * 1000


def twilio_start(
    *, call_id, tenant: str, call_sid: str, stream_sid: str, account_sid: str = "AC" + "0" * 32, greeting: str = ""
) -> dict:
    """The `start` message, with the custom parameters of the voice webhook's TwiML (`twiml.connect_stream`)."""
    parameters = {"call_id": str(call_id), "tenant": tenant, **({"greeting": greeting} if greeting else {})}
    return {
        "event": "start",
        "sequenceNumber": "1",
        "streamSid": stream_sid,
        "start": {
            "accountSid": account_sid,
            "streamSid": stream_sid,
            "callSid": call_sid,
            "tracks": ["inbound"],
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            "customParameters": parameters,
        },
    }


class _Twilio:
    def __init__(self, transport, *, realtime: bool, stream_sid: str, call_sid: str):
        self.transport, self.realtime = transport, realtime
        self.stream_sid, self.call_sid = stream_sid, call_sid
        self.sequence = itertools.count(2)
        self.chunk = 0
        self.result = SimulationResult()
        # Agent audio not yet played: frames (bytes) and marks (str), in the order they arrived.
        self.buffer: list = []
        self.answer: AgentAnswer | None = None
        self.arrived = asyncio.Event()
        self.next_tick = 0.0
        self.last_speech_sent_at: float | None = None
        # Silent frames sent since the last speech frame (None: not counting), and when they made a turn's end.
        self.silent_frames: int | None = None
        self.turn_ended_at: float | None = None

    # -- sending --------------------------------------------------------------------------------------------
    async def send(self, message: dict) -> None:
        if not self.result.closed:
            await self.transport.send(orjson.dumps(message).decode())

    async def tick(self, frame: bytes = SILENCE_FRAME, *, speech: bool = False) -> None:
        """One 20 ms slot: a caller frame goes out and one agent frame is played."""
        self.chunk += 1
        await self.send(
            {
                "event": "media",
                "sequenceNumber": str(next(self.sequence)),
                "streamSid": self.stream_sid,
                "media": {
                    "track": "inbound",
                    "chunk": str(self.chunk),
                    "timestamp": str(self.chunk * 20),
                    "payload": base64.b64encode(frame).decode(),
                },
            }
        )
        self.result.frames_sent += 1
        if speech:
            self.last_speech_sent_at, self.silent_frames, self.turn_ended_at = time.monotonic(), 0, None
        elif self.silent_frames is not None:
            self.silent_frames += 1
            if self.silent_frames == END_SILENCE_MS // audio.FRAME_MS:
                self.turn_ended_at = time.monotonic()
        await self.play_one()
        if self.realtime:
            self.next_tick = max(self.next_tick + FRAME_SECONDS, time.monotonic() - 0.1)
            await asyncio.sleep(max(0.0, self.next_tick - time.monotonic()))
        else:
            await asyncio.sleep(0)

    async def play_one(self) -> None:
        await self.echo_marks()
        if self.buffer:
            frame = self.buffer.pop(0)
            if self.answer is None or self.answer.finished:
                self.answer = AgentAnswer()
                self.result.answers.append(self.answer)
            self.answer.mulaw += frame
            await self.echo_marks()
        elif self.answer is not None and not self.answer.finished and self.answer.mulaw:
            self.result.late_frames += 1

    async def echo_marks(self) -> None:
        while self.buffer and isinstance(self.buffer[0], str):
            name = self.buffer.pop(0)
            await self.send(
                {
                    "event": "mark",
                    "sequenceNumber": str(next(self.sequence)),
                    "streamSid": self.stream_sid,
                    "mark": {"name": name},
                }
            )
            self.result.marks_echoed += 1
            if name.endswith(".end") and self.answer is not None:
                self.answer.finished = True

    # -- receiving ------------------------------------------------------------------------------------------
    async def read(self) -> None:
        while True:
            text = await self.transport.receive()
            if text is None:
                self.result.closed = True
                self.arrived.set()
                return
            message = orjson.loads(text)
            event = message.get("event")
            if event == "media":
                now = time.monotonic()
                if self.result.first_frame_at is None:
                    self.result.first_frame_at = now
                if (self.answer is None or self.answer.finished) and not any(isinstance(x, bytes) for x in self.buffer):
                    if self.last_speech_sent_at is not None:
                        self.result.turn_latencies_ms.append((now - self.last_speech_sent_at) * 1000)
                    if self.turn_ended_at is not None:
                        self.result.turn_overheads_ms.append((now - self.turn_ended_at) * 1000)
                    self.last_speech_sent_at = self.silent_frames = self.turn_ended_at = None
                # Played 20 ms per tick, however much audio one message carries, as Twilio's buffer plays it.
                frames = audio.split_frames(base64.b64decode(message["media"]["payload"]), pad=None)
                self.buffer += frames
                self.result.frames_received += len(frames)
            elif event == "mark":
                self.buffer.append(message["mark"]["name"])
            elif event == "clear":
                self.result.clears += 1
                marks = [item for item in self.buffer if isinstance(item, str)]
                self.buffer = []
                if self.answer is not None and not self.answer.finished:
                    self.answer.cleared = self.answer.finished = True
                for name in marks:
                    self.buffer.append(name)
                await self.echo_marks()
            self.arrived.set()

    async def wait_for_audio(self) -> None:
        """Fast clock: time stands still until the agent sends something (or hangs up) after `arrived` was cleared."""
        try:
            await asyncio.wait_for(self.arrived.wait(), WAIT_SECONDS)
        except TimeoutError:
            raise SimulationError("the agent sent nothing for 30 seconds") from None

    # -- steps ----------------------------------------------------------------------------------------------
    async def say(self, speech: Audio, silence_ms: int) -> None:
        for frame in audio.split_frames(audio.to_telephony(speech)):
            if self.result.closed:
                return
            await self.tick(frame, speech=True)
        await self.pause(silence_ms)

    async def pause(self, ms: int) -> None:
        for _ in range(ms // audio.FRAME_MS):
            if self.result.closed:
                return
            await self.tick()

    async def wait_for_answer(self, played_ms: float | None = None) -> None:
        """Ticks until an answer has played completely (or, with `played_ms`, that much of the next one)."""
        playing = self.answer is not None and not self.answer.finished
        target = len(self.result.answers) - 1 if playing else len(self.result.answers)
        started = time.monotonic()
        while True:
            self.arrived.clear()
            if self.result.closed:
                return
            current = self.result.answers[target] if len(self.result.answers) > target else None
            if current is not None and (current.finished if played_ms is None else current.ms >= played_ms):
                return
            if time.monotonic() - started > WAIT_SECONDS:
                raise SimulationError("the agent did not answer within 30 seconds")
            if self.realtime or any(isinstance(item, bytes) for item in self.buffer):
                await self.tick()
            elif self.buffer:
                await self.echo_marks()
            else:
                await self.wait_for_audio()

    async def run(self, step) -> None:
        if isinstance(step, Say):
            await self.say(step.speech, step.silence_ms)
        elif isinstance(step, WaitForAgent):
            await self.wait_for_answer()
        elif isinstance(step, Interrupt):
            await self.wait_for_answer(played_ms=step.after_ms)
            await self.say(step.speech, step.silence_ms)
        elif isinstance(step, Pause):
            await self.pause(step.ms)
        elif isinstance(step, Press):
            for digit in step.digits:
                await self.send(
                    {
                        "event": "dtmf",
                        "sequenceNumber": str(next(self.sequence)),
                        "streamSid": self.stream_sid,
                        "dtmf": {"track": "inbound_track", "digit": digit},
                    }
                )
                self.last_speech_sent_at, self.silent_frames, self.turn_ended_at = time.monotonic(), None, None
                await self.tick()
        elif isinstance(step, Do):
            await step.action()
        elif isinstance(step, HangUp):
            await self.send(
                {
                    "event": "stop",
                    "sequenceNumber": str(next(self.sequence)),
                    "streamSid": self.stream_sid,
                    "stop": {"accountSid": "AC" + "0" * 32, "callSid": self.call_sid},
                }
            )


async def simulate(
    transport,
    script,
    *,
    call_id,
    tenant: str,
    call_sid: str,
    realtime: bool = False,
    stream_sid: str = "MZ" + "0" * 32,
    linger_ms: int = 0,
    greeting: str = "",
) -> SimulationResult:
    """Runs `script` as the caller of `call_id`; after it, plays out what the agent still sends for up to
    `linger_ms` (or until the agent hangs up), then returns what happened. `greeting`: the stream's parameter
    of that name, as the voice webhook set it (the cache key of the prepared greeting's audio)."""
    twilio = _Twilio(transport, realtime=realtime, stream_sid=stream_sid, call_sid=call_sid)
    reader = asyncio.ensure_future(twilio.read())
    try:
        await twilio.send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        twilio.result.start_sent_at = time.monotonic()
        twilio.next_tick = time.monotonic()
        await twilio.send(
            twilio_start(call_id=call_id, tenant=tenant, call_sid=call_sid, stream_sid=stream_sid, greeting=greeting)
        )
        for step in script:
            if twilio.result.closed:
                break
            await twilio.run(step)
        deadline = time.monotonic() + linger_ms / 1000
        while not twilio.result.closed and time.monotonic() < deadline:
            if realtime or twilio.buffer:
                await twilio.tick()
            else:
                await asyncio.wait_for(twilio.arrived.wait(), max(0.001, deadline - time.monotonic()))
                twilio.arrived.clear()
    except TimeoutError:
        pass
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
    return twilio.result


def twilio_signature(url: str, auth_token: str) -> str:
    """What Twilio sends as X-Twilio-Signature when it opens a media stream to `url`."""
    return RequestValidator(auth_token).compute_signature(url, {})


class channels_transport:
    """In process, through the ASGI application (tests): `async with channels_transport(app, host, path) as t:`."""

    def __init__(
        self, application, host: str = "api.localhost", path: str = "/ws/twilio/media/", *, auth_token: str = ""
    ):
        from channels.testing import WebsocketCommunicator

        headers = [(b"host", host.encode())]
        if auth_token:
            headers.append((b"x-twilio-signature", twilio_signature(f"ws://{host}{path}", auth_token).encode()))
        self.communicator = WebsocketCommunicator(application, path, headers=headers)
        self.close_code = None

    async def __aenter__(self):
        connected, _ = await self.communicator.connect()
        if not connected:
            raise SimulationError("the media stream WebSocket was refused")
        return self

    async def __aexit__(self, *exc):
        await self.communicator.disconnect()

    async def send(self, text: str) -> None:
        await self.communicator.send_to(text_data=text)

    async def receive(self) -> str | None:
        # Straight from the output queue: `receive_output(timeout)` would cancel the application on timeout.
        message = await self.communicator.output_queue.get()
        if message["type"] == "websocket.close":
            self.close_code = message.get("code")
            return None
        return message.get("text")


class websocket_transport:
    """Over the network to a running server (`simulate_call --url`, benchmarks)."""

    def __init__(self, url: str, *, auth_token: str = ""):
        self.url = url
        self.headers = {"X-Twilio-Signature": twilio_signature(url, auth_token)} if auth_token else {}
        self.close_code = None

    async def __aenter__(self):
        try:
            self.socket = await websockets.connect(
                self.url, max_size=None, compression=None, additional_headers=self.headers
            )
        except websockets.InvalidStatus as exc:
            raise SimulationError(self._refused(exc.response.status_code)) from None
        except (OSError, websockets.InvalidHandshake, websockets.InvalidURI) as exc:
            raise SimulationError(
                f"Could not open {self.url}: {exc}. Is the platform running there (scripts/run, its HOST and PORT)?"
            ) from None
        return self

    def _refused(self, status: int) -> str:
        """What a refused upgrade means, and what to check."""
        message = f"The server refused the media stream at {self.url} (HTTP {status})."
        if status != 403:
            return message + " Check the URL: ws://<host>:<port>/ws/twilio/media/<tenant slug>/."
        if not self.headers:
            return (
                message + " The upgrade was not signed: the tenant has no Twilio account, so there is no auth token to"
                " sign it with. Connect one (PUT /api/twilio-account), or run the server with"
                " TWILIO_VALIDATE_WEBSOCKET=0 for local experiments."
            )
        return (
            message + " The server found no tenant of that slug or did not accept the X-Twilio-Signature: check the"
            " tenant slug in the path, and that the URL is exactly the one the server sees (host and port; the"
            " signature covers it)."
        )

    async def __aexit__(self, *exc):
        await self.socket.close()

    async def send(self, text: str) -> None:
        try:
            await self.socket.send(text)
        except websockets.ConnectionClosed:
            pass

    async def receive(self) -> str | None:
        try:
            return await self.socket.recv()
        except websockets.ConnectionClosed as exc:
            self.close_code = exc.rcvd.code if exc.rcvd else None
            return None
