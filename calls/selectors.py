"""Shared reads of the calls app; every query runs in the current tenant's schema."""

from datetime import datetime, time, timedelta

from django.contrib.postgres.search import SearchQuery
from django.db.models import Aggregate, Avg, Count, FloatField, Prefetch, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from calls.models import (
    AnalysisProfile,
    Call,
    CallFeedback,
    CallTurn,
    PhoneNumber,
    ShareLink,
    TurnCorrection,
    TwilioAccount,
)
from config.databases import analytics_database
from config.errors import NotFound

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


# What a list of calls never shows: each call's working state, logs and full transcript, and its agent's settings
# beyond its name, belong to the call's detail. Reading and decoding them cost more than the rest of a page.
UNLISTED_CALL_FIELDS = (
    "state",
    "extraction",
    "contact_variables",
    "action_log",
    "transcript",
    "cost",
    "search_vector",
    *(f"agent__{name}" for name in ("greeting", "system_prompt", "tools_enabled", "business_hours")),
    *(f"agent__{name}" for name in ("voicemail_message", "disclosure_text", "recording_consent_question")),
)


def listed(queryset):
    """Calls as a list shows them (`UNLISTED_CALL_FIELDS` left unread)."""
    return queryset.defer(*UNLISTED_CALL_FIELDS)


def get_call(call_id, *, include_tests=True) -> Call:
    found = calls(include_tests=include_tests).filter(pk=call_id).first()
    if found is None:
        raise NotFound("No such call.")
    return found


def call_detail(call_id) -> Call:
    queryset = calls(include_tests=True).prefetch_related(
        "turns", "notes", Prefetch("feedback", queryset=CallFeedback.objects.prefetch_related("corrections__turn"))
    )
    found = queryset.filter(pk=call_id).first()
    if found is None:
        raise NotFound("No such call.")
    return found


def _day_bounds(date_from, date_to, tz):
    """Dates are the tenant's calendar days: [date_from 00:00, date_to + 1 day 00:00) in its time zone."""
    start = timezone.make_aware(datetime.combine(date_from, time.min), tz) if date_from else None
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min), tz) if date_to else None
    return start, end


def in_period(queryset, *, date_from=None, date_to=None, tz=None):
    start, end = _day_bounds(date_from, date_to, tz or timezone.get_current_timezone())
    if start:
        queryset = queryset.filter(created_at__gte=start)
    if end:
        queryset = queryset.filter(created_at__lt=end)
    return queryset


def filter_calls(
    *,
    status=None,
    direction=None,
    agent=None,
    sentiment=None,
    date_from=None,
    date_to=None,
    phone=None,
    q=None,
    tag=None,
    include_tests=False,
    tz=None,
):
    queryset = in_period(calls(include_tests=include_tests), date_from=date_from, date_to=date_to, tz=tz)
    exact = {"status": status, "direction": direction, "agent_id": agent, "sentiment": sentiment}
    queryset = queryset.filter(**{field: value for field, value in exact.items() if value is not None})
    if phone:
        digits = "".join(ch for ch in phone if ch.isdigit())
        queryset = queryset.filter(Q(from_number__contains=digits) | Q(to_number__contains=digits))
    if tag:
        queryset = queryset.filter(tags__contains=[tag.lower()])
    if q:
        queryset = queryset.filter(search_vector=SearchQuery(q, config="english", search_type="websearch"))
    return queryset


def analytics_calls(**filters):
    """`filter_calls` for analytics (figures, charts, reports, exports): read from the replica when there is one
    (`config.databases`). Build it under the tenant it is for; the figures below read where their queryset does."""
    return filter_calls(**filters).using(analytics_database())


def call_stats(queryset) -> dict:
    """Totals of a set of calls: counts by status, direction and sentiment, answer and success rates, minutes."""
    totals = queryset.aggregate(
        total=Count("id"),
        answered=Count("id", filter=Q(started_at__isnull=False)),
        successful=Count("id", filter=Q(success=True)),
        judged=Count("id", filter=Q(success__isnull=False)),
        average_duration=Avg("duration_seconds", filter=Q(started_at__isnull=False)),
        billable_seconds=Sum(Coalesce("billable_seconds", "duration_seconds", 0)),
    )

    def counts(field):
        return {row[field]: row["n"] for row in queryset.order_by().values(field).annotate(n=Count("id")) if row[field]}

    total = totals["total"]
    return {
        "total": total,
        "by_status": counts("status"),
        "by_direction": counts("direction"),
        "by_sentiment": counts("sentiment"),
        "answered": totals["answered"],
        "answer_rate": round(totals["answered"] / total, 4) if total else None,
        "success_rate": round(totals["successful"] / totals["judged"], 4) if totals["judged"] else None,
        "average_duration_seconds": round(totals["average_duration"], 1) if totals["average_duration"] else None,
        "billable_minutes": round((totals["billable_seconds"] or 0) / 60, 2),
    }


def call_for_webhook(call_sid: str, call_id) -> Call | None:
    """The call a Twilio callback is about: by its CallSid, or by the id in the callback URL when the
    SID was never stored (the process died between dialing and saving it)."""
    if call_sid:
        found = Call.objects.filter(twilio_call_sid=call_sid).first()
        if found is not None:
            return found
    if call_id and str(call_id).isdigit():
        return (
            Call.objects.filter(pk=int(call_id)).filter(Q(twilio_call_sid__isnull=True) | Q(twilio_call_sid="")).first()
        )
    return None


def live_call_count() -> int:
    return (
        Call.objects.filter(is_test=False, status__in=LIVE_STATUSES).exclude(direction=Call.Direction.SANDBOX).count()
    )


def minutes_used_this_month() -> float:
    start = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    used = Call.objects.filter(is_test=False, created_at__gte=start).aggregate(
        seconds=Sum(Coalesce("billable_seconds", "duration_seconds", 0))
    )["seconds"]
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


