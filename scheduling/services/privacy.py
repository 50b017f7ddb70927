"""What scheduling holds about a data subject (`compliance.subject_data`): their appointments. Erasure blanks who the
appointment is with (the slot stays booked or cancelled as it was, so calendars keep their shape)."""

from django.db.models import Q

from compliance.privacy import as_json, row
from compliance.subject_data import Holder, Subject
from scheduling.models import Appointment


def _appointments(subject: Subject):
    about = Q(contact_phone=subject.phone) if subject.phone else Q(pk__in=[])
    if subject.contact_id:
        about |= Q(contact_id=subject.contact_id)
    if subject.email:
        about |= Q(contact_email__iexact=subject.email)
    return Appointment.objects.filter(about)


def export(subject: Subject) -> dict[str, bytes]:
    return _export(_appointments(subject))


def export_all() -> dict[str, bytes]:
    return _export(Appointment.objects.order_by("id"))


def _export(appointments) -> dict[str, bytes]:
    return {"appointments.json": as_json([row(each, exclude={"blocked"}) for each in appointments])}


def erase(subject: Subject) -> int:
    return _appointments(subject).update(
        contact=None,
        contact_name="",
        contact_phone="",
        contact_email="",
        attendees=[],
        title="Appointment",
        description="",
        cancel_reason="",
    )


HOLDER = Holder(name="appointments", export=export, erase=erase, export_all=export_all)
