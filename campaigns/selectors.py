"""Reads of campaigns and their attempts."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from calls.models import Call
from campaigns.models import Attempt, Campaign
from config.errors import NotFound
from scheduling.models import Appointment


def campaigns(*, kind=Campaign.Kind.CAMPAIGN):
    return Campaign.objects.filter(kind=kind).select_related("agent", "contact_list")


def get_campaign(campaign_id) -> Campaign:
    campaign = Campaign.objects.select_related("agent", "contact_list").filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound(f"No campaign {campaign_id}.")
    return campaign


def attempts(campaign: Campaign, *, status=None):
    queryset = campaign.attempts.select_related("call").order_by("id")
    return queryset.filter(status=status) if status else queryset


def campaign_stats(campaign: Campaign) -> dict:
    """Per-status attempt counts, call outcomes, answer rate (calls a person answered / calls that ended),
    bookings made on the campaign's calls, and cost: each call's billable seconds rounded up to whole
    minutes (as Twilio bills outbound calls) × settings.CAMPAIGN_COST_PER_MINUTE."""
    rows = campaign.attempts.values("status").annotate(n=Count("pk"))
    by_status = {status: 0 for status in Attempt.Status.values} | {row["status"]: row["n"] for row in rows}
    outcomes = dict(
        campaign.attempts.filter(status=Attempt.Status.DONE)
        .values_list("outcome")
        .annotate(n=Count("pk"))
        .values_list("outcome", "n")
    )
    ended = sum(outcomes.values())
    answered = outcomes.get(Call.Status.COMPLETED, 0)
    calls = Call.objects.filter(campaign_attempt__campaign=campaign)
    billing = calls.aggregate(
        seconds=Coalesce(Sum(Coalesce("billable_seconds", "duration_seconds", 0)), 0),
        minutes=Coalesce(Sum((Coalesce("billable_seconds", "duration_seconds", 0) + 59) / 60), 0),
    )
    rate = Decimal(settings.CAMPAIGN_COST_PER_MINUTE)
    cost = (Decimal(billing["minutes"]) * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    bookings = (
        Appointment.objects.filter(call__campaign_attempt__campaign=campaign)
        .filter(~Q(status=Appointment.Status.CANCELLED))
        .count()
    )
    return {
        "contacts": campaign.attempts.filter(attempt_no=1).count(),
        "attempts": by_status,
        "outcomes": outcomes,
        "calls": calls.count(),
        "answered": answered,
        "answer_rate": round(answered / ended, 4) if ended else None,
        "bookings": bookings,
        "billable_seconds": billing["seconds"],
        "cost": str(cost),
        "currency": settings.CAMPAIGN_COST_CURRENCY,
    }
