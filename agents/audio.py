"""Audio conversions between providers and telephony.

Inside the app audio is 16-bit signed little-endian mono PCM (`Audio`); Twilio Media Streams carry
8 kHz mu-law in 20 ms frames of 160 bytes. `audioop` is in the stdlib up to 3.12 (deprecated) and
comes from the `audioop-lts` package on 3.13+, under the same name.
"""

import io
import math
import warnings
import wave
from functools import lru_cache

with warnings.catch_warnings():
    # The 3.11/3.12 stdlib module warns on import; it is the supported choice there.
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

from agents.providers.base import Audio

SAMPLE_WIDTH = 2
MULAW_RATE = 8000
FRAME_MS = 20
MULAW_FRAME_BYTES = MULAW_RATE * FRAME_MS // 1000
# Mu-law encodes zero amplitude as 0xFF, so padding with zero bytes would be a loud click.
MULAW_SILENCE = b"\xff"


def pcm_to_mulaw(pcm: bytes) -> bytes:
    return audioop.lin2ulaw(pcm, SAMPLE_WIDTH)


def mulaw_to_pcm(mulaw: bytes) -> bytes:
    return audioop.ulaw2lin(mulaw, SAMPLE_WIDTH)


def resample(audio: Audio, sample_rate: int) -> Audio:
    if audio.sample_rate == sample_rate or not audio.pcm:
        return Audio(audio.pcm, sample_rate)
    pcm, _ = audioop.ratecv(audio.pcm, SAMPLE_WIDTH, 1, audio.sample_rate, sample_rate, None)
    return Audio(pcm, sample_rate)


def resample_stream(pcm: bytes, from_rate: int, to_rate: int, state=None) -> tuple[bytes, object]:
    """One piece of a stream resampled, and the state to pass with the next piece (None for the first)."""
    return audioop.ratecv(pcm, SAMPLE_WIDTH, 1, from_rate, to_rate, state)


def to_telephony(audio: Audio) -> bytes:
    """Any `Audio` → 8 kHz mu-law bytes, ready to be split into frames."""
    return pcm_to_mulaw(resample(audio, MULAW_RATE).pcm)


def from_telephony(mulaw: bytes) -> Audio:
    return Audio(mulaw_to_pcm(mulaw), MULAW_RATE)


def silence(ms: float, sample_rate: int) -> Audio:
    return Audio(b"\x00\x00" * int(sample_rate * ms / 1000), sample_rate)


def to_wav(audio: Audio) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(SAMPLE_WIDTH)
        out.setframerate(audio.sample_rate)
        out.writeframes(audio.pcm)
    return buffer.getvalue()


def from_wav(data: bytes) -> Audio:
    """WAV (PCM, any sample width, mono or stereo) → mono 16-bit `Audio`. Raises `ValueError` if unreadable."""
    try:
        with wave.open(io.BytesIO(data), "rb") as source:
            channels, width, rate = source.getnchannels(), source.getsampwidth(), source.getframerate()
            frames = source.readframes(source.getnframes())
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"Not a readable PCM WAV file: {exc}") from exc
    if width == 1:
        # 8-bit WAV is unsigned; audioop works on signed samples.
        frames = audioop.bias(frames, 1, -128)
    if width != SAMPLE_WIDTH:
        frames = audioop.lin2lin(frames, width, SAMPLE_WIDTH)
    if channels == 2:
        frames = audioop.tomono(frames, SAMPLE_WIDTH, 0.5, 0.5)
    elif channels != 1:
        raise ValueError(f"Unsupported WAV channel count: {channels}")
    return Audio(frames, rate)


def split_frames(
    data: bytes, frame_bytes: int = MULAW_FRAME_BYTES, *, pad: bytes | None = MULAW_SILENCE
) -> list[bytes]:
    """Cut `data` into frames of `frame_bytes` (default: 20 ms of 8 kHz mu-law).

    The last, short frame is filled with `pad` (a one-byte silence value: `MULAW_SILENCE`, or
    `b"\\x00"` for PCM), or kept short when `pad` is None.
    """
    frames = [data[start : start + frame_bytes] for start in range(0, len(data), frame_bytes)]
    if frames and pad is not None and len(frames[-1]) < frame_bytes:
        frames[-1] = frames[-1] + pad * (frame_bytes - len(frames[-1]))
    return frames


def frame_bytes(sample_rate: int, ms: int = FRAME_MS, sample_width: int = SAMPLE_WIDTH) -> int:
    return sample_rate * ms // 1000 * sample_width


