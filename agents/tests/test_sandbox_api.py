"""POST /api/agents/{id}/sandbox: a text conversation turn by turn, stored as a test call."""

import pytest
from django_tenants.utils import tenant_context

from agents.knowledge import services as knowledge
from agents.services.templates import install_library_template
from agents.tests.factories import AgentFactory
from calls.models import Call

pytestmark = pytest.mark.django_db


@pytest.fixture
def receptionist(acme):
    with tenant_context(acme):
        template, _ = install_library_template("medical-receptionist")
        return AgentFactory(name="Mia", template=template, greeting="")


def sandbox(client, agent, **body):
    return client.post(f"/api/agents/{agent.id}/sandbox", body, format="json")


def test_a_new_session_opens_with_the_greeting_and_first_question(api, mike, acme, receptionist):
    response = sandbox(api(mike, acme), receptionist)
    assert response.status_code == 200
    body = response.json()
    assert body["utterances"][0] == "Thank you for calling Acme Dental. This is Mia, the virtual receptionist."
    assert body["node_id"] == "reason" and body["ended"] is False
    assert body["reply"].endswith("or to speak to someone at the front desk?")


def test_caller_turns_move_through_the_flow(api, alice, acme, receptionist):
    client = api(alice, acme)
    session = sandbox(client, receptionist).json()["session_id"]
    assert (
        sandbox(client, receptionist, session_id=session, text="I'd like to book an appointment").json()["node_id"]
        == "patient_name"
    )
    reply = sandbox(client, receptionist, session_id=session, text="Ann Smith").json()
    assert (reply["node_id"], reply["reply"]) == ("visit_reason", "Thank you, Ann Smith. What is the visit for?")
    assert reply["state"]["answers"]["patient_name"] == "Ann Smith"


def test_text_with_no_session_starts_one_and_answers(api, alice, acme, receptionist):
    body = sandbox(api(alice, acme), receptionist, text="book an appointment").json()
    assert body["utterances"][0].startswith("Thank you for calling Acme Dental")
    assert body["node_id"] == "patient_name"


def test_the_conversation_is_stored_as_a_test_call_with_its_turns(api, alice, acme, receptionist):
    client = api(alice, acme)
    session = sandbox(client, receptionist).json()["session_id"]
    sandbox(client, receptionist, session_id=session, text="book an appointment")
    with tenant_context(acme):
        call = Call.objects.get(pk=session)
        turns = list(call.turns.values_list("index", "speaker", "node_id"))
        assert (call.direction, call.is_test, call.status, call.agent_id) == (
            "sandbox",
            True,
            "in_progress",
            receptionist.id,
        )
        assert call.flow_version == receptionist.template.latest_version
        assert turns == [(0, "agent", "reason"), (1, "caller", ""), (2, "agent", "patient_name")]
        assert call.turns.get(index=2).total_ms > 0


def test_knowledge_questions_are_answered_from_the_knowledge_base(api, alice, acme, receptionist):
    with tenant_context(acme):
        [stored] = knowledge.store_files([("faq.txt", b"Parking is free behind the clinic.")])
        knowledge.index_file(stored.id)
    client = api(alice, acme)
    session = sandbox(client, receptionist, text="I have a question").json()["session_id"]
    reply = sandbox(client, receptionist, session_id=session, text="Where can I park?").json()
    assert "Parking is free behind the clinic." in reply["reply"]


def test_an_emergency_ends_the_call_and_finishes_it(api, alice, acme, receptionist):
    client = api(alice, acme)
    body = sandbox(client, receptionist, text="it's an emergency, chest pain").json()
    assert (body["ended"], body["end_reason"]) == (True, "emergency")
    with tenant_context(acme):
        call = Call.objects.get(pk=body["session_id"])
        assert (call.status, call.end_reason) == ("completed", "emergency")
    response = sandbox(client, receptionist, session_id=body["session_id"], text="hello?")
    assert (response.status_code, response.json()["error_code"]) == (409, "conversation_ended")


def test_a_call_keeps_its_flow_version_when_the_template_changes(api, alice, acme, receptionist):
    client = api(alice, acme)
    session = sandbox(client, receptionist).json()["session_id"]
    flow = client.get(f"/api/templates/{receptionist.template_id}").json()["flow"]
    next(node for node in flow["nodes"] if node["id"] == "patient_name")["text"] = "Right. Your name please?"
    assert (
        client.patch(f"/api/templates/{receptionist.template_id}", {"flow": flow}, format="json").json()["version"] == 2
    )
    old = sandbox(client, receptionist, session_id=session, text="book an appointment").json()["reply"]
    new = sandbox(client, receptionist, text="book an appointment").json()["utterances"][-1]
    assert (old, new) == ("Sure. May I have the patient's full name?", "Right. Your name please?")


def test_an_agent_without_template_or_llm_still_answers(api, alice, acme):
    with tenant_context(acme):
        agent = AgentFactory(greeting="Hello from {company}.")
    body = sandbox(api(alice, acme), agent).json()
    assert body["utterances"][0] == "Hello from Acme Dental."


def test_a_turn_needs_text(api, alice, acme, receptionist):
    client = api(alice, acme)
    session = sandbox(client, receptionist).json()["session_id"]
    response = sandbox(client, receptionist, session_id=session)
    assert (response.status_code, response.json()["errors"]) == (400, {"text": ["This field is required."]})


def test_an_unknown_session_is_404_naming_the_field(api, alice, acme, receptionist):
    response = sandbox(api(alice, acme), receptionist, session_id=999999, text="hi")
    assert (response.status_code, list(response.json()["errors"])) == (404, ["session_id"])


def test_a_session_of_another_agent_is_not_found(api, alice, acme, receptionist):
    with tenant_context(acme):
        other = AgentFactory()
    client = api(alice, acme)
    session = sandbox(client, receptionist).json()["session_id"]
    assert sandbox(client, other, session_id=session, text="hi").status_code == 404


def test_anonymous_cannot_use_the_sandbox(api, acme, receptionist):
    assert sandbox(api(tenant=acme), receptionist).status_code == 401


def test_bob_cannot_use_alices_sandbox(api, bob, acme, globex, receptionist):
    assert sandbox(api(bob, acme), receptionist).status_code == 403
    assert sandbox(api(bob, globex), receptionist).status_code == 404


def test_bob_cannot_continue_alices_session(api, alice, bob, acme, globex, receptionist):
    session = sandbox(api(alice, acme), receptionist).json()["session_id"]
    with tenant_context(globex):
        bobs_agent = AgentFactory()
    assert sandbox(api(bob, globex), bobs_agent, session_id=session, text="hi").status_code == 404
