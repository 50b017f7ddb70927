"""Agent tests: saved scripts of caller turns with expectations, run by API and management command."""

import io

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import tenant_context

from agents import audio, services
from agents.engine import ActionResult, registry
from agents.models import AgentTestRun
from agents.providers.base import Audio, ProviderError, Transcription
from agents.services import agent_tests
from agents.services.agent_tests import CALLER_VOICE
from calls.models import Call

pytestmark = pytest.mark.django_db

BOOKING_TURNS = ["book an appointment", "Ann Smith", "a cleaning", "next Monday", "10 am", "yes"]


@pytest.fixture
def agent(acme):
    with tenant_context(acme):
        return services.seed_demo_agent(acme)


@pytest.fixture
def scheduling(monkeypatch):
    """Booking handlers standing in for the scheduling app's, registered the way it registers its own."""
    monkeypatch.setattr(registry, "_specs", dict(registry._specs))
    registry.register(
        "check_availability",
        lambda ctx, params: ActionResult(
            ok=True, data={"available_slots": "9 am or 10 am", "available_date": params["date"]}
        ),
        owner="tests",
    )
    registry.register(
        "book_appointment", lambda ctx, params: ActionResult(ok=True, data={"appointment_id": 1}), owner="tests"
    )


def suite_url(agent):
    return f"/api/agents/{agent.id}/tests"


def save(client, agent, **fields):
    body = {
        "name": "Books a cleaning",
        "caller_turns": BOOKING_TURNS,
        "expectations": [
            {"type": "reaches_node", "value": "book"},
            {"type": "books_appointment"},
            {"type": "never_says", "value": "911"},
        ],
        **fields,
    }
    return client.post(suite_url(agent), body, format="json")


def test_a_test_is_played_by_text_unless_saved_by_voice(api, amy, acme, agent):
    assert save(api(amy, acme), agent).json()["by_voice"] is False
    assert save(api(amy, acme), agent, name="By voice", by_voice=True).json()["by_voice"] is True


def test_admin_saves_a_test(api, amy, acme, agent):
    response = save(api(amy, acme), agent)
    assert response.status_code == 201
    assert (response.json()["agent"], response.json()["caller_turns"]) == (agent.id, BOOKING_TURNS)


@pytest.mark.parametrize(
    "field, value",
    [
        ("caller_turns", []),
        ("expectations", []),
        ("expectations", [{"type": "reads_minds"}]),
        ("expectations", [{"type": "reaches_node"}]),
    ],
)
def test_bad_tests_are_rejected_naming_the_field(api, alice, acme, agent, field, value):
    response = save(api(alice, acme), agent, **{field: value})
    assert response.status_code == 400
    assert next(iter(response.json()["errors"])).startswith(field)


def test_a_passing_test_reports_each_expectation(api, alice, acme, agent, scheduling):
    client = api(alice, acme)
    save(client, agent)
    body = client.post(f"{suite_url(agent)}/run", {}, format="json").json()
    assert body["passed"] is True
    assert [(r["type"], r["passed"]) for r in body["results"][0]["report"]] == [
        ("reaches_node", True),
        ("books_appointment", True),
        ("never_says", True),
    ]


def test_a_failing_expectation_fails_the_test_with_what_happened(api, alice, acme, agent, no_scheduling):
    client = api(alice, acme)
    save(client, agent)
    body = client.post(f"{suite_url(agent)}/run", {}, format="json").json()
    [result] = body["results"]
    assert (body["passed"], result["passed"]) == (False, False)
    booking = result["report"][1]
    assert booking["passed"] is False and "check_availability (failed)" in booking["detail"]


def test_never_says_fails_when_the_agent_says_it(api, alice, acme, agent):
    client = api(alice, acme)
    save(
        client,
        agent,
        caller_turns=["it's an emergency"],
        expectations=[{"type": "never_says", "value": "911"}, {"type": "ends_call", "value": "emergency"}],
    )
    [result] = client.post(f"{suite_url(agent)}/run", {}, format="json").json()["results"]
    assert [(r["type"], r["passed"]) for r in result["report"]] == [("never_says", False), ("ends_call", True)]
    assert "dial 911" in result["report"][0]["detail"]


def test_each_run_is_kept_with_its_test_call(api, alice, acme, agent):
    client = api(alice, acme)
    save(client, agent)
    [result] = client.post(f"{suite_url(agent)}/run", {}, format="json").json()["results"]
    with tenant_context(acme):
        run = AgentTestRun.objects.get(pk=result["id"])
        assert run.call == Call.objects.get(pk=result["session_id"], is_test=True)


def test_running_chosen_tests_only(api, alice, acme, agent):
    client = api(alice, acme)
    first = save(client, agent).json()
    save(client, agent, name="Another")
    results = client.post(f"{suite_url(agent)}/run", {"test_ids": [first["id"]]}, format="json").json()["results"]
    assert [r["test"] for r in results] == [first["id"]]


