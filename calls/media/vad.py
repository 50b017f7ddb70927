"""Voice activity and end-of-turn detection on the caller's 20 ms frames.

Energy based: a frame is voiced when its RMS clears an adaptive threshold (a multiple of the line's
noise floor, never below `MIN_RMS`). Speech starts after `START_MS` of voiced frames (a click or a
breath is not a turn) and the turn ends after `END_SILENCE_MS` without voice, long enough to span the
pauses between a caller's sentences. Everything counts frames, not wall time: Twilio streams inbound
audio continuously, so frames are the caller's clock, and a simulator can run faster than real time.
"""

from collections import deque
from dataclasses import dataclass

from agents.audio import FRAME_MS

MIN_RMS = 400
NOISE_FACTOR = 3.0
START_MS = 80
END_SILENCE_MS = 700
PRE_ROLL_MS = 200
MAX_TURN_MS = 30000


@dataclass(frozen=True)
class Settings:
    start_frames: int = START_MS // FRAME_MS
    end_frames: int = END_SILENCE_MS // FRAME_MS
    pre_roll_frames: int = PRE_ROLL_MS // FRAME_MS
    max_frames: int = MAX_TURN_MS // FRAME_MS


class TurnDetector:
    """Feed it every inbound frame; it says when the caller starts talking and hands back each turn's audio.

    `push` returns None, `SPEECH` (the caller just started talking) or `END` (the turn is over:
    `take_turn()` gives its mu-law audio, with a little audio from before the onset).
    """

    SPEECH = "speech"
    END = "end"

    def __init__(self, settings: Settings = Settings()):
        self.settings = settings
        self.noise = float(MIN_RMS) / NOISE_FACTOR
        self.speaking = False
        self.voiced_run = 0
        self.silent_run = 0
        self.frames_in_turn = 0
        self.pre_roll = deque(maxlen=settings.pre_roll_frames + settings.start_frames)
        self.turn: list[bytes] = []
        # Frame number (caller's clock) of the last voiced frame of the current turn.
        self.frame = 0
        self.last_voiced_frame = 0

    def threshold(self) -> float:
        return max(MIN_RMS, self.noise * NOISE_FACTOR)

    def push(self, mulaw: bytes, rms: int) -> str | None:
        self.frame += 1
        voiced = rms >= self.threshold()
        if not self.speaking:
            if not voiced:
                # The noise floor follows the line slowly, and only while nobody speaks.
                self.noise += (rms - self.noise) * 0.05
            self.pre_roll.append(mulaw)
            self.voiced_run = self.voiced_run + 1 if voiced else 0
            if self.voiced_run < self.settings.start_frames:
                return None
            self.speaking, self.silent_run, self.last_voiced_frame = True, 0, self.frame
            self.turn = list(self.pre_roll)
            self.pre_roll.clear()
            self.frames_in_turn = len(self.turn)
            return self.SPEECH
        self.turn.append(mulaw)
        self.frames_in_turn += 1
        if voiced:
            self.silent_run, self.last_voiced_frame = 0, self.frame
        else:
            self.silent_run += 1
        if self.silent_run >= self.settings.end_frames or self.frames_in_turn >= self.settings.max_frames:
            self.speaking = False
            self.voiced_run = 0
            return self.END
        return None

    def take_turn(self) -> bytes:
        """The finished turn's mu-law audio, without the trailing silence that ended it."""
        keep = len(self.turn) - self.silent_run
        audio = b"".join(self.turn[:keep])
        self.turn = []
        return audio

    def reset(self) -> None:
        """Forget a turn in progress (the call is ending, or the agent cannot listen now)."""
        self.speaking, self.voiced_run, self.silent_run = False, 0, 0
        self.turn = []
        self.pre_roll.clear()
