from accounts.routing import websocket_urlpatterns as accounts_ws
from agents.routing import websocket_urlpatterns as agents_ws
from calls.routing import twilio_urlpatterns as twilio_ws
from calls.routing import websocket_urlpatterns as calls_ws

# Sockets of users (JWT) in a tenant, through TenantAuthMiddleware.
websocket_urlpatterns = [*accounts_ws, *agents_ws, *calls_ws]
# Sockets Twilio opens, which carry no user and find their tenant themselves.
twilio_websocket_urlpatterns = [*twilio_ws]