def mix(first: bytes, second: bytes) -> bytes:
    """Two equally long PCM fragments added sample by sample, clipping instead of wrapping around."""
    return audioop.add(first, second, SAMPLE_WIDTH)


def rms(pcm: bytes) -> int:
    """Root mean square of 16-bit PCM (0 for silence, up to 32767): a cheap loudness for voice activity."""
    return audioop.rms(pcm, SAMPLE_WIDTH) if pcm else 0


def mulaw_rms(mulaw: bytes) -> int:
    """`rms` of mu-law audio: a live call's every inbound frame."""
    return audioop.rms(audioop.ulaw2lin(mulaw, SAMPLE_WIDTH), SAMPLE_WIDTH) if mulaw else 0


# What a phone line carries of the voice: the telephone band (ITU-T G.712), sampled at 8 kHz.
PHONE_BAND_HZ = (300, 3400)
# How sharply the band's edges fall off: over about this many Hz.
BAND_EDGE_HZ = 150
# Headroom of `_fir`'s 32-bit accumulator: samples are scaled down by this while the taps are summed.
_FIR_HEADROOM = 16


@lru_cache(maxsize=8)
def _band_pass_taps(sample_rate: int, low: int, high: int, edge: int) -> tuple[float, ...]:
    """A windowed-sinc (Hamming) FIR passing `low` to `high` Hz (a low-pass when `low` is 0), its edges falling off
    over about `edge` Hz; symmetric, so it delays every frequency alike."""
    count = int(3.3 * sample_rate / edge) | 1
    middle = count // 2
    taps = []
    for n in range(count):
        k = n - middle
        window = 0.54 - 0.46 * math.cos(2 * math.pi * n / (count - 1))
        if k == 0:
            ideal = 2 * (high - low) / sample_rate
        else:
            ideal = (math.sin(2 * math.pi * high * k / sample_rate) - math.sin(2 * math.pi * low * k / sample_rate)) / (
                math.pi * k
            )
        taps.append(ideal * window)
    return tuple(taps)


def _fir(pcm: bytes, taps: tuple[float, ...]) -> bytes:
    """16-bit PCM through a symmetric FIR, aligned with its input: a few audioop calls per pair of taps, in C (no
    per-sample Python, no numpy)."""
    middle = len(taps) // 2
    wide = audioop.mul(audioop.lin2lin(pcm, SAMPLE_WIDTH, 4), 4, 1 / _FIR_HEADROOM)
    length = len(wide)
    padded = b"\x00" * (4 * middle) + wide + b"\x00" * (4 * middle)

    def delayed(by: int) -> bytes:
        return padded[4 * (middle - by) : 4 * (middle - by) + length]

    total = audioop.mul(wide, 4, taps[middle])
    for k in range(1, middle + 1):
        # Taps k before and after the middle are equal: add both delays, then weigh them once.
        pair = audioop.add(delayed(k), delayed(-k), 4)
        total = audioop.add(total, audioop.mul(pair, 4, taps[middle + k]), 4)
    return audioop.lin2lin(audioop.mul(total, 4, _FIR_HEADROOM), 4, SAMPLE_WIDTH)


def phone_line(audio: Audio) -> Audio:
    """What a caller's voice becomes on its way to us over a phone call, as Twilio delivers it: the telephone band
    at 8 kHz, in mu-law, decoded back to PCM.

    Audio sampled faster than 8 kHz is first low-passed so that nothing above 4 kHz folds back into the band when
    resampled (a short filter: only what would land in the band needs to go); the band itself is cut at 8 kHz, where
    its sharp edges take half the taps they would at 16 kHz."""
    low, high = PHONE_BAND_HZ
    if audio.sample_rate > MULAW_RATE and audio.pcm:
        nyquist = MULAW_RATE // 2
        # Flat up to the band's top, silent from where a frequency would fold back onto it.
        taps = _band_pass_taps(audio.sample_rate, 0, nyquist, 2 * (nyquist - high))
        audio = Audio(_fir(audio.pcm, taps), audio.sample_rate)
    narrow = resample(audio, MULAW_RATE)
    if narrow.pcm:
        narrow = Audio(_fir(narrow.pcm, _band_pass_taps(MULAW_RATE, low, high, BAND_EDGE_HZ)), MULAW_RATE)
    return from_telephony(pcm_to_mulaw(narrow.pcm))
