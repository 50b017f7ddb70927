from django.urls import path

from agents.consumers import SandboxConsumer

websocket_urlpatterns = [
    path("ws/agents/<int:agent_id>/sandbox/", SandboxConsumer.as_asgi()),
]
