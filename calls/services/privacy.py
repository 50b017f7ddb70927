"""What calls hold about a data subject (`compliance.subject_data`): the calls with them, their transcripts, notes,
consent answers and recordings. Exported as it is; erased by removing the audio, the transcript and everything said
or written about the call, and the subject's number; the call itself stays, anonymous, for the tenant's figures."""

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from calls.models import Call, CallFeedback, CallNote, CallTurn, ShareLink
from calls.services import recordings
from compliance.privacy import as_json, row
from compliance.subject_data import Holder, Subject


def _calls(subject: Subject):
    about = Q(from_number=subject.phone) | Q(to_number=subject.phone) if subject.phone else Q(pk__in=[])
    if subject.contact_id:
        about |= Q(contact_id=subject.contact_id)
    return Call.objects.filter(about)


def export(subject: Subject) -> dict[str, bytes]:
    return _export(_calls(subject))


def export_all() -> dict[str, bytes]:
    return _export(Call.objects.all())


def _export(queryset) -> dict[str, bytes]:
    files, calls = {}, []
    for call in queryset.prefetch_related("turns", "notes", "feedback").order_by("created_at", "id"):
        calls.append(
            {
                **row(call, exclude={"search_vector", "state", "idempotency_key"}),
                "consent": {"recording_consent": call.recording_consent, "answered_at": call.recording_consent_at},
                "turns": [row(turn) for turn in call.turns.all()],
                "notes": [row(note) for note in call.notes.all()],
                "feedback": [row(feedback) for feedback in call.feedback.all()],
            }
        )
        if call.recording_file:
            with recordings.storage().open(call.recording_file, "rb") as audio:
                files[f"recordings/call-{call.pk}.mp3"] = audio.read()
    files["calls.json"] = as_json(calls)
    return files


def erase(subject: Subject) -> int:
    calls = list(_calls(subject).only("pk", "from_number", "to_number", "recording_sid", "recording_file"))
    ids = [call.pk for call in calls]
    with transaction.atomic():
        for call in calls:
            recordings.remove_audio(call)
        CallTurn.objects.filter(call_id__in=ids).delete()
        CallNote.objects.filter(call_id__in=ids).delete()
        CallFeedback.objects.filter(call_id__in=ids).delete()
        ShareLink.objects.filter(call_id__in=ids).delete()
        anonymous = {
            "contact": None,
            "transcript": "",
            "search_vector": None,
            "summary": "",
            "extraction": {},
            "contact_variables": {},
            "state": {},
            "action_log": [],
        }
        Call.objects.filter(pk__in=ids).update(**anonymous)
        Call.objects.filter(pk__in=ids, from_number=subject.phone).update(from_number="")
        Call.objects.filter(pk__in=ids, to_number=subject.phone).update(to_number="")
    return len(ids)


def purge(cutoff) -> int:
    """Recordings and transcripts of the calls made before `cutoff` (the tenant's retention period)."""
    old = Call.objects.filter(created_at__lt=cutoff).filter(
        ~Q(recording_sid="")
        | ~Q(recording_url="")
        | ~Q(recording_file="")
        | ~Q(transcript="")
        | Exists(CallTurn.objects.filter(call=OuterRef("pk")))
    )
    calls = list(old.only("pk", "recording_sid", "recording_url", "recording_file"))
    ids = [call.pk for call in calls]
    with transaction.atomic():
        for call in calls:
            recordings.remove_audio(call)
        CallTurn.objects.filter(call_id__in=ids).delete()
        Call.objects.filter(pk__in=ids).update(transcript="", search_vector=None)
    return len(ids)


HOLDER = Holder(name="calls", export=export, erase=erase, purge=purge, export_all=export_all)
