"""One live call: caller audio → turn detection → STT → engine → TTS → paced agent audio.

Frames are handled synchronously and cheaply (`on_media`); everything slow happens on one worker task
per call that takes typed events in order (`CallEvent`: the opening, each caller turn, keypad entries, silences,
barge-ins, the time limit, the hang-up), each as the call's `State` has it (`_handle`, one `match`; the state moves
only along `TRANSITIONS`, and an event with no transition in that state is logged as an error and changes nothing),
with providers, the engine and the database work (`services`, explicit and rare) offloaded to the
media thread pool (`pools`), each thread with its own connection: Channels' single database thread
would queue every call of the process behind each other's writes.

The greeting the voice webhook prepared may be playing already when the session begins (`greet`, from `start`, while
the call was being set up): the session takes over its player and carries on with the rest of the opening.

When the engine's answer comes back from the pool with all its audio cached (as an agent's usual phrases are),
it starts playing in that same step on the event loop (`_answer_ready`), before the worker resumes to follow it up.

The answer goes out first; storing the turns and the engine state, the actions they trigger and the live
view's broadcast follow on a second task per call (`_record`), in order: none of it delays the caller's
audio, and the call is finished only once all of it is stored.

An answer is spoken sentence by sentence (`speech.pieces`: sentences, a short opening clause apart): the first goes
out as soon as it is synthesized, while the next is being synthesized, so a long answer starts as soon as a short
one would.

Recognition starts early: when the caller pauses (`TurnDetector.PAUSE`) the turn so far goes to the STT while the
detector waits to see whether the turn is over; if it is, with no speech since, that transcription is the turn's
(`CallerAudio.early`), and the caller does not wait for recognition on top of the end-of-turn silence. A question
that takes a short answer ends the caller's turn on a shorter silence (`TurnDetector.expect_short_answer`).

Timings of an agent turn: `vad_ms` (from the caller's last voiced frame to the end of turn the detector declared),
`stt_ms`, `llm_ms`, `engine_ms`, `tts_ms` (synthesis not served from the cache), `tts_first_ms` (the part of it
before the first audio) and `total_ms`, from the caller's last voiced frame (or the `start` message, for the
greeting) to the first frame of the answer sent to Twilio.
"""

import asyncio
import concurrent.futures
import enum
import functools
import logging
import time
from dataclasses import dataclass

from redis import RedisError

from agents.audio import FRAME_MS
from agents.engine import Event
from agents.providers.base import Expectation, ProviderError
from calls import groups
from calls.media import services
from calls.media.layer import control_listener, layer_slot
from calls.media.playback import Player, Response
from calls.media.pools import (
    offload,
    offload_in_tenant,
    record_in_tenant,
    record_publishing,
    start,
    start_in_tenant,
    start_in_tenant_then,
)
from calls.media.speech import Speech, cached_audio, pieces, stored_audio
from calls.media.vad import TurnDetector
from calls.models import Call
from calls.services import actions as call_actions
from config import metrics

log = logging.getLogger(__name__)

# Caller speech this long over the agent's audio interrupts it; shorter sounds ("uh-huh") are ignored.
BARGE_IN_MS = 240
# Keypad digits are gathered until '#' or this long without another key.
DTMF_GAP_MS = 1200
# After a hang-up, the turn under way still gets recorded if it takes no longer than this.
DRAIN_SECONDS = 10


class State(enum.Enum):
    """Where a call is. It moves only along `TRANSITIONS`."""

    # The stream has begun: the opening (the greeting and what follows it) is the worker's first event.
    OPENING = "opening"
    # The conversation: the caller's turns, keypad entries and silences are answered.
    LISTENING = "listening"
    # No more caller input: the agent ended the call, its time limit came, or the caller hung up.
    CLOSING = "closing"
    # The call's record is finished (or being finished): nothing more happens.
    ENDED = "ended"


TRANSITIONS = {
    State.OPENING: {State.LISTENING, State.CLOSING, State.ENDED},
    State.LISTENING: {State.CLOSING, State.ENDED},
    State.CLOSING: {State.ENDED},
    State.ENDED: set(),
}


