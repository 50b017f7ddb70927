"""`python -m config.asgi_server`: the web process, daphne on uvloop, serving the platform over HTTP and WebSocket."""

import http.client
import json
import urllib.request

import pytest
import websockets.sync.client
from websockets.exceptions import InvalidStatus

from config.tests.servers import web_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(django_db_setup):
    with web_server() as running:
        yield running.address


def test_it_answers_http(server, committed_db):
    with urllib.request.urlopen(f"http://{server}/health", timeout=10) as response:
        assert response.status == 200


def post_chunked(server, path, chunks):
    """A body sent chunked, without a Content-Length."""
    connection = http.client.HTTPConnection(server, timeout=30)
    headers = {"Host": "localhost", "Content-Type": "application/json"}
    connection.request("POST", path, body=iter(chunks), headers=headers, encode_chunked=True)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def test_a_chunked_body_is_read(server, committed_db):
    status, body = post_chunked(server, "/api/auth/login", [b'{"email": "nobody@example.com",', b' "password": "x"}'])
    assert (status, body["error_code"]) == (401, "invalid_credentials")  # not a 400 for a body taken as empty


def test_a_chunked_body_over_the_limit_is_413(server, committed_db):
    status, body = post_chunked(server, "/api/auth/login", [b"x" * 1024 * 1024] * 6)
    assert (status, body["error_code"]) == (413, "request_too_large")


def test_it_routes_websocket_upgrades_to_the_platform(server, committed_db):
    # The media stream's consumer refuses an upgrade without Twilio's signature: daphne answers it with a 403.
    with pytest.raises(InvalidStatus) as refused:
        websockets.sync.client.connect(f"ws://{server}/ws/twilio/media/acme/", open_timeout=10)
    assert refused.value.response.status_code == 403
