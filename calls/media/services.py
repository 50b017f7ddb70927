"""Database and telephony work of a live media stream, in explicit and rare calls.

The consumer calls these through `tenants.channels.in_tenant`, so each runs in the call's tenant schema;
everything else about a live call (every audio frame) touches no database at all.
"""

from contextlib import nullcontext
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.engine import EXAMPLES_LIMIT, AgentConfig, Engine, EngineResult, expectation_at
from agents.providers import registry
from agents.providers.base import Expectation
from agents.selectors import get_agent
from agents.services import conversations
from agents.services.credentials import build_providers
from calls import selectors
from calls.models import Call, CallTurn
from calls.services import conversations as sandbox_calls
from calls.services import recordings
from calls.services.lifecycle import TIMING_FIELDS, finish_call
from calls.twilio import client as twilio
from calls.twilio import twiml
from calls.twilio.client import TwilioError
from compliance import redaction
from compliance.selectors import compliance_settings
from compliance.services import opt_out
from config import metrics
from tenants.models import Tenant
from tenants.selectors import is_public, tenant_for_host


def stream_tenant(host: str, slug: str) -> tuple[Tenant | None, str]:
    """The tenant a media stream's URL names and its Twilio auth token ("" if it has no account).

    The path's tenant (`slug`), else the one served at `host`: the public tenant on the platform's own hosts
    (no token), None for an unknown or suspended tenant.
    """
    connection.set_schema_to_public()
    tenant = Tenant.objects.filter(slug=slug.lower()).first() if slug else tenant_for_host(host)
    if tenant is None or not tenant.is_active:
        return None, ""
    if is_public(tenant):
        return tenant, ""
    with tenant_context(tenant):  # back on the public schema after it
        account = selectors.twilio_account()
    return tenant, account.auth_token if account is not None else ""


class StreamRefused(Exception):
    """The `start` message names no live call of this tenant that this Twilio call may stream."""


@dataclass
class LiveCall:
    """What the pipeline needs about the call, loaded once when the stream starts."""

    call_id: int
    schema: str
    agent: AgentConfig
    flow: dict | None
    state: dict
    variables: dict
    engine: Engine
    stt: object
    tts: object
    tts_name: str
    voice: str
    language: str
    max_duration_seconds: int
    silence_timeout_ms: int
    muted: bool = False
    # The engine's opening (greeting up to the first question) for a new conversation, worked out with the rest
    # of the set-up; None when the stream resumes one (it carries on without greeting again).
    opening: EngineResult | None = None
    # What the caller is expected to say first: where a resumed conversation waits (a new one's comes with its opening).
    expect: Expectation = field(default_factory=Expectation)
    # The tenant's choice: card numbers, SSNs and dates of birth are masked in the stored turns.
    redact_pii: bool = True


def open_stream(call_id, call_sid: str) -> LiveCall:
    """The call a `start` message names, once its CallSid proves the stream comes from that call.

    Raises `StreamRefused` for an unknown or finished call, or a CallSid that is not the call's.
    """
    if not str(call_id).isdigit():
        raise StreamRefused("call_id is missing or not a number")
    # `get` rather than `first()`, whose ordering costs more to compile than the query takes to run, and the
    # template only for an agent without a greeting of its own: this runs at every stream's start.
    try:
        call = Call.objects.select_related("agent", "flow_version").get(pk=int(call_id), agent__isnull=False)
    except Call.DoesNotExist:
        raise StreamRefused("no such call in this tenant") from None
    if call.is_finished:
        raise StreamRefused("the call has ended")
    if call.on_hold:
        raise StreamRefused("the call is on hold")
    if not call_sid or call.twilio_call_sid != call_sid:
        raise StreamRefused("the stream's CallSid is not this call's")
    # One conditional statement rather than a locked read and a save: it runs at every stream's start.
    Call.objects.filter(pk=call.pk).exclude(status=Call.Status.IN_PROGRESS).update(
        status=Call.Status.IN_PROGRESS, started_at=Coalesce("started_at", Value(timezone.now()))
    )
    compliance = compliance_settings()
    if compliance.record_calls:
        recordings.queue_start(call)
    return _live_call(call, compliance)


def open_browser_call(agent_id) -> LiveCall:
    """A sandbox conversation by voice from a staff member's browser (`calls.media.browser`): a new test call of the
    agent, on its current flow, through the same pipeline as a phone call (no telephony, no recording)."""
    agent = get_agent(agent_id)
    version = agent.template.latest_version if agent.template_id else None
    call = sandbox_calls.start(agent=agent, flow_version=version)
    Call.objects.filter(pk=call.pk).update(status=Call.Status.IN_PROGRESS, started_at=timezone.now())
    call = Call.objects.select_related("agent", "flow_version").get(pk=call.pk)
    return _live_call(call, compliance_settings())


