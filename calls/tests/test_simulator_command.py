"""`manage.py simulate_call`: a simulated phone call over the media-stream protocol, transcript printed."""

import io
import socket

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import tenant_context

from agents import audio
from agents import services as agent_services
from calls import selectors
from calls.models import Call
from calls.tests.media_helpers import caller_says
from tenants.models import Tenant

pytestmark = [pytest.mark.usefixtures("committed_db"), pytest.mark.slow]


@pytest.fixture
def acme_tenant():
    """Acme, without the `db` fixture's transaction: the call runs on other threads and must see committed rows."""
    return Tenant.objects.get(slug="acme")


@pytest.fixture
def receptionist(acme_tenant):
    with tenant_context(acme_tenant):
        return agent_services.seed_demo_agent(acme_tenant)


def simulate_call(*args):
    out = io.StringIO()
    call_command("simulate_call", *args, stdout=out)
    return out.getvalue()


def test_prints_the_transcript_of_the_call(acme_tenant, receptionist):
    printed = simulate_call("--tenant", "acme", "book an appointment")
    lines = printed.splitlines()
    assert lines[0].startswith("Mia: Thank you for calling Acme Dental.")
    assert "Caller: book an appointment" in lines
    assert "Mia: Sure. May I have the patient's full name?" in lines
    assert "completed, caller_hangup" in lines[-1]
    with tenant_context(acme_tenant):
        call = Call.objects.get()
        assert (call.direction, call.turns.count()) == (Call.Direction.INBOUND, 3)


def test_plays_a_wav_file_as_the_caller(receptionist, tmp_path):
    wav = tmp_path / "caller.wav"
    wav.write_bytes(audio.to_wav(caller_says("ask a question")))
    printed = simulate_call("--tenant", "acme", "--wav", str(wav))
    assert "Caller: ask a question" in printed and "Mia: Of course. What would you like to know?" in printed


def test_an_unknown_tenant_is_an_error(receptionist):
    with pytest.raises(CommandError, match="No tenant 'nowhere'"):
        simulate_call("--tenant", "nowhere", "hello")


def test_an_unreadable_wav_is_an_error(receptionist, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio")
    with pytest.raises(CommandError, match="Cannot read"):
        simulate_call("--tenant", "acme", "--wav", str(bad))


def test_a_refused_upgrade_is_a_clear_error_and_the_call_does_not_hold_a_line(acme_tenant, receptionist, fake_http):
    fake_http.add("GET", "/ws/twilio/media/acme/", status=403)
    url = fake_http.url.replace("http://", "ws://") + "/ws/twilio/media/acme/"
    with pytest.raises(CommandError) as refused:
        simulate_call("--tenant", "acme", "--url", url)
    message = str(refused.value)
    assert "(HTTP 403)" in message and "not signed" in message and "TWILIO_VALIDATE_WEBSOCKET=0" in message
    with tenant_context(acme_tenant):
        assert Call.objects.get().status == Call.Status.FAILED
        assert selectors.live_call_count() == 0


def test_no_server_at_the_url_is_a_clear_error(receptionist):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(CommandError, match="Is the platform running there"):
        simulate_call("--tenant", "acme", "--url", f"ws://127.0.0.1:{port}/ws/twilio/media/acme/")
