"""What outgoing webhooks hold about a data subject (`compliance.subject_data`): the deliveries whose payload names
their number or email address (an opt-out event carries the number). Erasure deletes those deliveries and their log."""

from django.db.models import Q, TextField
from django.db.models.functions import Cast

from compliance.privacy import as_json, row
from compliance.subject_data import Holder, Subject
from webhooks.models import Delivery


def _deliveries(subject: Subject):
    named = Q(pk__in=[])
    for value in (subject.phone, subject.email):
        if value:
            named |= Q(payload_text__icontains=value)
    return Delivery.objects.annotate(payload_text=Cast("payload", TextField())).filter(named)


def export(subject: Subject) -> dict[str, bytes]:
    deliveries = _deliveries(subject).defer("signing_secret")
    return {"webhook_deliveries.json": as_json([row(each, exclude={"signing_secret"}) for each in deliveries])}


def erase(subject: Subject) -> int:
    deleted, _ = Delivery.objects.filter(pk__in=_deliveries(subject).values("pk")).delete()
    return deleted


HOLDER = Holder(name="webhook_deliveries", export=export, erase=erase)
