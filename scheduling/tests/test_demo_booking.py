"""The demo receptionist books through `manage.py talk` (the engine with the real booking actions) and confirms the
slot it booked as the agent says times, never the caller's own words ("tomorrow at the first one")."""

import io
import shlex
from datetime import UTC, date, timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents import library
from agents.services import seed_demo_agent, seed_demo_knowledge
from agents.services.templates import update_template
from config.weekly_hours import WEEKDAYS
from scheduling.models import Appointment, Calendar
from scheduling.services.calendars import calendar_for
from scheduling.services.demo import seed_demo_calendar
from scheduling.spoken import parse_choice, say_date
from tenants.models import Tenant

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


@pytest.fixture
def clinic(acme) -> Tenant:
    """Acme as the demo clinic is: in New York."""
    acme.timezone = "America/New_York"
    acme.save(update_fields=["timezone"])
    return acme


def test_the_demo_calendar_is_in_the_tenants_time_zone(clinic):
    with tenant_context(clinic):
        assert seed_demo_calendar().timezone == "America/New_York"
        assert calendar_for(seed_demo_agent(clinic)) == Calendar.objects.get()


def test_a_utc_demo_calendar_with_nothing_booked_moves_to_the_tenants_time_zone(clinic):
    with tenant_context(clinic):
        make_calendar(name="Default", timezone="UTC")
        seed_demo_calendar()
        assert Calendar.objects.get().timezone == "America/New_York"


def test_a_demo_calendar_with_bookings_keeps_its_time_zone(clinic, tomorrow):
    with tenant_context(clinic):
        calendar = make_calendar(name="Default", timezone="UTC")
        Appointment.objects.create(
            calendar=calendar,
            title="Kept",
            start=at(tomorrow, 9),
            end=at(tomorrow, 10),
            blocked=(at(tomorrow, 9), at(tomorrow, 10)),
        )
        seed_demo_calendar()
        assert Calendar.objects.get().timezone == "UTC"


def weekday_near(day: date, step: int) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=step)
    return day


def test_across_a_dst_change_ten_am_is_read_back_and_stored_as_ten_am_in_new_york(clinic, change):
    """The week the clocks change: 10 am the weekday before and the weekday after are both 10 am local, an hour
    apart in UTC, however the booking is said."""
    before, after = weekday_near(change - timedelta(days=1), -1), weekday_near(change, 1)
    with tenant_context(clinic):
        seed_demo_agent(clinic)
        # Open far enough ahead to reach the next change from today.
        Calendar.objects.filter(pk=seed_demo_calendar().pk).update(max_days_ahead=(after - date.today()).days + 7)
    for day in (before, after):
        said = talk("I'd like to book an appointment", "Ann Smith", "a cleaning", f"{day:%B} {day.day}", "10 am", "yes")
        assert f"{say_date(day)} at 10 am, is that right?" in said
        assert f"You're booked for {say_date(day)} at 10 am. Please arrive ten minutes early." in said
    with tenant_context(clinic):
        starts = list(Appointment.objects.order_by("start").values_list("start", flat=True))
    assert starts == [at(before, 10), at(after, 10)]
    assert {start.astimezone(NEW_YORK).hour for start in starts} == {10}
    assert starts[0].astimezone(UTC).hour != starts[1].astimezone(UTC).hour


def readme_talks() -> list[list[str]]:
    """The caller turns of each `scripts/manage talk --tenant demo ...` example in the README, as written."""
    prefix = "scripts/manage talk --tenant demo "
    lines = (settings.BASE_DIR / "README.md").read_text().splitlines()
    return [shlex.split(line.removeprefix(prefix)) for line in lines if line.startswith(prefix)]


@pytest.fixture
def seeded_clinic(clinic):
    """Acme seeded as `seed_demo` seeds the demo tenant: Mia, her clinic FAQ, the calendar in New York."""
    with tenant_context(clinic):
        seed_demo_knowledge(seed_demo_agent(clinic))
        seed_demo_calendar()
    return clinic


def test_the_readmes_talk_example_run_as_written_ends_with_a_booked_appointment(seeded_clinic):
    booking = readme_talks()[0]
    said = talk(*booking)
    assert any(line.startswith("You're booked for ") for line in said)
    assert said[-1] == "Thank you for calling Acme Dental. Goodbye!"
    with tenant_context(seeded_clinic):
        booked = Appointment.objects.get()
    assert (booked.contact_name, booked.start.astimezone(NEW_YORK).weekday()) == ("Jane Doe", 0)


def test_the_readmes_question_is_answered_from_the_clinic_faq(seeded_clinic):
    question = readme_talks()[1]
    said = talk(*question)
    assert any(line.startswith("Parking. Parking is free") for line in said)
