"""HTTP through Django; WebSockets through Channels: users' with tenant + JWT resolution, Twilio's media
streams straight to their consumer (no user, and one trip to the database to find their tenant).

`application` is the whole platform (the web process, `config.asgi_server`); `media_application` is what the
media process serves (`config.media_server`): Twilio's media streams, and HTTP for health checks.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  (needs Django set up)

from calls.twilio.twiml import MEDIA_STREAM_PATH  # noqa: E402
from config.middleware import RequestBodyLimit  # noqa: E402
from config.routing import twilio_websocket_urlpatterns, websocket_urlpatterns  # noqa: E402
from tenants.channels import TenantAuthMiddleware  # noqa: E402

users_sockets = TenantAuthMiddleware(URLRouter(websocket_urlpatterns))
twilio_sockets = URLRouter(twilio_websocket_urlpatterns)


async def websockets(scope, receive, send):
    sockets = twilio_sockets if scope["path"].startswith(MEDIA_STREAM_PATH) else users_sockets
    return await sockets(scope, receive, send)


application = ProtocolTypeRouter({"http": RequestBodyLimit(django_asgi_app), "websocket": websockets})
media_application = ProtocolTypeRouter({"http": RequestBodyLimit(django_asgi_app), "websocket": twilio_sockets})
