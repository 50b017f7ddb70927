"""Compliance rules every dial goes through: Do-Not-Call lists (the tenant's own and its agency's), calling
hours in the recipient's time zone, opt-outs; and the audit log."""

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from compliance import dnc_csv, selectors
from compliance.models import AuditEvent, ComplianceSettings, DncEntry, DncImport
from config import audit
from config.celery import enqueue_on_commit
from config.errors import DomainError, Forbidden, TooLarge
from config.events import publish
from config.phone_numbers import to_e164


def record_audit_event(*, action, actor=None, target="", data=None) -> AuditEvent:
    """Writes in the current tenant's schema (on the public schema the table does not exist), with the origin of
    the request under way (`config.audit.origin`). Call it inside the transaction of the change it records."""
    origin = audit.origin()
    return AuditEvent.objects.create(
        action=action,
        actor_id=getattr(actor, "pk", None),
        actor_label=getattr(actor, "email", "") or "",
        api_key_id=origin.api_key_id,
        api_key_label=origin.api_key_label,
        ip=origin.ip,
        user_agent=origin.user_agent,
        request_id=origin.request_id,
        target=str(target)[:200],
        data=data or {},
    )


def write_audit_entry(tenant, *, action, actor=None, target="", data=None) -> AuditEvent:
    """`config.audit`'s writer: an entry in `tenant`'s log, whatever schema the connection is on."""
    if tenant.schema_name == connection.schema_name:
        return record_audit_event(action=action, actor=actor, target=target, data=data)
    with tenant_context(tenant):
        return record_audit_event(action=action, actor=actor, target=target, data=data)


class OnDncList(Forbidden):
    error_code = "on_dnc_list"


class OutsideCallingHours(Forbidden):
    """`retry_at` is when the recipient may be called (also in `errors["retry_at"]`)."""

    error_code = "outside_calling_hours"

    def __init__(self, detail, *, retry_at: datetime | None, retry_after_seconds: int | None = None, **kwargs):
        super().__init__(detail, **kwargs)
        self.retry_at, self.retry_after_seconds = retry_at, retry_after_seconds


def _e164(number: str, *, field_name: str) -> str:
    try:
        return to_e164(number)
    except ValueError as exc:
        raise DomainError(str(exc), error_code="invalid_number", errors={field_name: [str(exc)]}) from exc


# DNC lists ------------------------------------------------------------------------------------


def blocked_numbers(numbers: Iterable[str], *, tenant=None) -> set[str]:
    """The subset of the given E.164 numbers on the tenant's or its agency's DNC list."""
    return {number for number, _ in selectors.dnc_matches(numbers, tenant=tenant)}


def add_dnc_entry(
    number: str, *, source=DncEntry.Source.MANUAL, reason="", actor=None, call_id=None
) -> tuple[DncEntry, bool]:
    """Idempotent: a number already listed keeps its entry. Returns (entry, created)."""
    number = _e164(number, field_name="number")
    with transaction.atomic():
        entry, created = DncEntry.objects.get_or_create(
            number=number, defaults={"source": source, "reason": reason, "call_id": call_id}
        )
        if created:
            data = {"source": source, "reason": reason}
            if call_id is not None:
                data["call_id"] = call_id
            record_audit_event(action="dnc.added", actor=actor, target=number, data=data)
    return entry, created


def opt_out(number: str, *, source, reason="", actor=None, call_id=None) -> DncEntry:
    """The recipient asked not to be called again (spoken or DTMF during call `call_id`, or through the API): the
    number joins the tenant's DNC list at once. Repeating it changes nothing."""
    if source not in DncEntry.Source.values:
        raise ValueError(f"Unknown DNC source {source!r}.")
    with transaction.atomic():
        entry, created = add_dnc_entry(
            number, source=source, reason=reason[:REASON_MAX_LENGTH], actor=actor, call_id=call_id
        )
        if created:
            publish("contact.opted_out", {"number": entry.number, "source": source, "reason": reason})
    return entry


