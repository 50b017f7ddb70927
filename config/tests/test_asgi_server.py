"""`python -m config.asgi_server`: daphne, on uvloop, serving the platform over HTTP and WebSocket."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import websockets.sync.client
from django.db import connection
from websockets.exceptions import InvalidStatus

from calls.simulator import HangUp, Press, Say, WaitForAgent, simulate, websocket_transport
from calls.tests.factories import AUTH_TOKEN
from calls.tests.media_helpers import caller_says, finished_call, heard, live_call

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(django_db_setup):
    settings = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}",
    }
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "config.asgi_server", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("the server did not start: " + process.stderr.read().decode()[-2000:])
            time.sleep(0.1)
    yield f"127.0.0.1:{port}"
    process.terminate()
    process.wait(10)


def test_it_answers_http(server, committed_db):
    with urllib.request.urlopen(f"http://{server}/health", timeout=10) as response:
        assert response.status == 200


def test_it_routes_websocket_upgrades_to_the_platform(server, committed_db):
    # The media stream's consumer refuses an upgrade without Twilio's signature: daphne answers it with a 403.
    with pytest.raises(InvalidStatus) as refused:
        websockets.sync.client.connect(f"ws://{server}/ws/twilio/media/acme/", open_timeout=10)
    assert refused.value.response.status_code == 403


async def test_a_call_streamed_through_daphne_is_heard_and_answered(server, committed_db):
    # Under daphne, the consumer takes audio, marks and keypad digits straight from the socket, and everything
    # else (and any frame behind it) through daphne's queue: the conversation must come out the same.
    call = await live_call()
    url = f"ws://{server}/ws/twilio/media/{call['tenant']}/"
    async with websocket_transport(url, auth_token=AUTH_TOKEN) as transport:
        result = await simulate(
            transport,
            [
                WaitForAgent(),
                Say(caller_says("book an appointment")),
                WaitForAgent(),
                Press("1#"),
                WaitForAgent(),
                HangUp(),
            ],
            call_id=call["id"],
            tenant=call["tenant"],
            call_sid=call["sid"],
        )
    answer = result.answers[1]
    assert heard(answer, "sure", "may i have the patient's full name") == ["sure", "may i have the patient's full name"]
    assert result.marks_echoed > 0
    _, turns = await finished_call("acme", call["id"])
    assert [(turn.speaker, turn.node_id) for turn in turns[:3]] == [
        ("agent", "reason"),
        ("caller", ""),
        ("agent", "patient_name"),
    ]
    assert turns[1].text == "book an appointment"
    assert turns[3].text == "(keypad 1#)"
