import io
import math
import struct
import wave

import pytest

from agents import audio
from agents.providers.base import Audio


def tone(hz=440, ms=1000, sample_rate=16000, amplitude=8000):
    count = int(sample_rate * ms / 1000)
    samples = (int(amplitude * math.sin(2 * math.pi * hz * i / sample_rate)) for i in range(count))
    return Audio(struct.pack(f"<{count}h", *samples), sample_rate)


def test_mulaw_round_trip_keeps_the_signal_within_companding_error():
    original = tone(sample_rate=8000)

    restored = audio.mulaw_to_pcm(audio.pcm_to_mulaw(original.pcm))

    assert len(restored) == len(original.pcm)
    assert abs(audio.rms(restored) - audio.rms(original.pcm)) < audio.rms(original.pcm) * 0.03


def test_mulaw_uses_one_byte_per_sample():
    assert len(audio.pcm_to_mulaw(tone(ms=20, sample_rate=8000).pcm)) == 160


def test_resample_changes_the_rate_and_keeps_the_duration():
    resampled = audio.resample(tone(sample_rate=22050), 8000)

    assert resampled.sample_rate == 8000
    assert resampled.duration_ms == pytest.approx(1000, abs=1)


def test_resample_to_the_same_rate_returns_the_same_samples():
    original = tone()

    assert audio.resample(original, 16000) == original


def test_to_telephony_gives_8khz_mulaw_from_any_rate():
    mulaw = audio.to_telephony(tone(sample_rate=24000, ms=500))

    assert len(mulaw) == pytest.approx(4000, abs=2)
    assert audio.from_telephony(mulaw).sample_rate == 8000


def test_wav_round_trip_keeps_samples_and_rate():
    original = tone(ms=100)

    assert audio.from_wav(audio.to_wav(original)) == original


def test_from_wav_mixes_stereo_8_bit_to_mono_16_bit():
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(1)
        out.setframerate(8000)
        out.writeframes(bytes([128 + 64, 128 + 64]) * 800)

    result = audio.from_wav(buffer.getvalue())

    assert result.sample_rate == 8000
    assert len(result.pcm) == 1600
    assert struct.unpack("<h", result.pcm[:2])[0] == 64 * 256


def test_from_wav_rejects_bytes_that_are_not_wav():
    with pytest.raises(ValueError, match="WAV"):
        audio.from_wav(b"definitely not a wav file")


def test_split_frames_cuts_mulaw_into_20ms_frames_padding_the_last_with_silence():
    frames = audio.split_frames(b"\x10" * 400)

    assert [len(frame) for frame in frames] == [160, 160, 160]
    assert frames[-1] == b"\x10" * 80 + b"\xff" * 80


def test_split_frames_can_keep_the_last_frame_short():
    assert [len(frame) for frame in audio.split_frames(b"\x10" * 400, pad=None)] == [160, 160, 80]


def test_frame_bytes_for_16khz_pcm_is_640():
    assert audio.frame_bytes(16000) == 640


def test_rms_is_zero_for_silence_and_grows_with_loudness():
    quiet, loud = tone(amplitude=1000), tone(amplitude=10000)

    assert audio.rms(audio.silence(100, 8000).pcm) == 0
    assert audio.rms(b"") == 0
    assert audio.rms(loud.pcm) > audio.rms(quiet.pcm) * 9


def gain_db(before: Audio, after: Audio) -> float:
    """How much louder (or, negative, quieter) a tone came out, measured away from the filter's edges."""
    edge_in, edge_out = before.sample_rate // 10, after.sample_rate // 10
    ratio = audio.rms(after.pcm[2 * edge_out : -2 * edge_out]) / audio.rms(before.pcm[2 * edge_in : -2 * edge_in])
    return 20 * math.log10(max(ratio, 1e-6))


@pytest.mark.parametrize("hz", [500, 1000, 3000])
def test_the_phone_line_carries_the_voice_band(hz):
    original = tone(hz)
    assert gain_db(original, audio.phone_line(original)) == pytest.approx(0, abs=1)


@pytest.mark.parametrize("hz", [60, 150])
def test_the_phone_line_cuts_hum_and_rumble_below_300_hz(hz):
    original = tone(hz)
    assert gain_db(original, audio.phone_line(original)) < -40


@pytest.mark.parametrize("hz, sample_rate", [(3700, 16000), (6000, 16000), (5000, 22050)])
def test_the_phone_line_cuts_what_is_above_3400_hz_without_folding_it_back(hz, sample_rate):
    original = tone(hz, sample_rate=sample_rate)
    assert gain_db(original, audio.phone_line(original)) < -40


def test_the_phone_line_delivers_8_khz_mulaw_decoded_keeping_the_duration():
    line = audio.phone_line(tone(sample_rate=22050))
    assert line.sample_rate == 8000 and line.duration_ms == pytest.approx(1000, abs=1)
    assert audio.mulaw_to_pcm(audio.pcm_to_mulaw(line.pcm)) == line.pcm


def test_the_phone_line_carries_empty_audio_as_empty_8_khz_audio():
    assert audio.phone_line(Audio(b"", 16000)) == Audio(b"", 8000)
