"""Each library template driven to its goal by speech, with the platform's agent tests played by voice: the caller's
turns spoken by an offline voice over the phone channel (300–3400 Hz, 8 kHz mu-law), heard by offline Whisper with what the node
expects, answered by the engine with the real booking actions, and each answer synthesized by the offline voice."""

import pytest
from django_tenants.utils import tenant_context

from agents.services import agent_tests
from agents.services.agents import create_agent
from agents.services.templates import install_library_template
from config.weekly_hours import WEEKDAYS
from scheduling.models import Appointment

from .conftest import make_calendar

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

READ_BACK = {"type": "says", "value": "is that right?"}
NAME_HEARD = {"type": "says", "value": "Maria Garcia"}
# Phrased as callers say it and as the phone band lets the offline recogniser hear it: through 300–3400 Hz a lone
# "yes" came out "nice", "four" "fourth", "seven pm" "seventh game", "Jane Doe" "jingle".
SCRIPTS = {
    "medical-receptionist": (
        [
            "I'd like to book an appointment",
            "Maria Garcia",
            "a check-up",
            "Monday",
            "the first one",
            "yes, that's right",
        ],
        [READ_BACK, NAME_HEARD, {"type": "books_appointment"}, {"type": "says", "value": "You're booked for"}],
    ),
    "restaurant-reservations": (
        ["make a reservation", "four people", "Saturday", "seven in the evening", "Maria Garcia", "yes, that's right"],
        [READ_BACK, NAME_HEARD, {"type": "books_appointment"}, {"type": "says", "value": "a table for four"}],
    ),
    "sales-appointment-setting": (
        ["yes please", "yes please", "Thursday", "two pm", "yes, that's right"],
        [READ_BACK, {"type": "books_appointment"}, {"type": "says", "value": "You're all set for"}],
    ),
    "real-estate-lead-qualification": (
        [
            "I want to buy",
            "Maple Heights",
            "four hundred thousand dollars",
            "within three months",
            "yes, that's right",
            "yes please",
        ],
        [
            READ_BACK,
            {"type": "reaches_node", "value": "hot"},
            {"type": "says", "value": "An agent will call you back today"},
        ],
    ),
    "after-hours-answering": (
        [
            "no, it can wait",
            "Maria Garcia",
            "five five five zero one nine nine",
            "yes, that's right",
            "Please call me back about my invoice",
        ],
        [READ_BACK, NAME_HEARD, {"type": "performs_action", "value": "take_message"}, {"type": "ends_call"}],
    ),
}


@pytest.mark.parametrize("slug", SCRIPTS)
def test_each_template_reaches_its_goal_by_speech(acme, slug):
    turns, expectations = SCRIPTS[slug]
    with tenant_context(acme):
        # Open every day until late, so the booking templates find the times their callers ask for.
        make_calendar(name="Default", weekly_hours={day: [["09:00", "22:00"]] for day in WEEKDAYS})
        template, _ = install_library_template(slug)
        agent = create_agent(name="Ava", template=template, tts_provider="festival", voice_id="slt")
        test = agent_tests.create_test(agent, name=slug, caller_turns=turns, expectations=expectations, by_voice=True)
        run = agent_tests.run_test(test)
        heard = run.report[0]
        assert run.passed, run.report
        assert heard["type"] == "heard" and len(heard["detail"].split(" | ")) == len(turns)
        assert Appointment.objects.exists() == any(e["type"] == "books_appointment" for e in expectations)
