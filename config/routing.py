from agents.routing import websocket_urlpatterns as agents_ws
from calls.routing import websocket_urlpatterns as calls_ws
from tenants.routing import websocket_urlpatterns as tenant_ws

websocket_urlpatterns = [*tenant_ws, *agents_ws, *calls_ws]