def _live_call(call: Call, compliance) -> LiveCall:
    agent = call.agent
    stt_name = agent.stt_provider or registry.default("stt")
    stt, tts = build_providers(("stt", stt_name), ("tts", agent.tts_provider))
    config = conversations.agent_config(
        agent, examples=selectors.training_examples(agent, limit=EXAMPLES_LIMIT), direction=call.direction
    )
    flow = call.flow_version.flow if call.flow_version_id else None
    variables, engine = call_variables(call), conversations.engine_for(agent, source="call")
    return LiveCall(
        call_id=call.pk,
        schema=connection.schema_name,
        agent=config,
        flow=flow,
        state=call.state,
        variables=variables,
        engine=engine,
        opening=None if call.state else engine.start(config, flow, variables),
        stt=stt,
        tts=tts,
        tts_name=agent.tts_provider,
        voice=agent.voice_id,
        language=agent.language,
        max_duration_seconds=agent.max_call_seconds or settings.CALL_MAX_DURATION_SECONDS,
        silence_timeout_ms=settings.CALL_SILENCE_TIMEOUT_MS,
        muted=call.agent_muted,
        expect=expectation_at(flow, call.state) if call.state else Expectation(),
        redact_pii=compliance.redact_pii,
    )


def call_variables(call: Call) -> dict:
    """The context a flow can use: `{call.id}`, `{contact.phone}` (the other party) and the call's contact fields."""
    phone = call.from_number if call.direction == Call.Direction.INBOUND else call.to_number
    return {
        "call": {"id": call.pk, "from": call.from_number, "to": call.to_number, "direction": call.direction},
        "contact": {"phone": phone, **(call.contact_variables or {})},
    }


def turn_event(turn: CallTurn) -> dict:
    """A turn as the live view shows it."""
    return {
        "id": turn.pk,
        "index": turn.index,
        "speaker": turn.speaker,
        "text": turn.text,
        "node_id": turn.node_id,
        "interrupted": turn.interrupted,
        "heard_text": turn.heard_text,
        "timings": {name: getattr(turn, name) for name in TIMING_FIELDS},
    }


def record_exchange(
    call_id: int,
    *,
    caller_text: str | None,
    agent_text: str,
    node_id: str,
    actions: list,
    timings: dict,
    state: dict,
    interrupted: bool = False,
    heard_text: str = "",
    index: int | None = None,
    redact: bool = True,
) -> list[dict]:
    """The caller's words (if any) and the agent's answer with the turn's timings; returns both as live events.

    Numbered as `lifecycle.record_turn` numbers turns, under a lock on the call, but in one statement: this runs at
    every turn of every live call, on a thread whose Python competes with the calls' audio for the GIL.
    `index`: where the live session expects the exchange to start (after its last one). Then one statement
    stores the engine state (which locks the call) and inserts the turns at that index; if another writer
    added a turn meanwhile, the unique (call, index) refuses it all and the turns are numbered by counting.
    """
    metrics.observe_turn({name: timings.get(name) for name in TIMING_FIELDS})
    if redact:
        caller_text = None if caller_text is None else redaction.redact(caller_text)
        agent_text, heard_text = redaction.redact(agent_text), redaction.redact(heard_text)
    turns = []
    if caller_text is not None:
        turns.append(CallTurn(call_id=call_id, speaker=CallTurn.Speaker.CALLER, text=caller_text))
    turns.append(
        CallTurn(
            call_id=call_id,
            speaker=CallTurn.Speaker.AGENT,
            text=agent_text,
            node_id=node_id or "",
            actions=list(actions),
            interrupted=interrupted,
            heard_text=heard_text,
            **{name: timings[name] for name in TIMING_FIELDS if timings.get(name) is not None},
        )
    )
    if index is not None:
        try:
            # One statement is atomic on its own: no BEGIN and COMMIT around it (two more trips to the database
            # at every turn). Inside a caller's transaction, a savepoint keeps its failure from breaking that one.
            with transaction.atomic() if connection.in_atomic_block else nullcontext():
                _insert_exchange(call_id, state, turns, index)
            return [turn_event(turn) for turn in turns]
        except IntegrityError:
            pass
    with transaction.atomic():
        Call.objects.select_for_update().only("pk").get(pk=call_id)
        _insert_exchange(call_id, state, turns, CallTurn.objects.filter(call_id=call_id).count())
    return [turn_event(turn) for turn in turns]


