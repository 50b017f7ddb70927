"""Compliance rules every dial goes through: Do-Not-Call lists (the tenant's own and its agency's), calling
hours in the recipient's time zone, opt-outs; and the audit log."""
from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from calls.numbers import to_e164
from compliance import hours, selectors
from compliance.models import AuditEvent, ComplianceSettings, DncEntry
from config.api.errors import DomainError, Forbidden


def record_audit_event(*, action, actor=None, target="", data=None) -> AuditEvent:
    """Writes in the current tenant's schema; on the public schema the table does not exist."""
    return AuditEvent.objects.create(
        action=action,
        actor_id=getattr(actor, "pk", None),
        actor_label=getattr(actor, "email", "") or "",
        target=target,
        data=data or {},
    )


class OnDncList(Forbidden):
    error_code = "on_dnc_list"


class OutsideCallingHours(Forbidden):
    """`retry_at` is when the recipient may be called (also in `errors["retry_at"]` and Retry-After)."""

    error_code = "outside_calling_hours"

    def __init__(self, detail, *, retry_at: datetime | None, **kwargs):
        super().__init__(detail, **kwargs)
        self.retry_at = retry_at


def _e164(number: str, *, field_name: str) -> str:
    try:
        return to_e164(number)
    except ValueError as exc:
        raise DomainError(str(exc), error_code="invalid_number", errors={field_name: [str(exc)]}) from exc


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


# DNC lists ------------------------------------------------------------------------------------


def dnc_matches(numbers: Iterable[str], *, tenant=None) -> list[tuple[str, str]]:
    """(number, "own" | "agency") for each given number on a DNC list that applies to the tenant. One
    set-based query: the numbers are unnested once and joined to each list's unique index."""
    numbers = list(set(numbers))
    if not numbers:
        return []
    table = _quote(DncEntry._meta.db_table)
    lists = selectors.dnc_lists(selectors.current_tenant(tenant))
    joins = " UNION ALL ".join(
        f"SELECT d.number, '{label}' FROM asked JOIN {_quote(schema)}.{table} AS d ON d.number = asked.number"
        for label, schema in lists
    )
    with connection.cursor() as cursor:
        cursor.execute(f"WITH asked AS MATERIALIZED (SELECT unnest(%s::text[]) AS number) {joins}", [numbers])
        return cursor.fetchall()


def blocked_numbers(numbers: Iterable[str], *, tenant=None) -> set[str]:
    """The subset of the given E.164 numbers on the tenant's or its agency's DNC list."""
    return {number for number, _ in dnc_matches(numbers, tenant=tenant)}


def add_dnc_entry(number: str, *, source=DncEntry.Source.MANUAL, reason="", actor=None) -> tuple[DncEntry, bool]:
    """Idempotent: a number already listed keeps its entry. Returns (entry, created)."""
    number = _e164(number, field_name="number")
    with transaction.atomic():
        entry, created = DncEntry.objects.get_or_create(number=number, defaults={"source": source, "reason": reason})
        if created:
            record_audit_event(action="dnc.added", actor=actor, target=number,
                               data={"source": source, "reason": reason})
    return entry, created


def opt_out(number: str, *, source, reason="", actor=None) -> DncEntry:
    """The recipient asked not to be called again (spoken or DTMF during a call, or through the API): the
    number joins the tenant's DNC list at once. Repeating it changes nothing."""
    if source not in DncEntry.Source.values:
        raise ValueError(f"Unknown DNC source {source!r}.")
    entry, _ = add_dnc_entry(number, source=source, reason=reason, actor=actor)
    return entry


def remove_dnc_entry(entry: DncEntry, *, actor=None) -> None:
    with transaction.atomic():
        entry.delete()
        record_audit_event(action="dnc.removed", actor=actor, target=entry.number,
                           data={"source": entry.source, "reason": entry.reason})


# Calling hours ------------------------------------------------------------------------------


def next_allowed_dial_time(number: str, *, at: datetime, timezone_hint: str = "", tenant=None) -> datetime:
    """The earliest instant >= `at` inside the tenant's calling window in the recipient's time zone (every
    zone the number may be in, unless `timezone_hint` names the recipient's). Raises `no_calling_window`
    when those zones share no window in the coming week."""
    tenant = selectors.current_tenant(tenant)
    number = _e164(number, field_name="to")
    zones = hours.recipient_zones(number, timezone_hint=timezone_hint, fallback=tenant.timezone)
    allowed = hours.next_open(at, zones, selectors.calling_window(tenant))
    if allowed is None:
        raise Forbidden(
            f"{number} may be in time zones ({', '.join(zones)}) that share no calling hours; "
            "give the contact a time zone.",
            error_code="no_calling_window", errors={"timezone": ["Needed to find this number's calling hours."]},
        )
    return allowed


def check_dial(number: str, *, tenant=None, at: datetime | None = None, timezone_hint: str = "") -> None:
    """Refuses (403) a dial the compliance rules forbid: `on_dnc_list`, `outside_calling_hours` (with
    `retry_at`) or `no_calling_window`."""
    tenant = selectors.current_tenant(tenant)
    number = _e164(number, field_name="to")
    if blocked_numbers([number], tenant=tenant):
        raise OnDncList(f"{number} is on the Do-Not-Call list.", errors={"to": ["On the Do-Not-Call list."]})
    at = at or timezone.now()
    allowed = next_allowed_dial_time(number, at=at, timezone_hint=timezone_hint, tenant=tenant)
    if allowed > at:
        retry_at = allowed.isoformat()
        raise OutsideCallingHours(
            f"It is outside calling hours for {number}; calling is allowed from {retry_at}.",
            retry_at=allowed, errors={"to": ["Outside calling hours."], "retry_at": [retry_at]},
            headers={"Retry-After": str(max(1, int((allowed - at).total_seconds())))},
        )


def update_settings(*, calling_window_start, calling_window_end, calling_days, actor=None) -> ComplianceSettings:
    with transaction.atomic():
        settings, _ = ComplianceSettings.objects.select_for_update().get_or_create(singleton=True)
        settings.calling_window_start = calling_window_start
        settings.calling_window_end = calling_window_end
        settings.calling_days = list(calling_days)
        settings.save()
        record_audit_event(action="compliance.settings_updated", actor=actor, target="calling_window", data={
            "calling_window_start": f"{calling_window_start:%H:%M}",
            "calling_window_end": f"{calling_window_end:%H:%M}", "calling_days": settings.calling_days,
        })
    return settings
