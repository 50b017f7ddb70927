"""The engine's check_availability and book_appointment actions on real calendars, and a sandbox call that books."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents import services as agent_services
from agents.engine import ActionContext, AgentConfig, registry
from agents.services import conversations
from agents.tests.factories import AgentFactory
from calls.models import Call
from contacts.tests.factories import ContactFactory
from scheduling.models import Appointment
from scheduling.services import appointments

from .conftest import NEW_YORK, at, make_calendar

pytestmark = pytest.mark.django_db


def coming(weekday: int) -> date:
    """What a caller means by "Monday" (weekday 0): the next one after today in New York."""
    today = timezone.now().astimezone(NEW_YORK).date()
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def run(name, params, call=None):
    ctx = ActionContext(
        agent=AgentConfig(name="Mia"),
        node_id="n",
        variables={"call.id": call.pk, "call.from": call.from_number} if call else {},
    )
    return registry.run(name, ctx, params)


@pytest.fixture
def front_desk(acme):
    """The tenant's default calendar: Mondays 9–12 in New York."""
    with tenant_context(acme):
        return make_calendar(weekly_hours={"mon": [["09:00", "12:00"]]})


def test_scheduling_installs_both_booking_actions():
    assert registry.spec("check_availability").available and registry.spec("book_appointment").available
    assert registry.spec("book_appointment").owner == "scheduling"


def test_availability_offers_a_few_slots_spread_over_the_day(acme, front_desk):
    with tenant_context(acme):
        result = run("check_availability", {"date": "Monday"})
    assert result.ok
    assert result.data["available_slots"] == "9 am, 10 am or 11:30 am"
    assert result.data["date"] == coming(0).isoformat()


def test_availability_near_a_wanted_time_offers_the_closest_slots(acme, front_desk):
    with tenant_context(acme):
        result = run("check_availability", {"date": "next monday", "time": "eleven"})
    assert result.data["available_slots"] == "10:30 am, 11 am or 11:30 am"


def test_booked_slots_are_not_offered(acme, front_desk):
    monday = coming(0)
    with tenant_context(acme):
        for hour, minute in ((9, 0), (10, 0), (11, 30)):
            appointments.book(front_desk, start=at(monday, hour, minute), title="Taken")
        result = run("check_availability", {"date": "Monday"})
    assert result.data["available_slots"] == "9:30 am, 10:30 am or 11 am"


def test_a_full_day_is_said_with_the_times_of_the_next_free_day(acme, front_desk):
    monday = coming(0)
    next_monday = monday + timedelta(days=7)
    with tenant_context(acme):
        appointments.book(front_desk, start=at(monday, 9), end=at(monday, 12), title="Surgery")
        result = run("check_availability", {"date": "Monday"})
    assert result.ok and result.say == f"I'm sorry, {monday:%A}, {monday:%B} {monday.day} is fully booked."
    assert (result.data["available_day"], result.data["available_date"], result.data["available_slots"]) == (
        f"{next_monday:%A}, {next_monday:%B} {next_monday.day}",
        next_monday.isoformat(),
        "9 am, 10 am or 11:30 am",
    )


def test_no_free_time_in_the_lookahead_is_a_failure_said_with_the_day_asked(acme, front_desk):
    monday = coming(0)
    with tenant_context(acme):
        for week in range(3):
            day = monday + timedelta(days=7 * week)
            appointments.book(front_desk, start=at(day, 9), end=at(day, 12), title="Surgery")
        result = run("check_availability", {"date": "Monday"})
    assert not result.ok and result.data == {"error": "no_slots", "date": monday.isoformat()}
    assert (
        result.say
        == f"I'm sorry, we have no free times on {monday:%A}, {monday:%B} {monday.day} or in the 14 days after it."
    )


def test_a_day_that_cannot_be_understood_is_a_failure_said_politely(acme, front_desk):
    with tenant_context(acme):
        result = run("check_availability", {"date": "whenever"})
    assert not result.ok and result.data == {"error": "unknown_date"} and "which day" in result.say


def test_booking_a_free_slot_links_the_call_and_the_caller(acme, front_desk):
    with tenant_context(acme):
        call = Call.objects.create(direction=Call.Direction.INBOUND, from_number="+15550142", agent=AgentFactory())
        result = run(
            "book_appointment",
            {
                "date": "Monday",
                "time": "ten thirty a m",
                "name": "Ann Lee",
                "reason": "a cleaning",
                "email": "ann@example.com",
            },
            call,
        )
        assert result.ok, result
        appointment = Appointment.objects.get(pk=result.data["appointment_id"])
        assert (appointment.start, appointment.calendar) == (at(coming(0), 10, 30), front_desk)
        assert (appointment.call, appointment.source) == (call, "agent")
        assert (appointment.contact_name, appointment.contact_phone, appointment.contact_email) == (
            "Ann Lee",
            "+15550142",
            "ann@example.com",
        )
        assert appointment.title == "A cleaning – Ann Lee"
    monday = coming(0)
    assert result.data["appointment"] == f"{monday:%A}, {monday:%B} {monday.day} at 10:30 am"


def test_booking_during_a_call_with_a_contact_links_the_appointment_to_the_contact(acme, front_desk):
    with tenant_context(acme):
        contact = ContactFactory(phone="+15550177")
        call = Call.objects.create(
            direction=Call.Direction.OUTBOUND, to_number=contact.phone, contact=contact, agent=AgentFactory()
        )
        result = run("book_appointment", {"date": "Monday", "time": "10 am", "name": "Ann Lee"}, call)
        appointment = Appointment.objects.get(pk=result.data["appointment_id"])
    assert (appointment.contact_id, appointment.call_id) == (contact.pk, call.pk)
    assert appointment.contact_name == "Ann Lee"