# The columns `_insert_exchange` writes; `created_at` is the statement's time.
_TURN_FIELDS = (
    "call",
    "index",
    "speaker",
    "text",
    "node_id",
    "actions",
    "interrupted",
    "heard_text",
    *TIMING_FIELDS,
)


def _insert_exchange(call_id: int, state: dict, turns: list[CallTurn], index: int) -> None:
    """The call's engine state and its new turns, numbered from `index`, in one statement: less than half
    the CPU of the ORM's update and bulk insert (measured here: 0.49 against 1.14 ms a turn)."""
    fields = [CallTurn._meta.get_field(name) for name in _TURN_FIELDS]
    params = [Call._meta.get_field("state").get_db_prep_save(state, connection), call_id]
    for offset, turn in enumerate(turns):
        turn.index = index + offset
        params += [field.get_db_prep_save(getattr(turn, field.attname), connection) for field in fields]
    row = "(" + ", ".join(["%s"] * len(fields)) + ", now())"
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH state AS (UPDATE {Call._meta.db_table} SET state = %s WHERE id = %s) "
            f"INSERT INTO {CallTurn._meta.db_table} ({columns}, created_at) VALUES {', '.join([row] * len(turns))} "
            "RETURNING id",
            params,
        )
        for turn, (turn_id,) in zip(turns, cursor.fetchall()):
            turn.pk = turn_id


def record_opt_out(call_id: int, action_data: dict) -> None:
    """The other party asked (in words or on the keypad) not to be called again: their number joins the tenant's
    DNC list with the source and this call, before the call is finished."""
    call = Call.objects.only("direction", "from_number", "to_number").get(pk=call_id)
    number = call.from_number if call.direction == Call.Direction.INBOUND else call.to_number
    opt_out(number, source=action_data["source"], reason=action_data.get("said", ""), call_id=call_id)


def record_consent(call_id: int, granted: bool) -> None:
    """The caller's answer to the consent question, with its time. A refusal stops a recording under way; whatever
    Twilio recorded is deleted when it reports it (`telephony.record_recording`), and nothing of it is kept."""
    now = timezone.now()
    Call.objects.filter(pk=call_id).update(recording_consent=granted, recording_consent_at=now)
    if granted:
        return
    call = Call.objects.only("twilio_call_sid", "recording_sid", "recording_file").get(pk=call_id)
    if recordings.remove_audio(call):
        return
    account = selectors.twilio_account()
    if account is not None and call.twilio_call_sid:
        try:
            twilio.stop_recording(account, call.twilio_call_sid)
        except TwilioError:
            pass  # no recording under way: nothing to stop


def record_interruption(turn_id: int, heard_text: str, state: dict) -> dict:
    """Barge-in after the agent's turn was stored: it keeps only what the caller heard."""
    turn = CallTurn.objects.select_related("call").get(pk=turn_id)
    with transaction.atomic():
        CallTurn.objects.filter(pk=turn_id).update(interrupted=True, heard_text=heard_text)
        Call.objects.filter(pk=turn.call_id).update(state=state)
    turn.interrupted, turn.heard_text = True, heard_text
    return turn_event(turn)


def end_call(
    call_id: int, *, end_reason: str, transfer_to: str = "", status=Call.Status.COMPLETED, telephony: bool = True
) -> dict | None:
    """Finishes the call record and, with `telephony`, ends the Twilio call for real (or hands it to `transfer_to`).

    Returns the call's final `{"status", "end_reason"}` (the first outcome, if staff already ended or handed
    it over), or None for a call on hold: its stream closed because of the hold, and the call goes on.
    A Twilio failure is logged on the call, never raised: the record is finished either way, and Twilio
    ends a call whose stream closes with nothing left to do.
    """
    call = Call.objects.only("status", "on_hold", "twilio_call_sid").get(pk=call_id)
    if call.on_hold and not call.is_finished:
        return None
    account = selectors.twilio_account() if telephony and call.twilio_call_sid else None
    if account is not None:
        try:
            if transfer_to:
                twilio.update_call(account, call.twilio_call_sid, twiml=twiml.dial(transfer_to))
            else:
                twilio.update_call(account, call.twilio_call_sid, status="completed")
        except TwilioError:
            end_reason = f"{end_reason}; twilio_update_failed"
    final = finish_call(call, status=status, end_reason=end_reason[:64])
    return {"status": final.status, "end_reason": final.end_reason}
