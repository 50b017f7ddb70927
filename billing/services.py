"""Usage metering: the only writer of `UsageRecord`."""
from django.utils import timezone

from billing.models import UsageRecord


def call_usage_key(tenant, call_id) -> str:
    return f"{tenant.schema_name}:call:{call_id}"


def record_call_usage(tenant, call) -> UsageRecord | None:
    """The billable seconds of a finished call (`call.billable_seconds`), idempotent: one INSERT .. ON CONFLICT
    on the call's key, so a repeated analysis or a duration Twilio corrected later updates the same row.
    A call with nothing billable adds no row (but zeroes one recorded before)."""
    key = call_usage_key(tenant, call.pk)
    quantity = call.billable_seconds or 0
    if quantity == 0:
        UsageRecord.objects.filter(idempotency_key=key).update(quantity=0, updated_at=timezone.now())
        return None
    record = UsageRecord(tenant=tenant, kind=UsageRecord.Kind.CALL_SECONDS, quantity=quantity, call_id=call.pk,
                         idempotency_key=key, occurred_at=call.started_at or call.created_at)
    UsageRecord.objects.bulk_create([record], update_conflicts=True, unique_fields=["idempotency_key"],
                                    update_fields=["quantity", "occurred_at", "updated_at"])
    return record
