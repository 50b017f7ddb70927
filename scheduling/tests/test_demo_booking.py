"""The demo receptionist books through `manage.py talk` (the engine with the real booking actions) and confirms the
slot it booked as the agent says times, never the caller's own words ("tomorrow at the first one")."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents import library
from agents.services import seed_demo_agent
from agents.services.templates import update_template
from config.weekly_hours import WEEKDAYS
from scheduling.models import Appointment
from scheduling.spoken import parse_choice, say_date

from .conftest import NEW_YORK, at, make_calendar

pytestmark = pytest.mark.django_db
BOOKING = ("I'd like to book an appointment", "Ann Smith", "a cleaning", "tomorrow")


@pytest.fixture
def demo(acme):
    """The demo agent on a default calendar open every morning in New York."""
    with tenant_context(acme):
        make_calendar(weekly_hours={day: [["09:00", "12:00"]] for day in WEEKDAYS})
        return seed_demo_agent(acme)


@pytest.fixture
def tomorrow():
    return timezone.now().astimezone(NEW_YORK).date() + timedelta(days=1)


def talk(*texts) -> list[str]:
    out = io.StringIO()
    call_command("talk", "--tenant", "acme", *texts, stdout=out)
    return [line.removeprefix("Mia: ") for line in out.getvalue().splitlines() if line.startswith("Mia: ")]


def test_the_first_one_books_the_first_offered_slot_and_the_reply_says_that_slot(acme, demo, tomorrow):
    said = talk(*BOOKING, "the first one", "yes")
    assert said[-4].startswith(f"On {say_date(tomorrow)} we have 9 am, ")
    assert said[-3] == f"{say_date(tomorrow)} at 9 am, is that right?"
    assert said[-2] == f"You're booked for {say_date(tomorrow)} at 9 am. Please arrive ten minutes early."
    assert not any("the first one" in line or "tomorrow" in line for line in said)
    with tenant_context(acme):
        booked = Appointment.objects.get()
    assert (booked.start, booked.source, booked.contact_name) == (at(tomorrow, 9), "agent", "Ann Smith")


def test_a_time_said_in_words_is_confirmed_as_the_slot_booked(acme, demo, tomorrow):
    said = talk(*BOOKING, "ten thirty", "yes")
    assert f"{say_date(tomorrow)} at 10:30 am, is that right?" in said
    assert f"You're booked for {say_date(tomorrow)} at 10:30 am. Please arrive ten minutes early." in said
    with tenant_context(acme):
        assert Appointment.objects.get().start == at(tomorrow, 10, 30)


def test_the_last_one_books_the_last_offered_slot(acme, demo, tomorrow):
    said = talk(*BOOKING, "the last one please", "yes")
    assert f"You're booked for {say_date(tomorrow)} at 11:30 am. Please arrive ten minutes early." in said


def test_a_no_to_the_read_back_asks_for_the_time_again_and_books_nothing(acme, demo, tomorrow):
    said = talk(*BOOKING, "ten thirty", "no")
    assert said[-2] == f"{say_date(tomorrow)} at 10:30 am, is that right?"
    assert said[-1].startswith(f"On {say_date(tomorrow)} we have 9 am, ")
    with tenant_context(acme):
        assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "text, choice",
    [
        ("the first one", 0),
        ("The second, please", 1),
        ("third", 2),
        ("the last one", -1),
        ("the earliest", 0),
        ("ten thirty", None),
        ("one", None),
        ("", None),
    ],
)
def test_a_pick_from_the_offered_times_is_understood(text, choice):
    assert parse_choice(text) == choice


def test_reseeding_brings_an_unedited_demo_flow_up_to_the_library(acme, demo):
    with tenant_context(acme):
        template = demo.template
        old = library.template("medical-receptionist")["flow"]
        old["nodes"][-1]["text"] = "Bye."
        update_template(template, flow=old)
        seed_demo_agent(acme)
        assert template.latest_version.flow == library.template("medical-receptionist")["flow"]


def test_reseeding_keeps_a_demo_flow_someone_edited(acme, alice, demo):
    with tenant_context(acme):
        edited = library.template("medical-receptionist")["flow"]
        edited["nodes"][-1]["text"] = "Take care!"
        update_template(demo.template, flow=edited, user=alice)
        seed_demo_agent(acme)
        assert demo.template.latest_version.flow == edited
