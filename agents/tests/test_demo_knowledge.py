"""The demo receptionist answers callers' questions from the clinic FAQ it is seeded with (its own knowledge file)."""

import io

import pytest
from django.core.management import call_command
from django_tenants.utils import tenant_context

from agents.models import KnowledgeFile
from agents.services import seed_demo_agent, seed_demo_knowledge

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(acme):
    with tenant_context(acme):
        agent = seed_demo_agent(acme)
        seed_demo_knowledge(agent)
        return agent


def answer_to(question: str) -> str:
    out = io.StringIO()
    call_command("talk", "--tenant", "acme", "I have a question", question, stdout=out)
    said = [line.removeprefix("Mia: ") for line in out.getvalue().splitlines() if line.startswith("Mia: ")]
    assert said[-1] == "Is there anything else I can help you with?"
    return said[-2]


@pytest.mark.parametrize(
    "question, answer",
    [
        ("What are your opening hours?", "Opening hours. We are open Monday to Friday from 9 am to 5 pm"),
        ("What's your address?", "Address. We are at 120 Main Street"),
        ("Where can I park?", "Parking. Parking is free in the lot behind the building"),
        ("Do you take Aetna insurance?", "Insurance. We accept Delta Dental, Aetna"),
        ("What is your cancellation policy?", "Cancellation policy. Please cancel or reschedule at least 24 hours"),
    ],
)
def test_the_demo_answers_from_the_clinic_faq(demo, question, answer):
    assert answer_to(question).startswith(answer)


def test_the_faq_is_the_demo_agents_own_ready_file_and_seeding_again_keeps_it(acme, demo):
    with tenant_context(acme):
        seed_demo_knowledge(demo)
        faq = KnowledgeFile.objects.get()
        assert (faq.name, faq.status, list(faq.agents.all())) == ("clinic-faq.md", "ready", [demo])
        assert faq.chunk_count == 8
