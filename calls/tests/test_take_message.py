"""When a transfer fails the receptionist says so and takes a message, stored as a note on the call (so staff see
it in the API); it only says it passed the message on once the message is stored. The after-hours template takes
its messages the same way."""

import io

import pytest
from django.core.management import call_command
from django_tenants.utils import tenant_context

from agents.engine import AgentConfig, Engine, Event
from agents.library import template
from agents.services import conversations, seed_demo_agent
from agents.services.agents import create_agent
from agents.services.templates import install_library_template
from calls.models import Call, CallNote
from calls.services.review import CALLER_MESSAGE_LABEL

pytestmark = pytest.mark.django_db
MESSAGE = "Ann Smith, please call me back about my bill"


@pytest.fixture
def demo(acme):
    """The demo receptionist, which has no number to transfer to."""
    with tenant_context(acme):
        return seed_demo_agent(acme)


def talk(*texts) -> list[str]:
    out = io.StringIO()
    call_command("talk", "--tenant", "acme", *texts, stdout=out)
    return [line.removeprefix("Mia: ") for line in out.getvalue().splitlines() if line.startswith("Mia: ")]


def test_a_failed_transfer_says_so_and_offers_to_take_a_message(demo):
    said = talk("I'd like to speak to someone")
    assert said[-3:] == [
        "Let me put you through to the front desk.",
        "I'm sorry, I can't transfer your call right now.",
        "I can take a message instead. Please leave your name and a short message, and the front desk will call you "
        "back.",
    ]


def test_the_message_is_stored_on_the_call_before_the_agent_says_it_passed_it_on(acme, demo):
    said = talk("I'd like to speak to someone", MESSAGE)
    assert said[-2:] == ["Thank you, I've passed your message on.", "Thank you for calling Acme Dental. Goodbye!"]
    with tenant_context(acme):
        note = CallNote.objects.get()
        assert (note.call, note.text, note.author_label) == (Call.objects.get(), MESSAGE, CALLER_MESSAGE_LABEL)


def test_staff_read_the_message_on_the_call_in_the_api(api, alice, acme, demo):
    talk("I'd like to speak to someone", MESSAGE)
    with tenant_context(acme):
        call = Call.objects.get()
    [note] = api(alice, acme).get(f"/api/calls/{call.pk}/notes").json()["results"]
    assert (note["text"], note["author_id"], note["author_label"]) == (MESSAGE, None, CALLER_MESSAGE_LABEL)


def test_without_a_call_to_store_it_on_the_agent_never_claims_it_passed_the_message_on(acme):
    flow = template("medical-receptionist")["flow"]
    agent = AgentConfig(name="Ava", company="Acme", greeting="Hi.")
    engine = Engine()
    result = engine.start(agent, flow, {})
    said = []
    with tenant_context(acme):
        for text in ("speak to someone", MESSAGE):
            result = engine.handle(agent, flow, result.state, Event.utterance(text))
            said += result.utterances
    assert said[-2:] == ["I'm sorry, I couldn't take your message.", "Thank you for calling Acme. Goodbye!"]
    assert not any("passed your message on" in line for line in said)


def test_the_after_hours_template_stores_the_message_on_the_call_for_staff_to_read(api, alice, acme):
    with tenant_context(acme):
        agent = create_agent(name="Ava", template=install_library_template("after-hours-answering")[0])
        turn = conversations.start(agent)
        for text in ("no, it can wait", "Ann Lee", "5550199", "yes", "Please call me about my invoice"):
            turn = conversations.say(agent, turn.call, text)
    assert turn.reply.startswith("Got it, I've passed your message on.")
    [note] = api(alice, acme).get(f"/api/calls/{turn.call.pk}/notes").json()["results"]
    assert (note["text"], note["author_label"]) == (
        "Ann Lee: Please call me about my invoice (call back on 5550199)",
        CALLER_MESSAGE_LABEL,
    )
