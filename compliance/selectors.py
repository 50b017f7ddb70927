from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django_tenants.utils import tenant_context

from compliance import hours
from compliance.hours import CallingWindow
from compliance.models import AuditEvent, ComplianceSettings, DataExport, DncEntry, DncImport, Erasure
from config.errors import DomainError, NotFound
from tenants.selectors import is_public

# `compliance.privacy.number_hash` in SQL: the salt is the statement's parameter.
ERASED_NUMBER_SQL = "encode(sha256(convert_to(%s || {number}, 'UTF8')), 'hex')"


def current_tenant(tenant=None):
    """The given tenant or the connection's; fails closed on the public schema (no DNC list there)."""
    tenant = tenant or getattr(connection, "tenant", None)
    if is_public(tenant):
        raise DomainError("No tenant chosen.", error_code="tenant_required")
    return tenant


def dnc_lists(tenant) -> list[tuple[str, str]]:
    """(label, schema) of every DNC list that applies to the tenant's calls: its own, then its agency's."""
    lists = [("own", tenant.schema_name)]
    if tenant.parent_id:
        lists.append(("agency", tenant.parent.schema_name))
    return lists


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def dnc_matches(numbers: Iterable[str], *, tenant=None) -> list[tuple[str, str]]:
    """(number, "own" | "agency") for each given E.164 number on a DNC list that applies to the tenant. One
    set-based query whatever the count: the numbers are unnested once and joined to each list's unique index."""
    numbers = list(set(numbers))
    if not numbers:
        return []
    table = quote(DncEntry._meta.db_table)
    joins, params = [], []
    for label, schema in dnc_lists(current_tenant(tenant)):
        dnc = f"{quote(schema)}.{table}"
        joins.append(f"SELECT d.number, '{label}' FROM asked JOIN {dnc} AS d ON d.number = asked.number")
        # Numbers of erased contacts, kept as hashes: hashed only when the list holds any (a one-time filter).
        joins.append(
            f"SELECT asked.number, '{label}' FROM asked JOIN {dnc} AS d "
            f"ON d.number IS NULL AND d.number_hash = {ERASED_NUMBER_SQL.format(number='asked.number')} "
            f"WHERE EXISTS (SELECT FROM {dnc} WHERE number IS NULL)"
        )
        params.append(settings.ERASURE_HASH_SALT)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH asked AS MATERIALIZED (SELECT unnest(%s::text[]) AS number) {' UNION ALL '.join(joins)}",
            [numbers, *params],
        )
        return cursor.fetchall()


def compliance_settings(tenant=None) -> ComplianceSettings:
    """The tenant's settings row, or the defaults (TCPA 08:00–21:00 every day) when none is saved yet."""
    tenant = current_tenant(tenant)
    if tenant.schema_name == connection.schema_name:
        return ComplianceSettings.objects.first() or ComplianceSettings()
    with tenant_context(tenant):
        return ComplianceSettings.objects.first() or ComplianceSettings()


def calling_window(tenant=None) -> CallingWindow:
    settings = compliance_settings(tenant)
    return CallingWindow(settings.calling_window_start, settings.calling_window_end, frozenset(settings.calling_days))


def calling_hours(number: str, *, at: datetime, timezone_hint: str = "", tenant=None):
    """(the recipient's possible zones, the earliest instant >= `at` inside the tenant's window in all of them
    or None when they share none) for an E.164 number."""
    tenant = current_tenant(tenant)
    zones = hours.recipient_zones(number, timezone_hint=timezone_hint, fallback=tenant.timezone)
    return zones, hours.next_open(at, zones, calling_window(tenant))


def dnc_entries(*, search: str = ""):
    """The current tenant's DNC list, newest first; `search` matches the start of the number's digits."""
    entries = DncEntry.objects.all()
    digits = "".join(ch for ch in search if ch.isdigit())
    if digits:
        entries = entries.filter(number__startswith="+" + digits)
    return entries


def get_dnc_entry(entry_id) -> DncEntry:
    entry = DncEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        raise NotFound("No such DNC entry.")
    return entry


def dnc_imports():
    return DncImport.objects.defer("payload")


def get_dnc_import(job_id) -> DncImport:
    job = dnc_imports().filter(pk=job_id).first()
    if job is None:
        raise NotFound("No such DNC import.")
    return job


def audit_entries(*, actor=None, api_key=None, action="", target="", since=None, until=None):
    """The current tenant's audit log, newest first. `actor`: a user id or an email; `action`: exact, or every
    action of a kind with a trailing dot (`dnc.`); `since` inclusive, `until` exclusive."""
    entries = AuditEvent.objects.annotate(
        # An entry about an erased contact's number (the log is append-only) is shown without its target and data.
        erased=RawSQL(
            f"EXISTS (SELECT FROM {quote(Erasure._meta.db_table)} AS e WHERE e.number_hash = "
            f"{ERASED_NUMBER_SQL.format(number=quote(AuditEvent._meta.db_table) + '.target')})",
            [settings.ERASURE_HASH_SALT],
            output_field=BooleanField(),
        )
    )
    if actor is not None:
        entries = entries.filter(actor_id=actor) if isinstance(actor, int) else entries.filter(actor_label=actor)
    if api_key is not None:
        entries = entries.filter(api_key_id=api_key)
    if action:
        entries = entries.filter(action__startswith=action) if action.endswith(".") else entries.filter(action=action)
    if target:
        entries = entries.filter(target=target, erased=False)
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    if until is not None:
        entries = entries.filter(created_at__lt=until)
    return entries


# The audit log's columns, as the API, its CSV export and the admin show them.
AUDIT_COLUMNS = [
    "id",
    "created_at",
    "actor_id",
    "actor_label",
    "api_key_id",
    "api_key_label",
    "ip",
    "user_agent",
    "request_id",
    "action",
    "target",
    "data",
]


def get_export(export_id) -> DataExport:
    export = DataExport.objects.filter(pk=export_id).first()
    if export is None:
        raise NotFound("No such export.")
    return export


def data_exports():
    """The tenant's exports, newest first."""
    return DataExport.objects.all()
