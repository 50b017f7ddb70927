"""Shared reads of the calls app; every query runs in the current tenant's schema."""
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from calls.models import Call, PhoneNumber, ShareLink, TurnCorrection, TwilioAccount
from config.api.errors import NotFound

LIVE_STATUSES = (Call.Status.QUEUED, Call.Status.RINGING, Call.Status.IN_PROGRESS)


def twilio_account() -> TwilioAccount | None:
    return TwilioAccount.objects.first()


def phone_numbers():
    return PhoneNumber.objects.select_related("agent")


def get_phone_number(number_id) -> PhoneNumber:
    found = phone_numbers().filter(pk=number_id).first()
    if found is None:
        raise NotFound("No such phone number.")
    return found


def inbound_number(number: str) -> PhoneNumber | None:
    return phone_numbers().filter(number=number).first()


def caller_id_of(agent) -> PhoneNumber | None:
    return PhoneNumber.objects.filter(agent=agent).order_by("id").first()


def calls(*, include_tests=False):
    queryset = Call.objects.select_related("agent")
    return queryset if include_tests else queryset.filter(is_test=False)


def get_call(call_id, *, include_tests=True) -> Call:
    found = calls(include_tests=include_tests).filter(pk=call_id).first()
    if found is None:
        raise NotFound("No such call.")
    return found


def call_for_webhook(call_sid: str, call_id) -> Call | None:
    """The call a Twilio callback is about: by its CallSid, or by the id in the callback URL when the
    SID was never stored (the process died between dialing and saving it)."""
    if call_sid:
        found = Call.objects.filter(twilio_call_sid=call_sid).first()
        if found is not None:
            return found
    if call_id and str(call_id).isdigit():
        return Call.objects.filter(pk=int(call_id)).filter(Q(twilio_call_sid__isnull=True) | Q(twilio_call_sid="")).first()
    return None


def live_call_count() -> int:
    return Call.objects.filter(is_test=False, status__in=LIVE_STATUSES).exclude(direction=Call.Direction.SANDBOX).count()


def minutes_used_this_month() -> float:
    start = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    used = Call.objects.filter(is_test=False, created_at__gte=start).aggregate(
        seconds=Sum(Coalesce("billable_seconds", "duration_seconds", 0)))["seconds"]
    return (used or 0) / 60


def share_link(link_id) -> ShareLink | None:
    return ShareLink.objects.select_related("call", "call__agent").filter(pk=link_id).first()


def corrections(*, agent_id=None, applied=None):
    queryset = TurnCorrection.objects.select_related("turn", "feedback", "agent")
    if agent_id is not None:
        queryset = queryset.filter(agent_id=agent_id)
    if applied is not None:
        queryset = queryset.filter(applied_at__isnull=not applied)
    return queryset


def training_examples(agent) -> list[dict]:
    """Applied corrections of an agent, as examples for its prompt (newest first)."""
    return [
        {"caller": caller, "reply": suggested}
        for caller, suggested in corrections(agent_id=agent.pk, applied=True).values_list("caller_text", "suggested")
    ]
