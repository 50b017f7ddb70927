"""Audio conversions between providers and telephony.

Inside the app audio is 16-bit signed little-endian mono PCM (`Audio`); Twilio Media Streams carry
8 kHz mu-law in 20 ms frames of 160 bytes. `audioop` is in the stdlib up to 3.12 (deprecated) and
comes from the `audioop-lts` package on 3.13+, under the same name.
"""

import io
import warnings
import wave

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
