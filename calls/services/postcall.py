"""After a call: store its analysis and its billable usage (run by the `calls.analyse_call` task)."""

import logging

from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.utils import timezone

from billing import services as billing
from billing.costs import CallUsage, call_cost
from calls import analysis, selectors
from calls.models import AnalysisProfile, Call, CallTurn
from config.events import publish
from tenants.models import Tenant

logger = logging.getLogger(__name__)


def billable_seconds(call: Call) -> int:
    """Only answered calls cost minutes."""
    return call.duration_seconds or 0 if call.started_at else 0


def cost_of(call: Call, turns) -> dict:
    """The call's cost by part: the model read and wrote the whole conversation, text-to-speech spoke the agent's
    lines."""
    agent = call.agent
    return call_cost(
        CallUsage(
            seconds=call.billable_seconds or 0,
            telephony="twilio" if call.twilio_call_sid else "",
            stt=agent.stt_provider if agent else "",
            llm=agent.llm_provider if agent else "",
            tts=agent.tts_provider if agent else "",
            llm_characters=sum(len(turn.text) for turn in turns),
            tts_characters=sum(len(turn.text) for turn in turns if turn.speaker == CallTurn.Speaker.AGENT),
        )
    )


def record_usage(call: Call) -> None:
    """The call's billable seconds to billing (public schema), keyed by tenant schema and call: recording it
    again (another analysis, a duration Twilio corrected) updates the record. Test calls are not billed."""
    if not call.is_test:
        # Celery tasks run under a stand-in tenant that only knows its schema name.
        billing.record_call_usage(Tenant.objects.get(schema_name=connection.schema_name), call)


def analyse_call(call_id: int) -> Call | None:
    """Idempotent: running it again recomputes the same fields (usage is set, never added up). Values
    given by an external bot at ingestion (summary, sentiment) are kept."""
    call = Call.objects.select_related("agent").filter(pk=call_id).first()
    if call is None or not call.is_finished:
        logger.info("Not analysing call %s: missing or still live", call_id)
        return None
    profile = selectors.analysis_profile(call.agent) if call.agent_id else None
    turns = list(call.turns.order_by("index"))
    result = analysis.analyse(
        call,
        turns,
        fields=profile.fields if profile else [],
        success_criteria=profile.success_criteria if profile else "",
    )
    keep_given = call.external_id is not None
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        locked.transcript = result.transcript
        locked.summary = locked.summary if keep_given and locked.summary else result.summary
        locked.sentiment = locked.sentiment if keep_given and locked.sentiment else result.sentiment
        locked.extraction = result.extraction
        locked.success = result.success
        locked.billable_seconds = billable_seconds(locked)
        locked.cost = cost_of(locked, turns)
        locked.analysed_at = timezone.now()
        locked.save(
            update_fields=[
                "transcript",
                "summary",
                "sentiment",
                "extraction",
                "success",
                "billable_seconds",
                "cost",
                "analysed_at",
            ]
        )
        record_usage(locked)
        if not locked.is_test:
            publish(
                "call.analyzed",
                {
                    "call_id": locked.pk,
                    "summary": locked.summary,
                    "sentiment": locked.sentiment,
                    "success": locked.success,
                    "extraction": locked.extraction,
                },
            )
        # A second statement: an UPDATE computes the vector from the row as it was before it.
        Call.objects.filter(pk=call.pk).update(search_vector=SearchVector("transcript", config="english"))
    return locked


def set_analysis_profile(agent, *, fields, success_criteria="") -> AnalysisProfile:
    profile, _ = AnalysisProfile.objects.update_or_create(
        agent=agent, defaults={"fields": [dict(spec) for spec in fields], "success_criteria": success_criteria}
    )
    return profile
