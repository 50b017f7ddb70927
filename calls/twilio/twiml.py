"""The TwiML the platform answers voice webhooks with."""
from twilio.twiml.voice_response import Connect, VoiceResponse

MEDIA_STREAM_PATH = "/ws/twilio/media/"


def media_stream_url(public_url: str) -> str:
    """The media-stream WebSocket on the host Twilio reached us at (wss unless that was plain http)."""
    scheme, _, rest = public_url.partition("://")
    host = rest.split("/")[0]
    return f"{'ws' if scheme == 'http' else 'wss'}://{host}{MEDIA_STREAM_PATH}"


def connect_stream(stream_url: str, *, call_id: int, tenant_slug: str) -> str:
    """Bridge the call to our media-stream consumer, which finds the call and tenant in the custom parameters."""
    response = VoiceResponse()
    connect = Connect()
    stream = connect.stream(url=stream_url)
    stream.parameter(name="call_id", value=str(call_id))
    stream.parameter(name="tenant", value=tenant_slug)
    response.append(connect)
    return str(response)


def say_and_hang_up(message: str, *, language: str = "en-US") -> str:
    response = VoiceResponse()
    if message:
        response.say(message, language=language)
    response.hangup()
    return str(response)