def test_running_an_unknown_test_names_the_field(api, alice, acme, agent):
    response = api(alice, acme).post(f"{suite_url(agent)}/run", {"test_ids": [999999]}, format="json")
    assert (response.status_code, list(response.json()["errors"])) == (400, ["test_ids"])


def test_running_with_no_tests_is_a_clear_error(api, alice, acme, agent):
    response = api(alice, acme).post(f"{suite_url(agent)}/run", {}, format="json")
    assert (response.status_code, response.json()["error_code"]) == (400, "no_tests")


def test_members_can_run_but_not_change_tests(api, alice, mike, acme, agent):
    test = save(api(alice, acme), agent).json()
    client = api(mike, acme)
    assert client.post(f"{suite_url(agent)}/run", {}, format="json").status_code == 200
    assert save(client, agent).status_code == 403
    assert client.delete(f"{suite_url(agent)}/{test['id']}").status_code == 403


def test_tests_are_updated_and_deleted(api, alice, acme, agent):
    client = api(alice, acme)
    test = save(client, agent).json()
    assert (
        client.patch(f"{suite_url(agent)}/{test['id']}", {"name": "Renamed"}, format="json").json()["name"] == "Renamed"
    )
    assert client.delete(f"{suite_url(agent)}/{test['id']}").status_code == 204
    assert client.get(suite_url(agent)).json()["count"] == 0


def test_bob_cannot_list_read_or_run_alices_tests(api, alice, bob, acme, globex, agent):
    test = save(api(alice, acme), agent).json()
    assert api(bob, acme).get(suite_url(agent)).status_code == 403
    client = api(bob, globex)
    assert client.get(suite_url(agent)).status_code == 404
    assert client.get(f"{suite_url(agent)}/{test['id']}").status_code == 404
    assert client.post(f"{suite_url(agent)}/run", {}, format="json").status_code == 404


def test_the_management_command_prints_a_report_and_fails_on_a_failure(api, alice, acme, agent, no_scheduling):
    save(api(alice, acme), agent)
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 agent test"):
        call_command("run_agent_tests", "--tenant", "acme", stdout=out)
    assert "FAIL Mia / Books a cleaning" in out.getvalue()
    assert "  ok   never_says '911' (not said)" in out.getvalue()


def test_the_management_command_passes_when_every_test_passes(api, alice, acme, agent, scheduling):
    save(api(alice, acme), agent)
    out = io.StringIO()
    call_command("run_agent_tests", "--tenant", "acme", "--agent", str(agent.id), stdout=out)
    assert out.getvalue().splitlines()[-1] == "1 passed, 0 failed."


class FakeVoices:
    """Providers for a test by voice: the caller's voice gives a fixed clip, the recogniser keeps what reached it
    and hears "hello", the agent's voice keeps what it said (or fails on `fails_on`)."""

    CLIP = Audio(bytes(range(256)) * 125, 16000)

    def __init__(self, fails_on=""):
        self.heard: list[Audio] = []
        self.said: list[str] = []
        self.fails_on = fails_on

    def build(self, kind, name):
        voices = self

        class Voice:
            def synthesize(self, text, *, voice="", language="en-US"):
                if name == CALLER_VOICE[0]:
                    return voices.CLIP
                if voices.fails_on and voices.fails_on in text:
                    raise ProviderError("This voice cannot say that.")
                voices.said.append(text)
                return Audio(b"", 8000)

            def transcribe(self, audio, *, language="en-US", expect=None):
                voices.heard.append(audio)
                return Transcription("hello")

        return Voice()


@pytest.fixture
def voices(monkeypatch):
    fakes = FakeVoices()
    monkeypatch.setattr(agent_tests, "build_provider", fakes.build)
    return fakes


def run_by_voice(agent):
    test = agent_tests.create_test(
        agent, name="Hello", caller_turns=["hello"], expectations=[{"type": "ends_call"}], by_voice=True
    )
    return agent_tests.run_test(test)


def test_by_voice_the_caller_is_heard_through_the_phone_band_at_8_khz(acme, agent, voices):
    with tenant_context(acme):
        run = run_by_voice(agent)
    assert voices.heard == [audio.phone_line(FakeVoices.CLIP)] and voices.heard[0].sample_rate == 8000
    assert run.report[0] == {"type": "heard", "value": "", "passed": True, "detail": "hello"}


def test_by_voice_every_answer_of_the_agent_is_said_in_its_voice(acme, agent, voices):
    with tenant_context(acme):
        run = run_by_voice(agent)
        said = [turn.text for turn in run.call.turns.filter(speaker="agent").order_by("index")]
    assert " ".join(voices.said) == " ".join(said) and len(voices.said) > 2


def test_by_voice_an_answer_the_agent_cannot_say_fails_the_run(acme, agent, voices):
    voices.fails_on = "didn't quite catch"
    with tenant_context(acme), pytest.raises(ProviderError):
        run_by_voice(agent)