def training_examples(agent, *, limit: int | None = None) -> list[dict]:
    """Applied corrections of an agent, as examples for its prompt (newest first)."""
    rows = corrections(agent_id=agent.pk, applied=True).values_list("caller_text", "suggested")
    return [{"caller": caller, "reply": suggested} for caller, suggested in rows[:limit]]


def analysis_profile(agent) -> AnalysisProfile:
    """The agent's profile, or an unsaved empty one (nothing extracted, default success rule)."""
    return AnalysisProfile.objects.filter(agent=agent).first() or AnalysisProfile(agent=agent)


def calls_per_day(queryset, *, date_from, date_to, tz) -> list[dict]:
    """One row per calendar day of the tenant (days without calls included), oldest first."""
    rows = {
        row["day"]: row
        for row in queryset.order_by()
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day")
        .annotate(
            total=Count("id"),
            answered=Count("id", filter=Q(started_at__isnull=False)),
            inbound=Count("id", filter=Q(direction=Call.Direction.INBOUND)),
            outbound=Count("id", filter=Q(direction=Call.Direction.OUTBOUND)),
            positive=Count("id", filter=Q(sentiment="positive")),
            neutral=Count("id", filter=Q(sentiment="neutral")),
            negative=Count("id", filter=Q(sentiment="negative")),
        )
    }
    empty = {"total": 0, "answered": 0, "inbound": 0, "outbound": 0, "positive": 0, "neutral": 0, "negative": 0}
    days = (date_to - date_from).days + 1
    series = []
    for offset in range(days):
        day = date_from + timedelta(days=offset)
        row = rows.get(day, empty)
        series.append({"date": day.isoformat(), **{key: row[key] for key in empty}})
    return series


class _Percentile(Aggregate):
    """PostgreSQL's continuous percentile of an expression (`fraction` in 0..1)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float):
        super().__init__(expression, fraction=float(fraction))


# The stages of an answer to the caller's speech stored on its turn (`CallTurn`), shown per agent as p50 and p95.
LATENCY_STAGES = ("vad_ms", "stt_ms", "engine_ms", "tts_first_ms", "total_ms")


def answer_latencies(queryset) -> dict[int, dict]:
    """Per agent of these calls: p50 and p95 of each stage of its answers to the caller's speech (ms)."""
    aggregates = {
        f"{stage.removesuffix('_ms')}_{name}_ms": _Percentile(stage, fraction)
        for stage in LATENCY_STAGES
        for name, fraction in (("p50", 0.5), ("p95", 0.95))
    }
    rows = (
        CallTurn.objects.using(queryset.db)
        .filter(
            call__in=queryset.filter(agent__isnull=False).values("pk"),
            speaker=CallTurn.Speaker.AGENT,
            stt_ms__isnull=False,
            total_ms__isnull=False,
        )
        .order_by()
        .values("call__agent")
        .annotate(**aggregates)
    )
    return {
        row.pop("call__agent"): {key: round(value, 1) if value is not None else None for key, value in row.items()}
        for row in rows
    }


def turn_latency_per_day(queryset, *, date_from, date_to, tz) -> list[dict]:
    """How long callers waited for the agent, per calendar day of the tenant (by the call's day; days without timed
    turns included, as None), oldest first: the median (p50) and 95th percentile (p95) of the agent turns'
    `total_ms` in the calls of `queryset`, and how many turns that is."""
    rows = {
        row["day"]: row
        for row in CallTurn.objects.using(queryset.db)
        .filter(call__in=queryset, speaker=CallTurn.Speaker.AGENT, total_ms__isnull=False)
        .order_by()
        .annotate(day=TruncDate("call__created_at", tzinfo=tz))
        .values("day")
        .annotate(
            turns=Count("id"),
            p50=_Percentile("total_ms", fraction=0.5),
            p95=_Percentile("total_ms", fraction=0.95),
        )
    }
    series = []
    for offset in range((date_to - date_from).days + 1):
        day = date_from + timedelta(days=offset)
        row = rows.get(day)
        series.append(
            {
                "date": day.isoformat(),
                "turns": row["turns"] if row else 0,
                "p50_ms": round(row["p50"]) if row else None,
                "p95_ms": round(row["p95"]) if row else None,
            }
        )
    return series


def per_agent_stats(queryset) -> list[dict]:
    latencies = answer_latencies(queryset)
    rows = (
        queryset.filter(agent__isnull=False)
        .order_by()
        .values("agent", "agent__name")
        .annotate(
            total=Count("id"),
            answered=Count("id", filter=Q(started_at__isnull=False)),
            successful=Count("id", filter=Q(success=True)),
            judged=Count("id", filter=Q(success__isnull=False)),
            average_duration=Avg("duration_seconds", filter=Q(started_at__isnull=False)),
            billable=Sum(Coalesce("billable_seconds", "duration_seconds", 0)),
            positive=Count("id", filter=Q(sentiment="positive")),
            negative=Count("id", filter=Q(sentiment="negative")),
        )
        .order_by("-total", "agent__name")
    )
    return [
        {
            "agent": row["agent"],
            "agent_name": row["agent__name"],
            "total": row["total"],
            "answered": row["answered"],
            "success_rate": round(row["successful"] / row["judged"], 4) if row["judged"] else None,
            "average_duration_seconds": round(row["average_duration"], 1) if row["average_duration"] else None,
            "billable_minutes": round((row["billable"] or 0) / 60, 2),
            "positive": row["positive"],
            "negative": row["negative"],
            # From the caller's last voiced frame to the answer's first frame, and its stages (None: no answers).
            "latency": latencies.get(row["agent"]),
        }
        for row in rows
    ]
