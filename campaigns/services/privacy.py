"""What campaigns hold about a data subject (`compliance.subject_data`): the dial attempts to them. Erasure cancels
those still to be dialed and blanks the number of every one."""

from django.db.models import Q

from campaigns.models import Attempt
from compliance.privacy import as_json, row
from compliance.subject_data import Holder, Subject


def _attempts(subject: Subject):
    about = Q(number=subject.phone) if subject.phone else Q(pk__in=[])
    if subject.contact_id:
        about |= Q(contact_id=subject.contact_id)
    return Attempt.objects.filter(about)


def export(subject: Subject) -> dict[str, bytes]:
    return _export(_attempts(subject))


def export_all() -> dict[str, bytes]:
    return _export(Attempt.objects.order_by("id"))


def _export(attempts) -> dict[str, bytes]:
    return {"campaign_attempts.json": as_json([row(each) for each in attempts])}


def erase(subject: Subject) -> int:
    attempts = _attempts(subject)
    attempts.filter(status=Attempt.Status.PENDING).update(status=Attempt.Status.CANCELLED)
    return attempts.update(contact=None, number="", detail="")


HOLDER = Holder(name="campaign_attempts", export=export, erase=erase, export_all=export_all)
