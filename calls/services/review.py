"""What staff add to calls after the fact: notes, tags, feedback with per-turn corrections (which become
training examples of the agent once applied), share links, and calls ingested from external voice bots."""

from datetime import timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from agents.engine import ActionResult
from calls import recordings
from calls.models import Call, CallFeedback, CallNote, CallTurn, ShareLink, TurnCorrection
from calls.services.lifecycle import TIMING_FIELDS, publish_call_event, schedule_analysis
from config.errors import Conflict, DomainError, NotFound

SHARE_SALT = "calls.share-link"


def add_note(call: Call, *, text: str, author=None) -> CallNote:
    return CallNote.objects.create(
        call=call, text=text, author_id=getattr(author, "pk", None), author_label=getattr(author, "email", "") or ""
    )


# Who wrote a note the agent took down from the caller (staff notes name their author's email).
CALLER_MESSAGE_LABEL = "message taken by the agent"


def take_message(ctx, params: dict):
    """The engine's `take_message` action: the caller's message as a note on the call, so staff see it with the
    call (API and dashboard) and the agent only says it passed the message on once it is stored."""
    call = Call.objects.filter(pk=ctx.variables.get("call.id")).first()
    message = (params.get("message") or "").strip()
    if call is None or not message:
        return ActionResult(
            ok=False,
            say="I'm sorry, I couldn't take your message.",
            data={"error": "no_call" if call is None else "empty_message"},
        )
    name = (params.get("name") or "").strip()
    note = CallNote.objects.create(
        call=call, text=f"{name}: {message}" if name else message, author_label=CALLER_MESSAGE_LABEL
    )
    return ActionResult(ok=True, data={"note_id": note.pk})


def set_tags(call: Call, tags: list[str]) -> Call:
    call.tags = sorted({tag.strip().lower() for tag in tags if tag.strip()})
    call.save(update_fields=["tags"])
    return call


@transaction.atomic
def give_feedback(call: Call, *, rating=None, comment="", corrections=(), author=None) -> CallFeedback:
    """`corrections`: [{"turn": index, "suggested": reply}] on the agent's turns of this call."""
    turns = {turn.index: turn for turn in call.turns.all()}
    for position, correction in enumerate(corrections):
        turn = turns.get(correction["turn"])
        if turn is None or turn.speaker != CallTurn.Speaker.AGENT:
            raise DomainError(
                "Corrections apply to the agent's turns of this call.",
                errors={f"corrections.{position}.turn": ["Not an agent turn of this call."]},
            )
    feedback = CallFeedback.objects.create(
        call=call, rating=rating, comment=comment, author_id=getattr(author, "pk", None)
    )
    for correction in corrections:
        turn = turns[correction["turn"]]
        caller = turns.get(turn.index - 1)
        TurnCorrection.objects.create(
            feedback=feedback,
            turn=turn,
            agent_id=call.agent_id,
            original=turn.text,
            suggested=correction["suggested"],
            caller_text=caller.text if caller is not None and caller.speaker == CallTurn.Speaker.CALLER else "",
        )
    return feedback


def apply_correction(correction: TurnCorrection) -> TurnCorrection:
    """The suggested reply becomes an example in the agent's prompt (`selectors.training_examples`)."""
    if correction.agent_id is None:
        raise DomainError("The call's agent no longer exists.", error_code="agent_missing")
    if correction.applied_at is None:
        correction.applied_at = timezone.now()
        correction.save(update_fields=["applied_at"])
    return correction


def withdraw_correction(correction: TurnCorrection) -> TurnCorrection:
    correction.applied_at = None
    correction.save(update_fields=["applied_at"])
    return correction


# Share links --------------------------------------------------------------------------------


def create_share_link(call: Call, tenant, *, hours: int, author=None) -> tuple[ShareLink, str]:
    """A signed token naming the tenant and the link; the link row makes it revocable."""
    link = ShareLink.objects.create(
        call=call, expires_at=timezone.now() + timedelta(hours=hours), created_by_id=getattr(author, "pk", None)
    )
    token = signing.dumps({"t": tenant.slug, "l": link.pk}, salt=SHARE_SALT, compress=True)
    return link, token


def revoke_share_link(link: ShareLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])


def read_share_token(token: str) -> dict:
    """{"t": tenant slug, "l": link id} of a genuine token; NotFound for anything else (never says why)."""
    try:
        return signing.loads(token, salt=SHARE_SALT)
    except signing.BadSignature as exc:
        raise NotFound("This share link is not valid.") from exc


def usable_share_link(link: ShareLink | None) -> ShareLink:
    if link is None or link.revoked_at is not None or link.expires_at <= timezone.now():
        raise NotFound("This share link is not valid.")
    return link


# Calls handled elsewhere --------------------------------------------------------------------


@transaction.atomic
def ingest_call(*, external_id, turns=(), recording_url="", **fields) -> tuple[Call, bool]:
    """A call an external voice bot handled, stored like ours (idempotent on `external_id`) and analysed;
    returns (call, created)."""
    if recording_url:
        recordings.check_url(recording_url)
    existing = Call.objects.filter(external_id=external_id).first()
    if existing is not None:
        return existing, False
    started, ended = fields.get("started_at"), fields.get("ended_at")
    if fields.get("duration_seconds") is None and started and ended:
        fields["duration_seconds"] = round((ended - started).total_seconds())
    try:
        with transaction.atomic():  # the call, its turns and its event together, or nothing
            call = Call.objects.create(external_id=external_id, recording_url=recording_url, **fields)
            CallTurn.objects.bulk_create(
                [
                    CallTurn(
                        call=call,
                        index=index,
                        speaker=turn["speaker"],
                        text=turn["text"],
                        **{name: turn[name] for name in TIMING_FIELDS if turn.get(name) is not None},
                    )
                    for index, turn in enumerate(turns)
                ]
            )
            if call.is_finished:
                publish_call_event("call.finished", call)
            schedule_analysis(call)
    except IntegrityError as exc:
        raise Conflict("This call was just ingested.", errors={"external_id": ["Already ingested."]}) from exc
    return call, True
