"""HTTP through Django; WebSockets through Channels: users' with tenant + JWT resolution, Twilio's media
streams straight to their consumer (no user, and one trip to the database to find their tenant)."""

import gc
import os
import sys

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  (needs Django set up)

from calls.twilio.twiml import MEDIA_STREAM_PATH  # noqa: E402
from config import websocket_tuning  # noqa: E402
from config.middleware import RequestBodyLimit  # noqa: E402
from config.routing import twilio_websocket_urlpatterns, websocket_urlpatterns  # noqa: E402
from tenants.channels import TenantAuthMiddleware  # noqa: E402

users_sockets = TenantAuthMiddleware(URLRouter(websocket_urlpatterns))
twilio_sockets = URLRouter(twilio_websocket_urlpatterns)


async def websockets(scope, receive, send):
    sockets = twilio_sockets if scope["path"].startswith(MEDIA_STREAM_PATH) else users_sockets
    return await sockets(scope, receive, send)


application = ProtocolTypeRouter({"http": RequestBodyLimit(django_asgi_app), "websocket": websockets})
websocket_tuning.install()

# Everything loaded so far lives as long as the process: keep it out of the collector's full passes,
# whose pauses (tens of ms with this many objects) would otherwise show in live calls' audio.
gc.freeze()
# The live calls' own objects (~250 each, their sockets, sessions and state) still made a full pass every few
# seconds at 200 calls: 50 ms with every call waiting. A hundred times rarer, cycles are freed minutes rather
# than seconds later, for a few MB more memory (bench/media_streams.py: 200 calls, turn p99 83 -> 40 ms).
gc.set_threshold(700, 10, 1000)

# A provider or database call on a thread holds the interpreter up to the switch interval (5 ms by default)
# before the event loop gets it back; live calls' audio and turns wait on that loop.
sys.setswitchinterval(0.001)
