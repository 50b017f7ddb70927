"""`manage.py talk`: a text conversation with a tenant's agent from the command line."""

import io

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import tenant_context

from agents import services
from calls.models import Call

pytestmark = pytest.mark.django_db


def talk(*args):
    out = io.StringIO()
    call_command("talk", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_agent(acme):
    with tenant_context(acme):
        return services.seed_demo_agent(acme)


def test_each_argument_is_one_caller_turn(demo_agent):
    output = talk("--tenant", "acme", "I'd like to book an appointment", "Ann Smith")
    assert output.splitlines()[:2] == [
        "Mia: Thank you for calling Acme Dental. This is Mia, the virtual receptionist.",
        "Mia: Are you calling to book an appointment, to ask a question, or to speak to someone at the front desk?",
    ]
    assert "Caller: Ann Smith\nMia: Thank you, Ann Smith. What is the visit for?" in output


def test_hello_gets_the_question_again_not_a_transfer(demo_agent):
    output = talk("--tenant", "acme", "hello", "book an appointment")
    assert "Caller: hello\nMia: Sorry, I didn't quite catch that.\nMia: Are you calling to book" in output
    assert "transfer" not in output and "Mia: Sure. May I have the patient's full name?" in output


def test_without_arguments_it_reads_turns_from_stdin(demo_agent, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("book an appointment\n\n"))
    output = talk("--tenant", "acme", "--agent", str(demo_agent.id))
    assert "Mia: Sure. May I have the patient's full name?" in output


def test_the_conversation_is_stored_as_a_test_call(acme, demo_agent):
    talk("--tenant", "acme", "it's an emergency")
    with tenant_context(acme):
        call = Call.objects.get()
        assert (call.is_test, call.status, call.end_reason, call.turns.count()) == (True, "completed", "emergency", 3)


def test_unknown_tenant_is_an_error(db):
    with pytest.raises(CommandError, match="No tenant 'nowhere'"):
        talk("--tenant", "nowhere")


def test_a_tenant_without_agents_is_an_error(globex):
    with pytest.raises(CommandError, match="no active agent"):
        talk("--tenant", "globex", "hello")
