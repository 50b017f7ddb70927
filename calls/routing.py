from django.urls import path

from calls.live import LiveCallConsumer
from calls.media.browser import BrowserVoiceConsumer
from calls.media.consumer import MediaStreamConsumer
from calls.twilio.twiml import MEDIA_STREAM_PATH

# Twilio's media streams: no user, and the consumer finds the tenant itself (see calls.media.consumer).
twilio_urlpatterns = [
    path(MEDIA_STREAM_PATH.lstrip("/"), MediaStreamConsumer.as_asgi()),
    path(MEDIA_STREAM_PATH.lstrip("/") + "<slug:tenant_slug>/", MediaStreamConsumer.as_asgi()),
]

websocket_urlpatterns = [
    path("ws/calls/<int:call_id>/live/", LiveCallConsumer.as_asgi()),
    # A staff member's microphone to an agent, through the phone calls' pipeline (calls.media.browser).
    path("ws/agents/<int:agent_id>/voice/", BrowserVoiceConsumer.as_asgi()),
]
