"""A call's recording in the platform's own storage (`STORAGES["recordings"]`: local disk by default, S3-compatible
through a setting). Twilio reports a finished recording; a task copies it here and deletes Twilio's copy. It is served
only through the authorised view (`GET /api/calls/{id}/recording`) and removed on request, by retention, by erasure
or when the caller refuses consent."""

import logging

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection, transaction

from calls import selectors
from calls.models import Call
from calls.twilio import client as twilio
from compliance.selectors import compliance_settings
from compliance.services import record_audit_event
from config.celery import enqueue_on_commit
from config.errors import NotFound

logger = logging.getLogger(__name__)

STORE_TASK = "calls.store_recording"
START_TASK = "calls.start_recording"


def storage():
    return storages["recordings"]


def tenant_records_calls() -> bool:
    return compliance_settings().record_calls


def has_recording(call: Call) -> bool:
    return bool(call.recording_file or call.recording_url)


def queue_copy(call: Call) -> None:
    """After Twilio reported a recording of the call: copy it into our storage once committed."""
    enqueue_on_commit(STORE_TASK, call.pk)


def store_recording(call_id: int) -> Call | None:
    """Copies the call's Twilio recording into our storage, then deletes it at Twilio. Idempotent: a call whose
    recording is stored already, or whose caller refused consent meanwhile, is left as it is."""
    call = Call.objects.filter(pk=call_id).first()
    if call is None or call.recording_file or not call.recording_sid or call.recording_consent is False:
        return call
    account = selectors.twilio_account()
    if account is None:
        return call
    sid = call.recording_sid
    upstream = twilio.open_recording(account, sid)
    try:
        audio = b"".join(upstream.iter_content(chunk_size=64 * 1024))
    finally:
        upstream.close()
    name = storage().save(f"{connection.schema_name}/call-{call.pk}-{sid}.mp3", ContentFile(audio))
    # Conditional: a refusal or a deletion since the download wins, and the copy just made goes.
    kept = (
        Call.objects.filter(pk=call.pk, recording_sid=sid, recording_file="")
        .exclude(recording_consent=False)
        .update(recording_file=name, recording_url="")
    )
    if not kept:
        storage().delete(name)
        return Call.objects.get(pk=call.pk)
    twilio.delete_recording(account, sid)
    call.refresh_from_db()
    return call


def start_recording(call_id: int) -> None:
    """An inbound call of a tenant that records its calls: Twilio starts recording once the call is connected."""
    call = Call.objects.only("twilio_call_sid", "recording_consent").filter(pk=call_id).first()
    account = selectors.twilio_account()
    if call is None or account is None or not call.twilio_call_sid or call.recording_consent is False:
        return
    twilio.start_recording(account, connection.tenant, call)


def queue_start(call: Call) -> None:
    """When a call of a tenant that records its calls connects: an inbound one starts recording (an outbound one
    was dialed with recording on)."""
    if call.direction == Call.Direction.INBOUND and not call.is_test:
        enqueue_on_commit(START_TASK, call.pk)


def remove_audio(call: Call) -> bool:
    """Every copy of the call's audio goes (Twilio's and ours), and the call no longer points at any. Whether there
    was something to remove."""
    call = Call.objects.only("recording_sid", "recording_url", "recording_file").get(pk=call.pk)
    if not (call.recording_sid or call.recording_url or call.recording_file):
        return False
    if call.recording_sid and not call.recording_file:
        account = selectors.twilio_account()
        if account is not None:
            twilio.delete_recording(account, call.recording_sid)
    if call.recording_file:
        storage().delete(call.recording_file)
    Call.objects.filter(pk=call.pk).update(
        recording_sid="", recording_url="", recording_file="", recording_duration=None
    )
    return True


def delete_recording(call: Call, *, actor=None) -> None:
    """`DELETE /api/calls/{id}/recording`: audited in the same transaction."""
    with transaction.atomic():
        if not remove_audio(call):
            raise NotFound("This call has no recording.")
        record_audit_event(action="recording.deleted", actor=actor, target=f"call:{call.pk}")


def open_stored(call: Call):
    """The stored recording as an open file (close it)."""
    try:
        return storage().open(call.recording_file, "rb")
    except FileNotFoundError:
        logger.warning("The recording of call %s is missing from storage", call.pk)
        raise NotFound("This call's recording is missing from storage.") from None