def remove_dnc_entry(entry: DncEntry, *, actor=None) -> None:
    with transaction.atomic():
        entry.delete()
        record_audit_event(
            action="dnc.removed",
            actor=actor,
            target=entry.number,
            data={"source": entry.source, "reason": entry.reason},
        )


# Calling hours ------------------------------------------------------------------------------


def next_allowed_dial_time(number: str, *, at: datetime, timezone_hint: str = "", tenant=None) -> datetime:
    """The earliest instant >= `at` inside the tenant's calling window in the recipient's time zone (every
    zone the number may be in, unless `timezone_hint` names the recipient's). Raises `no_calling_window`
    when those zones share no window in the coming week."""
    number = _e164(number, field_name="to")
    zones, allowed = selectors.calling_hours(number, at=at, timezone_hint=timezone_hint, tenant=tenant)
    if allowed is None:
        raise Forbidden(
            f"{number} may be in time zones ({', '.join(zones)}) that share no calling hours; "
            "give the contact a time zone.",
            error_code="no_calling_window",
            errors={"timezone": ["Needed to find this number's calling hours."]},
        )
    return allowed


def check_dial(number: str, *, tenant=None, at: datetime | None = None, timezone_hint: str = "") -> str:
    """The number in E.164 when the compliance rules allow dialing it; refuses `invalid_number` (400), or (403)
    `on_dnc_list`, `outside_calling_hours` (with `retry_at`) or `no_calling_window`."""
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
            retry_at=allowed,
            errors={"to": ["Outside calling hours."], "retry_at": [retry_at]},
            retry_after_seconds=max(1, int((allowed - at).total_seconds())),
        )
    return number


_KEPT = object()


def update_settings(
    *,
    calling_window_start,
    calling_window_end,
    calling_days,
    opt_out_digit=None,
    record_calls=None,
    recording_disclosure=None,
    retention_days=_KEPT,
    redact_pii=None,
    actor=None,
) -> ComplianceSettings:
    """`opt_out_digit`, `record_calls`, `recording_disclosure`, `redact_pii`: None keeps the current value; `retention_days` when not given
    (None means keep recordings and transcripts for ever)."""
    with transaction.atomic():
        settings, _ = ComplianceSettings.objects.select_for_update().get_or_create(singleton=True)
        settings.calling_window_start = calling_window_start
        settings.calling_window_end = calling_window_end
        settings.calling_days = list(calling_days)
        if opt_out_digit is not None:
            settings.opt_out_digit = opt_out_digit
        if record_calls is not None:
            settings.record_calls = record_calls
        if recording_disclosure is not None:
            settings.recording_disclosure = recording_disclosure
        if retention_days is not _KEPT:
            settings.retention_days = retention_days
        if redact_pii is not None:
            settings.redact_pii = redact_pii
        settings.save()
        record_audit_event(
            action="compliance.settings_updated",
            actor=actor,
            target="calling_window",
            data={
                "calling_window_start": f"{calling_window_start:%H:%M}",
                "calling_window_end": f"{calling_window_end:%H:%M}",
                "calling_days": settings.calling_days,
                "opt_out_digit": settings.opt_out_digit,
                "record_calls": settings.record_calls,
                "recording_disclosure": settings.recording_disclosure,
                "retention_days": settings.retention_days,
                "redact_pii": settings.redact_pii,
            },
        )
    return settings


# Import -------------------------------------------------------------------------------------

MAX_IMPORT_ROWS = 1_000_000
MAX_REPORTED_ERRORS = 1_000
REASON_MAX_LENGTH = DncEntry._meta.get_field("reason").max_length


class ImportTooLarge(TooLarge):
    error_code = "import_too_large"


@dataclass
class ImportReport:
    rows: int = 0
    added: int = 0
    already_listed: int = 0  # on the list before, or repeated in the upload
    invalid: int = 0
    errors: list[dict] = field(default_factory=list)  # {"row", "value", "error"}, the first MAX_REPORTED_ERRORS

    @property
    def errors_truncated(self) -> bool:
        return self.invalid > len(self.errors)


