"""Agent audio out to Twilio: paced ahead of real time, with marks that tell what the caller heard.

Twilio buffers outbound audio and echoes a `mark` once everything sent before it has been played. The
player sends bursts of `BURST_MS`, each one `media` message (Twilio plays payloads of any length, and a
message per 20 ms frame would be ten times the messages to frame, write and send) followed by a mark,
and keeps at most `LEAD_MS` of unplayed audio in Twilio's buffer. Pacing follows the mark echoes, so a
pause on our side (GC, a busy loop) never turns into a permanent delay; a wall-clock estimate (lagging by
`WALL_SLACK_MS`) keeps audio flowing if marks stop coming back. What was heard is decided by mark echoes
only. `clear` empties Twilio's buffer; the marks it then returns belong to an older generation and are
ignored.

Mark names are `<generation>.<sequence>`, and `<generation>.<sequence>.end` after a response's last frame.
"""

import asyncio
import math
import time
from dataclasses import dataclass, field

from agents.audio import FRAME_MS, MULAW_FRAME_BYTES, MULAW_RATE
from calls.media import protocol
from config import metrics

# A mark per 200 ms: what the caller heard is known to a fifth of a second (a short word), for half the
# messages a mark every 100 ms would cost both ways.
BURST_MS = 200
LEAD_MS = 600
WALL_SLACK_MS = 400
BYTES_PER_MS = MULAW_RATE // 1000


@dataclass
class Segment:
    """One utterance of a response: its text and its mu-law audio."""

    text: str
    audio: bytes
    sent: int = 0
    heard: int = 0


@dataclass
class Response:
    """Everything the agent says in answer to one event.

    `started` is set once its first frame is sent (`first_frame_at`), or once it never will be (it had no
    audio, or was cleared); `played` once Twilio has played all of it, or it was cleared.
    """

    segments: list[Segment] = field(default_factory=list)
    complete: bool = False
    first_frame_at: float | None = None
    started: asyncio.Event = field(default_factory=asyncio.Event)
    played: asyncio.Event = field(default_factory=asyncio.Event)
    interrupted: bool = False
    # What the caller had heard when a barge-in cut the response off.
    heard_snapshot: str = ""
    end_sent: bool = False
    synthesis_ms: float = 0.0
    # The part of `synthesis_ms` spent before its first audio could be sent.
    first_synthesis_ms: float = 0.0
    # A turn is (being) stored for it; `turn_id` once it is.
    recorded: bool = False
    turn_id: int | None = None

    @property
    def text(self) -> str:
        return " ".join(segment.text for segment in self.segments)

    def heard_text(self) -> str:
        """The words the caller heard: whole utterances, and the share of a cut-off one its played audio covers."""
        parts = []
        for segment in self.segments:
            if not segment.audio or segment.heard >= len(segment.audio):
                parts.append(segment.text)
                continue
            words = segment.text.split()
            count = math.floor(len(words) * segment.heard / len(segment.audio))
            if count:
                parts.append(" ".join(words[:count]))
            break
        return " ".join(parts)


