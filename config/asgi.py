"""HTTP through Django, WebSockets through Channels with tenant + JWT resolution."""
import gc
import os
import sys

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  (needs Django set up)

from config.routing import websocket_urlpatterns  # noqa: E402
from tenants.channels import TenantAuthMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": TenantAuthMiddleware(URLRouter(websocket_urlpatterns)),
    }
)

# Everything loaded so far lives as long as the process: keep it out of the collector's full passes,
# whose pauses (tens of ms with this many objects) would otherwise show in live calls' audio.
gc.freeze()

# A provider or database call on a thread holds the interpreter up to the switch interval (5 ms by default)
# before the event loop gets it back; live calls' audio and turns wait on that loop.
sys.setswitchinterval(0.001)


def _plain(value, *args, **kwargs):
    return value


def _quiet_autobahn_debug_arguments() -> None:
    """autobahn (daphne's WebSocket layer) styles the arguments of a debug log line with click for every
    frame it receives or sends, whether or not debug logging is on: ~10% of a live call's CPU. Unstyled
    values read the same in a debug log and cost nothing."""
    import autobahn.twisted.websocket
    import autobahn.websocket.protocol

    for module in (autobahn.twisted.websocket, autobahn.websocket.protocol):
        module.hltype = module.hlval = _plain


_quiet_autobahn_debug_arguments()
