"""`python -m config.asgi_server`: the web process, daphne on uvloop, serving the platform over HTTP and WebSocket."""

import urllib.request

import pytest
import websockets.sync.client
from websockets.exceptions import InvalidStatus

from config.tests.servers import web_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(django_db_setup):
    with web_server() as address:
        yield address


def test_it_answers_http(server, committed_db):
    with urllib.request.urlopen(f"http://{server}/health", timeout=10) as response:
        assert response.status == 200


def test_it_routes_websocket_upgrades_to_the_platform(server, committed_db):
    # The media stream's consumer refuses an upgrade without Twilio's signature: daphne answers it with a 403.
    with pytest.raises(InvalidStatus) as refused:
        websockets.sync.client.connect(f"ws://{server}/ws/twilio/media/acme/", open_timeout=10)
    assert refused.value.response.status_code == 403