class Player:
    """`send(text)` sends one message to Twilio without waiting (see `consumer.MediaStreamConsumer.send`): nothing
    here awaits, so an answer's first frame goes out in the same step that has its audio."""

    def __init__(self, send, stream_sid: str, *, clock=time.monotonic):
        self._send = send
        self.stream_sid = stream_sid
        self._clock = clock
        self._queue: list[Response] = []
        self._generation = 0
        self._sequence = 0
        # Mark sequence → (response, segment, byte offset inside it) at that point of the stream.
        self._marks: dict[int, tuple[Response, Segment, int]] = {}
        self._sent_total = 0
        self._acked_total = 0
        self._origin = (0.0, 0)
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.aborted = False

    # -- what the session calls ---------------------------------------------------------------------------
    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._pump())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def new_response(self) -> Response:
        response = Response()
        if self.aborted:
            response.started.set()
            response.played.set()
        else:
            self._queue.append(response)
        return response

    def add(self, response: Response, text: str, audio: bytes) -> None:
        response.segments.append(Segment(text, audio))
        self._wake.set()

    def send_now(self) -> None:
        """Sends what is due at once rather than on the pump's next turn of the event loop: an answer's first
        frame is what the caller is waiting for."""
        self._send_ready()
        self._wake.set()

    def complete(self, response: Response) -> None:
        response.complete = True
        self._wake.set()

    def abort(self) -> None:
        """The caller is gone: nothing will be played any more, and nobody should wait for it."""
        self.aborted = True
        for response in self._queue:
            response.started.set()
            response.played.set()
        self._queue = []

    @property
    def active(self) -> bool:
        """The agent is talking: audio is queued, unheard, or still being prepared."""
        for response in self._queue:  # noqa: SIM110 (a loop, not any(): this runs for every inbound frame)
            if not response.played.is_set():
                return True
        return False

    def on_mark(self, name: str) -> None:
        generation, _, rest = name.partition(".")
        if generation != str(self._generation):
            return
        sequence = int(rest.split(".", 1)[0])
        entry = self._marks.pop(sequence, None)
        if entry is None:
            return
        response, segment, offset = entry
        for earlier in list(self._marks):
            if earlier < sequence:
                del self._marks[earlier]
        self._acked_total = max(self._acked_total, self._position_of(response, segment, offset))
        for item in self._queue:
            for other in item.segments:
                if item is response and other is segment:
                    other.heard = max(other.heard, offset)
                    break
                other.heard = len(other.audio)
            if item is response:
                break
        if rest.endswith(".end"):
            self._finish_played(response)
        self._wake.set()

    def clear(self) -> list[Response]:
        """Barge-in: empty Twilio's buffer and ours; the interrupted responses, with what was heard of them."""
        interrupted = [response for response in self._queue if not response.played.is_set()]
        if not interrupted:
            return []
        self._send(protocol.clear(self.stream_sid))
        self._generation += 1
        self._marks.clear()
        for response in interrupted:
            response.interrupted = True
            response.heard_snapshot = response.heard_text()
            response.started.set()
            response.played.set()
        self._queue = []
        self._sent_total = self._acked_total = 0
        self._wake.set()
        return interrupted

    # -- pacing -------------------------------------------------------------------------------------------
    def _position_of(self, response, segment, offset):
        total = 0
        for item in self._queue:
            for other in item.segments:
                if other is segment:
                    return total + offset
                total += len(other.audio)
        return total

    def _played_estimate(self, now: float) -> int:
        started_at, origin_bytes = self._origin
        by_clock = origin_bytes + int((now - started_at) * 1000 - WALL_SLACK_MS) * BYTES_PER_MS
        return min(self._sent_total, max(self._acked_total, by_clock))

    def _finish_played(self, response: Response) -> None:
        response.started.set()
        response.played.set()
        while self._queue and self._queue[0].played.is_set():
            done = self._queue.pop(0)
            consumed = sum(len(segment.audio) for segment in done.segments)
            self._sent_total -= consumed
            self._acked_total = max(0, self._acked_total - consumed)
            self._origin = (self._origin[0], self._origin[1] - consumed)
            self._marks = {seq: entry for seq, entry in self._marks.items() if entry[0] is not done}

    async def _pump(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            waited = self._send_ready()
            # A timer that sets the event rather than `wait_for`, which makes a task of every wait (a few a
            # second per live call).
            timer = loop.call_later(waited, self._wake.set) if waited is not None else None
            await self._wake.wait()
            if timer is not None:
                timer.cancel()
                # Woken this long after the timer's time: the frames due meanwhile went out late.
                late_frames = int((loop.time() - timer.when()) * 1000 // FRAME_MS)
                if late_frames > 0:
                    metrics.MEDIA_FRAMES_LATE.inc(late_frames)
            self._wake.clear()

    def _send_ready(self) -> float | None:
        """Sends what the lead allows; returns how long to wait before more may go (None: until woken)."""
        burst = BURST_MS * BYTES_PER_MS
        while True:
            now = self._clock()
            if self._sent_total == self._acked_total:
                # Twilio's buffer is empty: playback restarts from here.
                self._origin = (now, self._sent_total)
            budget = self._played_estimate(now) + LEAD_MS * BYTES_PER_MS - self._sent_total
            found = self._next_unsent()
            if found is None:
                return None
            response, segment = found
            if segment is None:
                self._send_mark(response, response.segments[-1] if response.segments else None, end=True)
                continue
            if budget < MULAW_FRAME_BYTES:
                return max(0.02, (MULAW_FRAME_BYTES - budget) / BYTES_PER_MS / 1000)
            chunk = segment.audio[segment.sent : segment.sent + min(burst, budget)]
            self._send(protocol.media(self.stream_sid, chunk))
            if response.first_frame_at is None:
                response.first_frame_at = self._clock()
                response.started.set()
            segment.sent += len(chunk)
            self._sent_total += len(chunk)
            self._send_mark(response, segment)

    def _next_unsent(self):
        """(response, segment with audio to send), (response, None) when its end mark is due, or None."""
        for response in self._queue:
            if response.played.is_set():
                continue
            for segment in response.segments:
                if segment.sent < len(segment.audio):
                    return response, segment
            if not response.complete:
                return None
            if not response.end_sent:
                return response, None
        return None

    def _send_mark(self, response: Response, segment: Segment | None, *, end: bool = False) -> None:
        if end:
            response.end_sent = True
            if segment is None:
                # A response with no audio at all is "played" as soon as it is complete.
                self._finish_played(response)
                return
        self._sequence += 1
        self._marks[self._sequence] = (response, segment, segment.sent)
        suffix = ".end" if end else ""
        self._send(protocol.mark(self.stream_sid, f"{self._generation}.{self._sequence}{suffix}"))
