from django.urls import path

from tenants.consumers import EventStreamConsumer, PingConsumer

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
    path("ws/events/", EventStreamConsumer.as_asgi()),
]