def import_dnc(rows: Iterable[tuple[int, str, str]], *, source=DncEntry.Source.IMPORT, actor=None) -> ImportReport:
    """Adds the valid rows of (row number, number, reason) to the tenant's DNC list; each bad row is reported
    and skipped. Streams the rows through COPY into a temporary table, then one INSERT ... ON CONFLICT DO
    NOTHING: a million numbers without a million statements. All or nothing when the upload itself is bad."""
    selectors.current_tenant()
    report = ImportReport()
    table = selectors.quote(DncEntry._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE dnc_import (number text, reason text) ON COMMIT DROP")
        with cursor.copy("COPY dnc_import (number, reason) FROM STDIN") as copy:
            for row, value, reason in rows:
                report.rows += 1
                if report.rows > MAX_IMPORT_ROWS:
                    raise ImportTooLarge(
                        f"At most {MAX_IMPORT_ROWS:,} rows per import.",
                        errors={"file": [f"More than {MAX_IMPORT_ROWS:,} rows."]},
                    )
                number, problem = _import_row(value, reason)
                if problem:
                    report.invalid += 1
                    if len(report.errors) < MAX_REPORTED_ERRORS:
                        report.errors.append({"row": row, "value": value[:40], "error": problem})
                else:
                    copy.write_row((number, reason))
        cursor.execute(
            f"INSERT INTO {table} (number, source, reason, created_at) SELECT number, %s, reason, now() "
            "FROM dnc_import ON CONFLICT (number) DO NOTHING",
            [source],
        )
        report.added = cursor.rowcount
        # Dropped now rather than at commit, in case the caller's transaction goes on to import again.
        cursor.execute("DROP TABLE dnc_import")
        report.already_listed = report.rows - report.invalid - report.added
        record_audit_event(
            action="dnc.imported",
            actor=actor,
            target=source,
            data={
                "rows": report.rows,
                "added": report.added,
                "already_listed": report.already_listed,
                "invalid": report.invalid,
            },
        )
    return report


def _import_row(value: str, reason: str) -> tuple[str, str]:
    """(the number in E.164, "") or ("", what is wrong with the row)."""
    if not value:
        return "", "No number."
    if "\x00" in value or "\x00" in reason:
        return "", "Contains a NUL character."
    if len(reason) > REASON_MAX_LENGTH:
        return "", f"The reason is longer than {REASON_MAX_LENGTH} characters."
    try:
        return to_e164(value), ""
    except ValueError as exc:
        return "", str(exc)


def start_dnc_import(content: bytes, *, filename="", actor=None) -> DncImport:
    """Queues the import of a large CSV upload; its report lands on the returned DncImport when done."""
    job = DncImport.objects.create(filename=filename[:200], payload=content, created_by_id=getattr(actor, "pk", None))
    enqueue_on_commit("compliance.run_dnc_import", job.pk)
    return job


def run_dnc_import(job_id: int) -> DncImport:
    """Imports a queued upload. A task redelivered after a lost worker imports again (the import is one
    transaction and skips listed numbers); a finished one is left alone."""
    from accounts.models import User

    job = DncImport.objects.get(pk=job_id)
    if job.status in (DncImport.Status.DONE, DncImport.Status.FAILED):
        return job
    DncImport.objects.filter(pk=job_id).update(status=DncImport.Status.RUNNING)
    actor = User.objects.filter(pk=job.created_by_id).first() if job.created_by_id else None
    try:
        report = import_dnc(dnc_csv.read_rows(io.BytesIO(bytes(job.payload))), actor=actor)
    except DomainError as exc:
        job.status, job.error_code, job.detail = DncImport.Status.FAILED, exc.error_code, str(exc.detail)[:300]
    else:
        job.status = DncImport.Status.DONE
        job.rows, job.added, job.already_listed = report.rows, report.added, report.already_listed
        job.invalid, job.errors = report.invalid, report.errors
    job.payload, job.finished_at = b"", timezone.now()
    job.save()
    return job