# The worker's events, in the order they happened.
@dataclass(frozen=True)
class Start:
    """The stream's `start`: time for the opening."""

    at: float


@dataclass(frozen=True)
class CallerAudio:
    """A caller's turn to recognise: its mu-law audio, and its transcription if one started at the caller's pause
    (`early`, made with the expectation `early_expect`) on this very audio."""

    mulaw: bytes
    early: concurrent.futures.Future | None = None
    early_expect: Expectation | None = None


# Short answers a question asks for: a caller giving one is done as soon as they stop ("digits" and "number" may
# be read out in groups, with pauses between).
SHORT_ANSWER_CLASSES = {"yes_no", "date", "time", "name"}


def expects_short_answer(expect: Expectation) -> bool:
    return bool(set(expect.classes) & SHORT_ANSWER_CLASSES) or (bool(expect.phrases) and not expect.classes)


@dataclass(frozen=True)
class Utterance:
    """The caller's turn: its audio, or (if the worker was idle) the answer to it already being worked out."""

    hearing: "CallerAudio | asyncio.Future"
    stopped_at: float
    # When the turn detector declared the turn over.
    ended_at: float


@dataclass(frozen=True)
class Keypad:
    digits: str
    pressed_at: float


@dataclass(frozen=True)
class Silence:
    """The caller said nothing for the agent's silence timeout."""

    at: float


@dataclass(frozen=True)
class Interruption:
    """The caller (or staff muting the agent) cut `response` off: what was heard of it is recorded."""

    response: Response


@dataclass(frozen=True)
class TimeLimit:
    """The call has lasted as long as the agent allows: goodbye, over whatever was playing."""


@dataclass(frozen=True)
class HungUp:
    """The caller hung up or the stream closed."""

    reason: str


CallEvent = Start | Utterance | Keypad | Silence | Interruption | TimeLimit | HungUp


@dataclass
class Greeting:
    """The greeting the voice webhook prepared (`greetings`), playing since `start`: the call's set-up is
    not done yet, so its words are known only by their audio's cache key."""

    key: str
    player: Player
    response: Response

    async def cut_off(self) -> None:
        """The stream will have no session: stop the greeting where it is."""
        self.player.clear()
        await self.player.stop()


async def greet(key: str, send, stream_sid: str) -> Greeting | None:
    """Starts playing the audio cached under `key` (a stream's `greeting` parameter) on a player of its own,
    which the call's session takes over; None if there is no such audio (the session then greets as usual)."""
    if not key:
        return None
    audio = cached_audio(key)
    if audio is None:
        try:
            audio = await offload(stored_audio, key)
        except RedisError:
            log.warning("media stream: could not read the prepared greeting", exc_info=True)
            return None
    if audio is None:
        return None
    player = Player(send, stream_sid)
    player.start()
    response = player.new_response()
    player.add(response, "", audio)
    player.send_now()
    return Greeting(key, player, response)


