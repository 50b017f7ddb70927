"""HTTP through Django; WebSockets through Channels: users' with tenant + JWT resolution, Twilio's media
streams straight to their consumer (no user, and one trip to the database to find their tenant).

HTTP runs Django's WSGI handler on a bounded pool of threads (a2wsgi): a request is one hop from the event loop to
its thread and back, where Django's ASGI handler hops between the loop and a thread for every sync middleware and
the view, which cost more CPU per request than the request's own work. The pool bounds the requests in progress
(WEB_HTTP_THREADS), and with them the database connections requests hold.

`application` is the whole platform (the web process, `config.asgi_server`); `media_application` is what the
media process serves (`config.media_server`): Twilio's media streams, and HTTP for health checks.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_wsgi_app = get_wsgi_application()

from a2wsgi import WSGIMiddleware  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  (needs Django set up)
from django.conf import settings  # noqa: E402

from calls.twilio.twiml import MEDIA_STREAM_PATH  # noqa: E402
from config.middleware import RequestBodyLimit  # noqa: E402
from config.routing import twilio_websocket_urlpatterns, websocket_urlpatterns  # noqa: E402
from tenants.channels import TenantAuthMiddleware  # noqa: E402

users_sockets = TenantAuthMiddleware(URLRouter(websocket_urlpatterns))
twilio_sockets = URLRouter(twilio_websocket_urlpatterns)


async def websockets(scope, receive, send):
    sockets = twilio_sockets if scope["path"].startswith(MEDIA_STREAM_PATH) else users_sockets
    return await sockets(scope, receive, send)


http = RequestBodyLimit(WSGIMiddleware(django_wsgi_app, workers=settings.WEB_HTTP_THREADS))
application = ProtocolTypeRouter({"http": http, "websocket": websockets})
media_application = ProtocolTypeRouter({"http": http, "websocket": twilio_sockets})
