"""The tenant's webhook endpoints: created with a secret shown once, changed, removed."""

from django.db import transaction
from django.utils import timezone

from config.celery import enqueue_on_commit
from webhooks import signing
from webhooks.models import Delivery, Endpoint
from webhooks.services.deliveries import DELIVER_TASK


def create_endpoint(*, url: str, event_types: list[str], description: str = "", is_active: bool = True) -> Endpoint:
    """The new endpoint, whose `secret` is readable this once (the API shows it in the creation's answer only)."""
    return Endpoint.objects.create(
        url=url,
        event_types=sorted(set(event_types)),
        description=description,
        is_active=is_active,
        secret=signing.new_secret(),
    )


@transaction.atomic
def update_endpoint(endpoint: Endpoint, **changes) -> Endpoint:
    """Changes url, event_types, description or is_active. Turning an endpoint back on forgets its failures, and its
    deliveries still pending are sent again from now."""
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    if "event_types" in changes:
        changes["event_types"] = sorted(set(changes["event_types"]))
    reactivated = changes.get("is_active") is True and not endpoint.is_active
    for field, value in changes.items():
        setattr(endpoint, field, value)
    if reactivated:
        endpoint.failing_since = endpoint.disabled_at = None
        endpoint.disabled_reason = ""
        pending = Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.PENDING)
        pending.update(next_attempt_at=timezone.now())
        for delivery_id in pending.values_list("pk", flat=True):
            enqueue_on_commit(DELIVER_TASK, delivery_id)
    endpoint.save()
    return endpoint


def rotate_secret(endpoint: Endpoint) -> Endpoint:
    """A new secret, readable this once; the old one signs nothing from now on."""
    endpoint.secret = signing.new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint


def delete_endpoint(endpoint: Endpoint) -> None:
    endpoint.delete()
