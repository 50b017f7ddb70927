"""The conversation engine's `check_availability`, `resolve_slot` and `book_appointment` actions (registered in
apps.py).

They run inside the tenant's schema during a call or sandbox session, on the calendar of the call's agent
(else the tenant's default calendar), and understand dates and times as callers say them.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from agents.engine import ActionContext, ActionResult
from agents.models import Agent
from contacts.models import Contact
from scheduling import selectors
from scheduling.calendars.base import CalendarAPIError
from scheduling.models import Appointment, Calendar
from scheduling.services import appointments, availability
from scheduling.services.calendars import calendar_for
from scheduling.spoken import parse_date, parse_time, say_date, say_time

OFFERED_SLOTS = 3
# How far ahead to look for the next open day when the asked-for day is full.
LOOKAHEAD_DAYS = 14
SAY_CALENDAR_DOWN = "I'm sorry, I can't reach the calendar right now."


def _agent_of_call(ctx: ActionContext) -> Agent | None:
    call_id = ctx.variables.get("call.id")
    return Agent.objects.filter(calls__pk=call_id).first() if call_id else None


def _spoken_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _offer(slots: list, wanted: datetime | None) -> list:
    """A few slots to say: the closest to the wanted time, else spread over the day."""
    if wanted is not None:
        return sorted(sorted(slots, key=lambda slot: abs(slot.start - wanted))[:OFFERED_SLOTS], key=lambda s: s.start)
    if len(slots) <= OFFERED_SLOTS:
        return slots
    step = (len(slots) - 1) / (OFFERED_SLOTS - 1)
    return [slots[round(i * step)] for i in range(OFFERED_SLOTS)]


def check_availability(ctx: ActionContext, params: dict) -> ActionResult:
    """The free times on the day asked for; a full day is said as such, with the times of the next free day
    instead, so the caller picks another slot rather than being sent elsewhere."""
    calendar = calendar_for(_agent_of_call(ctx))
    zone = ZoneInfo(calendar.timezone)
    asked = parse_date(params.get("date", ""), selectors.calendar_today(calendar))
    if asked is None:
        return ActionResult(ok=False, say="Sorry, I didn't catch which day you meant.", data={"error": "unknown_date"})
    try:
        slots = availability.free_slots(calendar, asked, asked)
        if not slots:
            slots = availability.free_slots(calendar, asked + timedelta(days=1), asked + timedelta(days=LOOKAHEAD_DAYS))
    except CalendarAPIError:
        return ActionResult(ok=False, say=SAY_CALENDAR_DOWN, data={"error": "calendar_unavailable"})
    if not slots:
        return ActionResult(
            ok=False,
            say=f"I'm sorry, we have no free times on {say_date(asked)} or in the {LOOKAHEAD_DAYS} days after it.",
            data={"error": "no_slots", "date": asked.isoformat()},
        )
    day = slots[0].start.astimezone(zone).date()
    slots = [slot for slot in slots if slot.start.astimezone(zone).date() == day]
    wanted_time = parse_time(params["time"]) if params.get("time") else None
    wanted = datetime.combine(day, wanted_time, tzinfo=zone) if wanted_time else None
    offered = _offer(slots, wanted)
    return ActionResult(
        ok=True,
        say="" if day == asked else f"I'm sorry, {say_date(asked)} is fully booked.",
        data={
            "available_slots": _spoken_list([say_time(slot.start.astimezone(zone)) for slot in offered]),
            "available_day": say_date(day),
            # The day the slots are on (the next free one when the asked day is full), for resolve_slot.
            "available_date": day.isoformat(),
            # For book_appointment, when the caller then picks "the first one".
            "offered_slots": " ".join(slot.start.isoformat() for slot in offered),
            "slots": [slot.start.isoformat() for slot in offered],
            "date": day.isoformat(),
            "asked_date": asked.isoformat(),
        },
    )


def _resolve(ctx: ActionContext, calendar: Calendar, params: dict) -> datetime:
    """The start the caller means (`selectors.resolve_slot`), with the times just offered for "the first one";
    an exact `start` (the `slot_start` resolve_slot gave, read back and confirmed) is taken as it is."""
    if params.get("start"):
        try:
            start = datetime.fromisoformat(params["start"])
        except ValueError:
            raise selectors.SlotNotUnderstood("The start is not a date and time.", error_code="unknown_start") from None
        if start.tzinfo is None:
            raise selectors.SlotNotUnderstood("The start has no time zone.", error_code="unknown_start")
        return start.astimezone(ZoneInfo(calendar.timezone))
    return selectors.resolve_slot(
        calendar,
        day_said=params.get("date", ""),
        time_said=params.get("time", ""),
        offered=str(ctx.variables.get("answers.offered_slots") or "").split(),
    )


def _not_understood(error: selectors.SlotNotUnderstood) -> ActionResult:
    return ActionResult(
        ok=False, say="Sorry, I didn't catch the day and time for the appointment.", data={"error": error.error_code}
    )


def resolve_slot(ctx: ActionContext, params: dict) -> ActionResult:
    """The exact slot a caller asked for, as the agent reads it back before booking ("Tuesday, December 8 at 10
    am"), in the calendar's time zone; `book_appointment` with the same params books that very start."""
    calendar = calendar_for(_agent_of_call(ctx))
    try:
        start = _resolve(ctx, calendar, params)
    except selectors.SlotNotUnderstood as error:
        return _not_understood(error)
    return ActionResult(ok=True, data={"slot": selectors.say_slot(start, calendar), "slot_start": start.isoformat()})


def book_appointment(ctx: ActionContext, params: dict) -> ActionResult:
    call_id = ctx.variables.get("call.id")
    calendar = calendar_for(_agent_of_call(ctx))
    try:
        start = _resolve(ctx, calendar, params)
    except selectors.SlotNotUnderstood as error:
        return _not_understood(error)
    name = (params.get("name") or ctx.variables.get("contact.name") or "").strip()
    reason = (params.get("reason") or "").strip()
    title = " – ".join(part for part in (reason.capitalize() or "Appointment", name) if part)
    try:
        appointment = appointments.book(
            calendar,
            start=start,
            title=title,
            within_hours=True,
            source=Appointment.Source.AGENT,
            call_id=call_id,
            contact_id=Contact.objects.filter(calls__pk=call_id).values_list("pk", flat=True).first()
            if call_id
            else None,
            contact_name=name,
            contact_phone=(
                params.get("phone") or ctx.variables.get("contact.phone") or ctx.variables.get("call.from") or ""
            ).strip(),
            contact_email=(params.get("email") or ctx.variables.get("contact.email") or "").strip(),
            description=(params.get("notes") or "").strip(),
        )
    except (appointments.SlotTaken, appointments.SlotUnavailable):
        return ActionResult(
            ok=False,
            say=f"I'm sorry, {say_time(start)} on {say_date(start.date())} is not available.",
            data={"error": "slot_unavailable", "start": start.isoformat()},
        )
    except CalendarAPIError:
        return ActionResult(ok=False, say=SAY_CALENDAR_DOWN, data={"error": "calendar_unavailable"})
    return ActionResult(
        ok=True,
        data={
            "appointment": selectors.say_slot(start, calendar),
            "appointment_id": appointment.pk,
            "start": appointment.start.isoformat(),
        },
    )