class CallSession:
    def __init__(
        self,
        *,
        tenant,
        call: services.LiveCall,
        stream_sid: str,
        send,
        close,
        clock=time.monotonic,
        greeting: Greeting | None = None,
    ):
        self.tenant, self.call = tenant, call
        self.speech = Speech(
            schema=call.schema,
            stt=call.stt,
            tts=call.tts,
            tts_name=call.tts_name,
            voice=call.voice,
            language=call.language,
        )
        self.player = greeting.player if greeting is not None else Player(send, stream_sid, clock=clock)
        self._greeting = greeting
        self.detector = TurnDetector()
        self._close, self._clock = close, clock
        # The engine's state of the conversation, and what it expects the caller to say next.
        self.conversation, self.expect = call.state, call.expect
        self.detector.expect_short_answer(expects_short_answer(self.expect))
        # The caller's turn so far, being recognised since their last pause: (its last voiced frame, the audio).
        self.early: tuple[int, CallerAudio] | None = None
        self.state = State.OPENING
        self._ending: asyncio.Task | None = None
        self.events: asyncio.Queue = asyncio.Queue()
        # Database writes and broadcasts of the turns, in the order they happened (see `_record`).
        self.records: asyncio.Queue = asyncio.Queue()
        # The index the next stored turn should have: 0 for a new conversation's greeting, else unknown until this
        # stream has stored one. A wrong guess costs nothing: the unique (call, index) refuses it, and the turns
        # are numbered by counting (`services.record_exchange`).
        self.next_turn: int | None = 0 if call.opening is not None else None
        # The agent is working out an answer (no audio yet): the caller's silence is not counted meanwhile.
        self.busy = False
        # The worker waits for an event (see `_utterance`).
        self.idle = False
        # The caller hung up, so there is no one to answer and no Twilio call to end.
        self.caller_gone = False
        self.frames = 0
        self.max_frames = call.max_duration_seconds * 1000 // FRAME_MS
        self.silence_frames = call.silence_timeout_ms // FRAME_MS
        self.quiet = 0
        self.speech_start = 0
        self.over_agent = False
        self.last_voiced_at = 0.0
        self.digits, self.digit_gap = "", 0
        # Someone opened the call's live view (`groups.is_watched`): only then do its turns and state go out.
        self.watched = False
        # Staff muted the agent: no agent audio goes out and the caller's turns are not taken.
        self.muted = call.muted
        self._worker: asyncio.Task | None = None
        # The caller's speech in progress has interrupted the agent already (reset when that speech ends).
        self.barged_in = False
        self._controls: asyncio.Task | None = None
        self._recorder: asyncio.Task | None = None

    # -- state ---------------------------------------------------------------------------------------------
    @property
    def closing(self) -> bool:
        """No more caller input is taken."""
        return self.state in (State.CLOSING, State.ENDED)

    def _enter(self, state: State) -> None:
        if state is self.state:
            return
        if state not in TRANSITIONS[self.state]:
            log.error("call %s: no transition from %s to %s", self.call.call_id, self.state.name, state.name)
            return
        self.state = state

    def _stop_listening(self) -> None:
        if not self.closing:
            self._enter(State.CLOSING)

    # -- lifecycle ----------------------------------------------------------------------------------------
    def begin(self, started_at: float) -> None:
        metrics.LIVE_CALLS.inc()
        self.player.start()
        self._worker = asyncio.ensure_future(self._work())
        self._recorder = asyncio.ensure_future(self._record())
        self._controls = asyncio.ensure_future(
            control_listener().join(self.call.schema, self.call.call_id, self.on_control)
        )
        self.events.put_nowait(Start(started_at))

    async def stop(self) -> None:
        self._stop_listening()
        for task in (self._worker, self._controls, self._recorder):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        await control_listener().leave(self.call.schema, self.call.call_id, self.on_control)
        await self.player.stop()

    async def hung_up(self, reason: str) -> None:
        """The caller hung up or the stream went away: what is under way is recorded (briefly waited for),
        what was still to come is dropped, and the record is finished unless the agent already ended it."""
        if self.caller_gone:
            return
        self.caller_gone = True
        self._stop_listening()
        self.detector.reset()
        self.player.abort()
        if self._worker is not None:
            self.events.put_nowait(HungUp(reason))
            try:
                await asyncio.wait_for(asyncio.shield(self._worker), DRAIN_SECONDS)
            except TimeoutError:
                log.warning("call %s: gave up waiting for the pipeline after the caller hung up", self.call.call_id)
        await self.stop()
        await self._end(reason)

    # -- frames (the hot path: no awaits, no database) -----------------------------------------------------
    def on_media(self, mulaw: bytes) -> None:
        if self.closing:
            return
        self.frames += 1
        if self.muted:
            if self.frames >= self.max_frames:
                self._reach_max_duration()
            return
        signal = self.detector.push(mulaw)
        agent_talking = self.player.active
        if signal is TurnDetector.SPEECH:
            self.speech_start, self.over_agent = self.detector.frame, agent_talking
        elif signal is TurnDetector.PAUSE and self.idle and self.events.empty() and not self.over_agent:
            self._hear_early()
        if self.detector.speaking:
            if self.detector.last_voiced_frame == self.detector.frame:
                self.last_voiced_at = self._clock()
            if self.over_agent and agent_talking and self._voiced_ms() >= BARGE_IN_MS and not self.barged_in:
                self.barged_in = True
                self._interrupt()
        elif signal is TurnDetector.END:
            early, self.early = self.early, None
            audio = self.detector.take_turn()
            if early is not None and early[0] == self.detector.last_voiced_frame:
                turn = early[1]
            else:
                turn = CallerAudio(audio)
            if not (self.over_agent and self._voiced_ms() < BARGE_IN_MS):
                self._utterance(turn)
            self.over_agent = self.barged_in = False
        self._count_silence(agent_talking)
        if self.digits:
            self.digit_gap += 1
            if self.digit_gap * FRAME_MS >= DTMF_GAP_MS:
                self._flush_digits()
        if self.frames >= self.max_frames:
            self._reach_max_duration()

    def _hear_early(self) -> None:
        """Recognition of the turn so far, started at the caller's pause, for the turn if it ends here."""
        mulaw = self.detector.turn_so_far()
        future = start(self.speech.transcribe, mulaw, self.expect)
        self.early = (self.detector.last_voiced_frame, CallerAudio(mulaw, future, self.expect))

    def _reach_max_duration(self) -> None:
        # The agent stops at once, whatever the worker is doing; the goodbye follows in order.
        self._stop_listening()
        self._interrupt(then=TimeLimit())

    def _utterance(self, turn: CallerAudio) -> None:
        """The caller's turn, for the worker. An idle worker would take a turn of the event loop to pick it up
        while the caller waits, so then the pool starts hearing it at once (the state is the worker's own);
        otherwise it is heard once the worker gets to it, with the state as it is then."""
        ended_at = self._clock()
        if self.idle and self.events.empty():
            self.events.put_nowait(Utterance(self._start_answer(self._hear, turn), self.last_voiced_at, ended_at))
        else:
            self.events.put_nowait(Utterance(turn, self.last_voiced_at, ended_at))

    def _start_answer(self, work, arg) -> asyncio.Future:
        """`work(arg, expect, state)` on the pool: (what was heard, the engine's answer); the future gives those and
        the answer's response if already playing. The worker handles this event next, so its state is the one to
        answer it with."""
        hearing = asyncio.get_running_loop().create_future()
        start_in_tenant_then(
            self.tenant, functools.partial(self._answer_ready, hearing), work, arg, self.expect, self.conversation
        )
        return hearing

    def _answer_ready(self, hearing: asyncio.Future, done) -> None:
        """On the event loop as soon as the pool has the engine's answer (to the caller's words, keypad or silence):
        an answer whose audio is all at hand starts playing here and now, a pass of the event loop before the worker
        could start it."""
        if hearing.cancelled():
            return
        try:
            heard, result = done.result()
        except Exception as exc:
            hearing.set_exception(exc)
            return
        playing = None
        if result is not None and not (self.closing or self.muted):
            playing = self._speak_at_once(result.utterances)
        hearing.set_result((heard, result, playing))

    def _voiced_ms(self) -> int:
        return (self.detector.last_voiced_frame - self.speech_start + self.detector.settings.start_frames) * FRAME_MS

    def _count_silence(self, agent_talking: bool) -> None:
        if self.detector.speaking or agent_talking or self.busy or not self.events.empty() or self.digits:
            self.quiet = 0
            return
        self.quiet += 1
        if self.quiet >= self.silence_frames:
            self.quiet = 0
            self.events.put_nowait(Silence(self._clock()))

    def on_dtmf(self, digit: str) -> None:
        if self.closing or self.muted:
            return
        if self.player.active:
            self._interrupt()
        self.digits += digit
        self.digit_gap = 0
        if digit == "#":
            self._flush_digits()

    def on_mark(self, name: str) -> None:
        self.player.on_mark(name)

    def on_control(self, action: str) -> None:
        """A staff control for this call's media (the others act on the Twilio call itself)."""
        if action == "mute" and not self.muted:
            self.muted = True
            self.detector.reset()
            self.digits, self.digit_gap = "", 0
            if self.player.active:
                self._interrupt()
        elif action == "unmute" and self.muted:
            self.muted = False
            self.detector.reset()
            self.quiet = 0

    def _then_watched(self, func):
        """`func` for the records thread, which then asks whether anyone watches the call live, once `func`'s
        writes are committed (see `groups.is_watched`). A watched call stays so."""

        def run(*args, **kwargs):
            result = func(*args, **kwargs)
            if not self.watched:
                self.watched = groups.is_watched(self.call.schema, self.call.call_id)
            return result

        return run

    async def _broadcast(self, *events: dict) -> None:
        if not self.watched:
            return
        try:
            async with layer_slot():
                await groups.broadcast(self.call.schema, self.call.call_id, *events)
        except RedisError as exc:
            # Redis is down (restarting): the live view misses these events, the call goes on and still ends on
            # the record, which the live view reads again when it reconnects.
            log.warning("call %s: the live view was not told (%s)", self.call.call_id, exc)

    def _flush_digits(self) -> None:
        self.events.put_nowait(Keypad(self.digits, self._clock()))
        self.digits, self.digit_gap = "", 0

    def _interrupt(self, then: CallEvent | None = None) -> None:
        """Stops the agent at once (`clear`); recording what was cut off, and `then`, are the worker's to do."""
        for response in self.player.clear():
            self.events.put_nowait(Interruption(response))
        if then is not None:
            self.events.put_nowait(then)

    # -- the worker ---------------------------------------------------------------------------------------
    async def _work(self) -> None:
        while True:
            self.idle = True
            event = await self.events.get()
            self.idle, self.busy = False, True
            try:
                if await self._handle(event):
                    return
            except Exception:
                log.exception("call %s: %s failed", self.call.call_id, type(event).__name__)
                await self._end("error", status=Call.Status.FAILED)
                return
            finally:
                self.busy = False
                self.quiet = 0

    async def _record(self) -> None:
        while True:
            store = await self.records.get()
            try:
                await store()
            except Exception:
                log.exception("call %s: storing a turn failed", self.call.call_id)
            finally:
                self.records.task_done()

    async def _recorded(self) -> None:
        """Waits until everything queued for the database is stored, or the recorder is stopped meanwhile."""
        if self._recorder is not None and not self._recorder.done():
            stored = asyncio.ensure_future(self.records.join())
            await asyncio.wait({stored, self._recorder}, return_when=asyncio.FIRST_COMPLETED)
            stored.cancel()

    async def _handle(self, event: CallEvent) -> bool:
        """One event, as the call's state has it; True once the call is over."""
        match self.state, event:
            case State.ENDED, _:
                return True
            case _, HungUp(reason):
                await self._end(reason)
                return True
            case _, Utterance(hearing, stopped_at, ended_at):
                # In any state: an answer already playing is recorded, whatever happened meanwhile.
                return await self._answer_caller(hearing, stopped_at, ended_at)
            case _, Interruption(response):
                await self._interrupted(response)
                return False
            case State.OPENING, Start(at):
                return await self._open(at)
            case State.LISTENING, Keypad(digits, pressed_at) if not self.muted:
                return await self._engine(Event.dtmf(digits), f"(keypad {digits})", {}, pressed_at)
            case State.LISTENING, Silence(at) if not self.muted:
                return await self._engine(Event.silence(), None, {}, at)
            case State.CLOSING, TimeLimit() if not self.caller_gone:
                await self._say_goodbye()
                return True
            case _, Start() | Keypad() | Silence() | TimeLimit():
                return False  # muted, or no more caller input: nothing to answer
            case _:
                log.error("call %s: no transition for %r in %s", self.call.call_id, event, self.state.name)
                return False

    async def _open(self, started_at: float) -> bool:
        greeting, self._greeting = self._greeting, None
        if self.conversation:
            # A reconnected stream resumes the conversation where it was, without greeting again.
            if greeting is not None:
                self.player.clear()
            self._enter(State.LISTENING)
            return False
        opening = self.call.opening
        playing = await self._after_greeting(greeting, opening.utterances) if greeting is not None else None
        ended = await self._respond(opening, None, {}, started_at, playing=playing)
        if not self.closing:
            self._enter(State.LISTENING)
        return ended

    async def _say_goodbye(self) -> None:
        for response in self.player.clear():
            await self._interrupted(response)
        goodbye = await self._speak([self.call.agent.goodbye_message])
        await goodbye.played.wait()
        await self._end("max_duration")

    async def _answer_caller(self, hearing, stopped_at: float, ended_at: float) -> bool:
        """The caller's turn: heard on the pool (started already if the worker was idle), then answered. An answer
        already playing is recorded whatever happened meanwhile: the caller hears it."""
        if isinstance(hearing, CallerAudio):
            if self.closing or self.muted:
                return False
            hearing = self._start_answer(self._hear, hearing)
        heard, result, playing = await hearing
        if result is None or (playing is None and (self.caller_gone or self.muted)):
            return False
        timings = {"vad_ms": round((ended_at - stopped_at) * 1000, 3), "stt_ms": round(heard.ms, 3)}
        return await self._respond(result, heard.text, timings, stopped_at, playing=playing)

    def _hear(self, turn: CallerAudio, expect: Expectation, state: dict):
        """On the pool: the caller's words (the early transcription if it was made for this expectation) and the
        engine's answer to them (None if nothing was understood).

        One trip to a thread rather than two: under load every trip waits its turn for the event loop."""
        try:
            if turn.early is not None and turn.early_expect == expect:
                heard = turn.early.result()
            else:
                heard = self.speech.transcribe(turn.mulaw, expect)
        except ProviderError:
            log.warning("call %s: speech recognition failed", self.call.call_id, exc_info=True)
            return None, None
        if not heard.text:
            return heard, None
        return heard, self.call.engine.handle(self.call.agent, self.call.flow, state, Event.utterance(heard.text))

    def _handle_event(self, event: Event, expect: Expectation, state: dict):
        """On the pool: the engine's answer to a keypad entry or a silence (nothing to hear first)."""
        return None, self.call.engine.handle(self.call.agent, self.call.flow, state, event)

    async def _engine(self, event: Event, caller_text, timings: dict, since: float) -> bool:
        _, result, playing = await self._start_answer(self._handle_event, event)
        return await self._respond(result, caller_text, timings, since, playing=playing)

    def _pieces(self, text: str) -> list[tuple[str, bytes | None]]:
        """What to say for `text`, each piece with its audio if this process has it cached: the whole text when
        cached so (a prepared greeting), else its sentences."""
        whole = self.speech.cached(text)
        if whole is not None:
            return [(text, whole)]
        return [(piece, self.speech.cached(piece)) for piece in pieces(text)]

    def _speak_at_once(self, utterances) -> Response | None:
        """The response, already sending, if all its audio is cached; None leaves it to `_speak`."""
        pieces = [piece for text in utterances for piece in self._pieces(text)]
        if any(clip is None for _, clip in pieces):
            return None
        response = self.player.new_response()
        for text, clip in pieces:
            self.player.add(response, text, clip)
        self.player.send_now()
        self.player.complete(response)
        return response

    async def _after_greeting(self, greeting: Greeting, utterances) -> Response | None:
        """The opening, carrying on from its greeting already playing. None if that greeting is cut off: staff muted
        the agent, or it is not the opening's (the agent's greeting changed since the webhook prepared it)."""
        if self.muted or not utterances or self.speech.key(utterances[0]) != greeting.key:
            self.player.clear()
            return None
        greeting.response.segments[0].text = utterances[0]
        return await self._speak(utterances[1:], response=greeting.response)

    async def _speak(self, utterances, response: Response | None = None) -> Response:
        """Says `utterances`, as a new response or (`response`) carrying on with one already playing."""
        if response is None:
            response = self.player.new_response()
        synthesis_ms, first_ms = 0.0, None
        for sentence, audio in (piece for text in utterances for piece in self._pieces(text)):
            if response.interrupted or self.muted:
                break
            # What the agent always says is cached here: no trip to a thread for it.
            if audio is None:
                audio, spent = await offload(self.speech.synthesize, sentence)
                synthesis_ms += spent
            if first_ms is None:
                first_ms = synthesis_ms
            self.player.add(response, sentence, audio)
            self.player.send_now()
        self.player.complete(response)
        response.synthesis_ms, response.first_synthesis_ms = synthesis_ms, first_ms or 0.0
        return response

    async def _respond(self, result, caller_text, timings: dict, since: float, playing: Response | None = None) -> bool:
        self.conversation, self.expect = result.state, result.expect
        self.detector.expect_short_answer(expects_short_answer(self.expect))
        response = playing if playing is not None else await self._speak(result.utterances)
        await response.started.wait()
        self.busy = False
        timings = {
            **timings,
            **result.timings,
            "tts_ms": round(response.synthesis_ms, 3),
            "tts_first_ms": round(response.first_synthesis_ms, 3),
        }
        if response.first_frame_at is not None:
            timings["total_ms"] = round((response.first_frame_at - since) * 1000, 3)

        async def store():
            turns = await record_in_tenant(
                self.tenant,
                self._then_watched(services.record_exchange),
                self.call.call_id,
                caller_text=caller_text,
                agent_text=response.text,
                node_id=result.node_id,
                actions=result.actions,
                timings=timings,
                state=result.state,
                index=self.next_turn,
                redact=self.call.redact_pii,
            )
            self.next_turn = turns[-1]["index"] + 1
            response.turn_id = turns[-1]["id"]
            for action in result.actions:
                if action["name"] == "opt_out" and action["ok"]:
                    await record_in_tenant(self.tenant, services.record_opt_out, self.call.call_id, action["data"])
                elif action["name"] == "recording_consent":
                    granted = action["data"]["granted"]
                    await record_in_tenant(self.tenant, services.record_consent, self.call.call_id, granted)
            self._perform(result.actions, turns[-1]["index"])
            await self._broadcast(*({"type": "turn", "turn": turn} for turn in turns))

        response.recorded = True
        self.records.put_nowait(store)
        if not result.ended:
            return False
        self._stop_listening()
        await response.played.wait()
        transfer = next(
            (
                action["data"].get("to", "")
                for action in result.actions
                if action["name"] == "transfer" and action["ok"]
            ),
            "",
        )
        await self._end(result.end_reason or "completed", transfer_to=transfer)
        return True

    def _perform(self, actions: list, turn_index: int) -> None:
        """SMS and webhooks the engine decided on go out on the pool: a slow receiver never stalls the call."""
        for position, action in enumerate(actions):
            if action["ok"] and action["name"] in call_actions.PERFORMED:
                start_in_tenant(self.tenant, call_actions.perform, self.call.call_id, turn_index, position, action)

    async def _interrupted(self, response: Response) -> None:
        if not response.recorded:
            return
        heard = response.heard_snapshot
        result = await offload_in_tenant(
            self.tenant,
            self.call.engine.handle,
            self.call.agent,
            self.call.flow,
            self.conversation,
            Event.interruption(heard),
        )
        self.conversation = result.state

        async def store():
            # Queued after the response's own turn, so its id is known unless storing that turn failed.
            if response.turn_id is None:
                return
            turn = await record_in_tenant(
                self.tenant, self._then_watched(services.record_interruption), response.turn_id, heard, result.state
            )
            await self._broadcast({"type": "turn_updated", "turn": turn})

        self.records.put_nowait(store)

    async def _end(self, reason: str, *, transfer_to: str = "", status=Call.Status.COMPLETED) -> None:
        """Finishes the record, ends the Twilio call (unless the caller already did) and closes the stream.

        The ending runs on a task of its own, which a second `_end` waits for rather than starts again: a hang-up
        that gives up waiting for the worker cancels it, and an ending cut short there would finish the record
        without telling the live view."""
        if self._ending is None:
            metrics.LIVE_CALLS.dec()
            self._enter(State.ENDED)
            self._ending = asyncio.ensure_future(self._finish(reason, transfer_to=transfer_to, status=status))
        await asyncio.shield(self._ending)

    async def _finish(self, reason: str, *, transfer_to: str, status) -> None:
        self.detector.reset()
        await self._recorded()
        final = await record_publishing(
            self.tenant,
            self._then_watched(services.end_call),
            self.call.call_id,
            end_reason=reason,
            transfer_to=transfer_to,
            status=status,
            telephony=not self.caller_gone,
            waits_on_network=not self.caller_gone,
        )
        if final is not None:  # None: staff put the call on hold, which closed the stream
            await self._broadcast({"type": "state", **final})
        if not self.caller_gone:
            await self._close()
