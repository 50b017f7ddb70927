"""Phone numbers across tenants: a number is used by one tenant at a time (`PhoneNumberClaim`, public schema).

The calls app claims a number in the same transaction that imports or buys it, and releases it when the
number is removed; Twilio's webhooks check the claim, so a number is only ever answered for its tenant.
"""

from django.db import IntegrityError, transaction

from config.errors import Conflict
from tenants.models import PhoneNumberClaim


def claim(tenant, number: str) -> PhoneNumberClaim:
    """The tenant's claim on `number` (kept if it has it already); 409 `number_taken` if another tenant has it."""
    try:
        with transaction.atomic():
            claimed, _ = PhoneNumberClaim.objects.get_or_create(number=number, defaults={"tenant": tenant})
    except IntegrityError:  # claimed concurrently
        claimed = PhoneNumberClaim.objects.get(number=number)
    if claimed.tenant_id != tenant.pk:
        raise Conflict(
            f"{number} is used by another account on this platform.",
            error_code="number_taken",
            errors={"number": ["Used by another account."]},
        )
    return claimed


def release(tenant, number: str) -> None:
    """`tenant` may be django-tenants' stand-in for a schema: the claim is found by schema name."""
    PhoneNumberClaim.objects.filter(number=number, tenant__schema_name=tenant.schema_name).delete()


def is_claimed_by(tenant, number: str) -> bool:
    return PhoneNumberClaim.objects.filter(number=number, tenant=tenant).exists()