def test_booking_during_a_call_without_a_contact_leaves_the_contact_empty(acme, front_desk):
    with tenant_context(acme):
        call = Call.objects.create(direction=Call.Direction.INBOUND, from_number="+15550142", agent=AgentFactory())
        result = run("book_appointment", {"date": "Monday", "time": "10 am", "name": "Ann"}, call)
        assert Appointment.objects.get(pk=result.data["appointment_id"]).contact is None


def test_booking_uses_the_agents_own_calendar_when_it_has_one(acme, front_desk):
    with tenant_context(acme):
        agent = AgentFactory()
        own = make_calendar(name="Dr. Lee", agent=agent, weekly_hours={"fri": [["13:00", "15:00"]]})
        call = Call.objects.create(direction=Call.Direction.SANDBOX, agent=agent)
        result = run("book_appointment", {"date": "Friday", "time": "2 pm", "name": "Ann"}, call)
        assert result.ok and Appointment.objects.get().calendar == own


def test_booking_a_taken_slot_fails_and_says_so(acme, front_desk):
    with tenant_context(acme):
        appointments.book(front_desk, start=at(coming(0), 10), title="Taken")
        result = run("book_appointment", {"date": "Monday", "time": "10 am", "name": "Ann"})
        assert Appointment.objects.count() == 1
    assert not result.ok and result.data["error"] == "slot_unavailable"
    assert result.say.startswith("I'm sorry, 10 am on ")


def test_booking_outside_business_hours_fails(acme, front_desk):
    with tenant_context(acme):
        result = run("book_appointment", {"date": "Monday", "time": "3 pm", "name": "Ann"})
        assert not Appointment.objects.exists()
    assert not result.ok and result.data["error"] == "slot_unavailable"


def test_booking_an_unintelligible_time_fails_without_booking(acme, front_desk):
    with tenant_context(acme):
        result = run("book_appointment", {"date": "Monday", "time": "whenever suits", "name": "Ann"})
        assert not Appointment.objects.exists()
    assert not result.ok and result.data == {"error": "unknown_time"}


def test_booking_the_start_that_was_read_back_books_that_very_start(acme, front_desk):
    start = at(coming(0), 10, 30)
    with tenant_context(acme):
        result = run("book_appointment", {"start": start.isoformat(), "name": "Ann"})
        assert result.ok and Appointment.objects.get().start == start
    assert result.data["appointment"] == f"{start:%A}, {start:%B} {start.day} at 10:30 am"


@pytest.mark.parametrize("start", ["Monday at ten", "2026-12-14T10:30:00"])
def test_booking_a_start_without_a_date_time_and_zone_fails_without_booking(acme, front_desk, start):
    with tenant_context(acme):
        result = run("book_appointment", {"start": start, "name": "Ann"})
        assert not Appointment.objects.exists()
    assert not result.ok and result.data == {"error": "unknown_start"}


def test_a_sandbox_call_with_the_medical_receptionist_offers_real_slots_and_books_one(acme, front_desk):
    monday = coming(0)
    with tenant_context(acme):
        appointments.book(front_desk, start=at(monday, 9), title="Already booked")
        agent = agent_services.seed_demo_agent(acme)
        turn = conversations.start(agent)
        for said in ("I'd like to book an appointment", "Ann Smith", "a cleaning", "next Monday"):
            turn = conversations.say(agent, turn.call, said)
        spoken_day = f"{monday:%A}, {monday:%B} {monday.day}"
        assert turn.reply == f"On {spoken_day} we have 9:30 am, 10:30 am or 11:30 am. Which time would you like?"
        turn = conversations.say(agent, turn.call, "ten thirty")
        assert turn.reply == f"{spoken_day} at 10:30 am, is that right?"
        turn = conversations.say(agent, turn.call, "yes")
        assert turn.reply.startswith(f"You're booked for {spoken_day} at 10:30 am.")
        booked = Appointment.objects.get(call=turn.call)
        assert (booked.start, booked.contact_name, booked.title) == (
            at(monday, 10, 30),
            "Ann Smith",
            "A cleaning – Ann Smith",
        )


def test_a_sandbox_call_on_a_full_day_offers_the_next_free_days_times_and_books_one(acme, front_desk):
    monday = coming(0)
    next_monday = monday + timedelta(days=7)
    with tenant_context(acme):
        appointments.book(front_desk, start=at(monday, 9), end=at(monday, 12), title="Surgery")
        agent = agent_services.seed_demo_agent(acme)
        turn = conversations.start(agent)
        for said in ("I'd like to book an appointment", "Ann Smith", "a cleaning", "next Monday"):
            turn = conversations.say(agent, turn.call, said)
        full, free = f"{monday:%A}, {monday:%B} {monday.day}", f"{next_monday:%A}, {next_monday:%B} {next_monday.day}"
        assert turn.reply == (
            f"I'm sorry, {full} is fully booked. On {free} we have 9 am, 10 am or 11:30 am. Which time would you like?"
        )
        assert not turn.result.ended and "transfer" not in [action["name"] for action in turn.result.actions]
        turn = conversations.say(agent, turn.call, "ten")
        assert turn.reply == f"{free} at 10 am, is that right?"
        turn = conversations.say(agent, turn.call, "yes")
        assert turn.reply.startswith(f"You're booked for {free} at 10 am.")
        assert Appointment.objects.get(call=turn.call).start == at(next_monday, 10)
