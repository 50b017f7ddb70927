"""`python -m config.media_server`: the media process, serving Twilio's media streams on an unpatched server."""

import urllib.request

import pytest
import websockets.sync.client
from websockets.exceptions import InvalidStatus

from calls.simulator import HangUp, Press, Say, WaitForAgent, simulate, websocket_transport
from calls.tests.factories import AUTH_TOKEN
from calls.tests.media_helpers import caller_says, finished_call, heard, live_call
from config.tests.servers import PYTHON, running_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(django_db_setup):
    with running_server(lambda port: [PYTHON, "-m", "config.media_server", "--port", str(port)]) as running:
        yield running.address


def test_it_answers_health_checks(server, committed_db):
    with urllib.request.urlopen(f"http://{server}/health", timeout=10) as response:
        assert response.status == 200


def test_it_refuses_a_stream_without_twilios_signature(server, committed_db):
    with pytest.raises(InvalidStatus) as refused:
        websockets.sync.client.connect(f"ws://{server}/ws/twilio/media/acme/", open_timeout=10)
    assert refused.value.response.status_code == 403


def test_it_serves_no_other_websocket(server, committed_db):
    # The users' sockets (live view, events, sandbox) are the web process's.
    with pytest.raises(InvalidStatus):
        websockets.sync.client.connect(f"ws://{server}/ws/events/", open_timeout=10)


async def test_a_streamed_call_is_heard_and_answered(server, committed_db):
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


def test_the_media_process_loads_the_recogniser_and_the_voice_before_its_first_call():
    from calls.media.speech import prepare_speech
    from config import media_server

    assert prepare_speech in media_server._PREPARATIONS
