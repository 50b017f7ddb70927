"""The TwiML the platform answers voice webhooks with, and replaces a live call's TwiML with."""

from django.conf import settings
from twilio.twiml.voice_response import Connect, Dial, VoiceResponse

MEDIA_STREAM_PATH = "/ws/twilio/media/"
# Twilio's own public hold music (the one its hold-music Twimlet plays).
HOLD_MUSIC_URL = "https://com.twilio.music.classical.s3.amazonaws.com/BusyStrings.mp3"


def media_stream_url(public_url: str, tenant_slug: str) -> str:
    """The tenant's media-stream WebSocket on the media process (`settings.MEDIA_STREAM_BASE_URL`), or else on the
    host Twilio reached us at (`public_url`); wss unless that is plain http or ws. The tenant is in the path: Twilio
    signs the upgrade request with its auth token, checked before accepting."""
    scheme, _, rest = (settings.MEDIA_STREAM_BASE_URL or public_url).partition("://")
    host = rest.split("/")[0]
    return f"{'ws' if scheme in ('http', 'ws') else 'wss'}://{host}{MEDIA_STREAM_PATH}{tenant_slug}/"


def connect_stream(stream_url: str, *, call_id: int, tenant_slug: str, greeting: str = "") -> str:
    """Bridge the call to our media-stream consumer, which finds the call and tenant in the custom parameters
    and, for a new conversation, the cache key of its greeting's audio (`calls.media.greetings`)."""
    response = VoiceResponse()
    connect = Connect()
    stream = connect.stream(url=stream_url)
    stream.parameter(name="call_id", value=str(call_id))
    stream.parameter(name="tenant", value=tenant_slug)
    if greeting:
        stream.parameter(name="greeting", value=greeting)
    response.append(connect)
    return str(response)


def say_and_hang_up(message: str, *, language: str = "en-US") -> str:
    response = VoiceResponse()
    if message:
        response.say(message, language=language)
    response.hangup()
    return str(response)


def hold(music_url: str = HOLD_MUSIC_URL) -> str:
    """Hold music until the call's TwiML is replaced again (`loop="0"` repeats for ever)."""
    response = VoiceResponse()
    response.play(music_url, loop=0)
    return str(response)


def dial(number: str, *, say: str = "", whisper_url: str = "", language: str = "en-US") -> str:
    """Hand the caller to `number`; with `whisper_url` the answering person first hears that TwiML (a warm
    transfer: Twilio runs a `<Number url>` on the called party's side before bridging the two)."""
    response = VoiceResponse()
    if say:
        response.say(say, language=language)
    if whisper_url:
        target = Dial()
        target.number(number, url=whisper_url, method="POST")
        response.append(target)
    else:
        response.dial(number)
    return str(response)


def say(message: str, *, language: str = "en-US") -> str:
    response = VoiceResponse()
    response.say(message, language=language)
    return str(response)


def wait_for_a_line(message: str, recheck_url: str, *, pause_seconds: int, language: str = "en-US") -> str:
    """The caller waits (a message, then a pause) and Twilio asks `recheck_url` again for what comes next."""
    response = VoiceResponse()
    response.say(message, language=language)
    response.pause(length=pause_seconds)
    response.redirect(recheck_url, method="POST")
    return str(response)


def record_voicemail(
    greeting: str, *, done_url: str, recording_url: str, max_seconds: int, language: str = "en-US"
) -> str:
    """The greeting, a beep and up to `max_seconds` of message; Twilio then asks `done_url` what to do, and
    posts the finished recording to `recording_url`."""
    response = VoiceResponse()
    response.say(greeting, language=language)
    response.record(
        max_length=max_seconds,
        play_beep=True,
        timeout=5,
        action=done_url,
        method="POST",
        recording_status_callback=recording_url,
        recording_status_callback_method="POST",
        recording_status_callback_event="completed",
    )
    return str(response)
