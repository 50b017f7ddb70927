"""Data subjects' rights and retention, the services behind them: an export of everything held about a contact or a
user (a zip built by a task, fetched once by its requester through a signed, expiring link), the erasure of a contact
(nothing about it retrievable afterwards, its number kept only as a hash on the DNC list), and the tenant's retention
period for recordings and transcripts. What the apps above compliance hold is reached through `subject_data`."""

import hashlib
import io
import json
import secrets
import zipfile
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from compliance import selectors, subject_data
from compliance.models import DataExport, DncEntry, Erasure
from compliance.services import record_audit_event
from config.celery import enqueue_on_commit
from config.errors import DomainError, Forbidden, NotFound
from config.phone_numbers import to_e164

BUILD_EXPORT_TASK = "compliance.build_export"
_LINK_SALT = "compliance.export-link"


def number_hash(number: str) -> str:
    """What an erased number is kept as. Salted with a secret, as phone numbers are few enough to hash them all;
    `selectors.ERASED_NUMBER_SQL` computes the same in PostgreSQL."""
    return hashlib.sha256(f"{settings.ERASURE_HASH_SALT}{number}".encode()).hexdigest()


def as_json(value) -> bytes:
    return json.dumps(value, cls=DjangoJSONEncoder, indent=2, sort_keys=True).encode()


def row(obj, *, exclude=()) -> dict:
    """A model row as plain values, for an export."""
    return {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if field.attname not in exclude and field.name not in exclude
    }


def exports_storage():
    return storages["exports"]


# Export -------------------------------------------------------------------------------------------


def request_export(*, kind: str, subject_id: int | None = None, actor) -> DataExport:
    """Checks the subject exists in this tenant (a tenant's export: that the actor is its owner), then queues the
    build; audited."""
    if kind == DataExport.Kind.TENANT:
        subject_id = connection.tenant.pk
        _check_may_export_tenant(actor)
    _subject_files(kind, subject_id, check_only=True)
    with transaction.atomic():
        export = DataExport.objects.create(kind=kind, subject_id=subject_id, requested_by_id=actor.pk)
        record_audit_event(
            action=f"{kind}.export_requested", actor=actor, target=f"{kind}:{subject_id}", data={"export": export.pk}
        )
        enqueue_on_commit(BUILD_EXPORT_TASK, export.pk)
    return export


def build_export(export_id: int) -> DataExport:
    """The zip of everything held, into the exports storage; the link is good for `DATA_EXPORT_TTL` from then."""
    export = DataExport.objects.get(pk=export_id)
    if export.status != DataExport.Status.PENDING:
        return export
    try:
        files = _subject_files(export.kind, export.subject_id)
    except NotFound as exc:
        export.status, export.detail = DataExport.Status.FAILED, str(exc.detail)[:300]
        export.save(update_fields=["status", "detail"])
        return export
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in sorted(files.items()):
            archive.writestr(path, content)
    name = f"{connection.schema_name}/export-{export.pk}-{secrets.token_hex(8)}.zip"
    name = exports_storage().save(name, ContentFile(buffer.getvalue()))
    now = timezone.now()
    export.status, export.file, export.size = DataExport.Status.READY, name, buffer.tell()
    export.ready_at, export.expires_at = now, now + settings.DATA_EXPORT_TTL
    export.save()
    return export


def _subject_files(kind: str, subject_id: int, *, check_only=False) -> dict[str, bytes]:
    if kind == DataExport.Kind.CONTACT:
        return _contact_files(subject_id, check_only=check_only)
    if kind == DataExport.Kind.USER:
        return _user_files(subject_id, check_only=check_only)
    if kind == DataExport.Kind.TENANT:
        return {} if check_only else _tenant_files()
    raise DomainError(f"Unknown kind {kind!r}.", errors={"kind": ["Unknown."]})


def _contact_files(contact_id: int, *, check_only: bool) -> dict[str, bytes]:
    from contacts.models import Contact

    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        raise NotFound("No such contact.", errors={"contact": ["No such contact in this tenant."]})
    if check_only:
        return {}
    subject = subject_data.Subject(contact_id=contact.pk, phone=contact.phone, email=contact.email)
    files = {
        "contact.json": as_json(
            {**row(contact), "lists": list(contact.lists.values_list("name", flat=True).order_by("name"))}
        ),
        "dnc.json": as_json([row(entry) for entry in DncEntry.objects.filter(number=contact.phone)]),
        "audit.json": as_json(
            [
                row(entry)
                for entry in selectors.audit_entries().filter(
                    Q(target=f"contact:{contact.pk}") | Q(target=contact.phone)
                )
            ]
        ),
    }
    for holder in subject_data.holders():
        files.update(holder.export(subject))
    return files


def _user_files(user_id: int, *, check_only: bool) -> dict[str, bytes]:
    from accounts.models import ApiKey, Membership

    membership = Membership.objects.select_related("user").filter(user_id=user_id, tenant=connection.tenant).first()
    if membership is None:
        raise NotFound("No such member.", errors={"user": ["No such member of this tenant."]})
    if check_only:
        return {}
    user = membership.user
    return {
        "user.json": as_json(row(user, exclude={"password"})),
        "membership.json": as_json(row(membership)),
        "api_keys.json": as_json(
            [row(key, exclude={"key_hash"}) for key in ApiKey.objects.filter(created_by=user, tenant=connection.tenant)]
        ),
        "audit.json": as_json(
            [
                row(entry)
                for entry in selectors.audit_entries().filter(Q(actor_id=user.pk) | Q(target=f"user:{user.pk}"))
            ]
        ),
    }


def _check_may_export_tenant(actor) -> None:
    from accounts.roles import role_has
    from accounts.selectors import membership_of

    membership = membership_of(actor, connection.tenant)
    if membership is None or not role_has(membership.role, "tenant.export"):
        raise Forbidden("Only the tenant's owners can export all of its data.", error_code="role_forbidden")


def _tenant_files() -> dict[str, bytes]:
    """Everything the tenant holds: contacts and their lists, the DNC list, the audit log, and what the apps above
    compliance hold (calls with their transcripts and recordings, appointments, ...)."""
    from contacts.models import Contact, ContactList

    files = {
        "contacts.json": as_json(
            [
                {**row(contact), "lists": sorted(each.name for each in contact.lists.all())}
                for contact in Contact.objects.prefetch_related("lists").order_by("id")
            ]
        ),
        "contact_lists.json": as_json([row(each) for each in ContactList.objects.order_by("id")]),
        "dnc.json": as_json([row(entry) for entry in DncEntry.objects.order_by("id")]),
        # As the audit log shows them: an entry about an erased number without its target and data.
        "audit.json": as_json(
            [
                {**row(entry), "target": entry.shown_target, "data": entry.shown_data}
                for entry in selectors.audit_entries().order_by("id")
            ]
        ),
    }
    for holder in subject_data.holders():
        if holder.export_all:
            files.update(holder.export_all())
    return files


def export_link_token(export: DataExport) -> str:
    return signing.dumps({"export": export.pk, "schema": connection.schema_name}, salt=_LINK_SALT)


def take_export(export_id: int, token: str, *, actor) -> tuple[str, bytes]:
    """(file name, the zip) for the requester, once: the file leaves storage as it is handed over. Audited."""
    try:
        signed = signing.loads(token, salt=_LINK_SALT, max_age=settings.DATA_EXPORT_TTL)
    except signing.BadSignature:
        raise Forbidden("This download link is invalid or has expired.", error_code="invalid_link") from None
    if signed != {"export": export_id, "schema": connection.schema_name}:
        raise Forbidden("This download link is invalid or has expired.", error_code="invalid_link")
    with transaction.atomic():
        export = DataExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.requested_by_id != actor.pk:
            raise NotFound("No such export.")
        if export.status != DataExport.Status.READY:
            raise NotFound(f"This export is {export.status}; request a new one.")
        with exports_storage().open(export.file, "rb") as handle:
            content = handle.read()
        exports_storage().delete(export.file)
        export.status, export.file, export.downloaded_at = DataExport.Status.DOWNLOADED, "", timezone.now()
        export.save(update_fields=["status", "file", "downloaded_at"])
        record_audit_event(
            action=f"{export.kind}.exported",
            actor=actor,
            target=f"{export.kind}:{export.subject_id}",
            data={"export": export.pk},
        )
    return f"{export.kind}-{export.subject_id}-export.zip", content


def expire_exports(now=None) -> int:
    """Exports not fetched in time leave storage."""
    expired = 0
    for export in DataExport.objects.filter(status=DataExport.Status.READY, expires_at__lte=now or timezone.now()):
        exports_storage().delete(export.file)
        DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.EXPIRED, file="")
        expired += 1
    return expired


# Erasure ------------------------------------------------------------------------------------------


def erase(*, contact=None, number: str = "", actor=None) -> Erasure:
    """Erases a contact (or whoever called from or was called at `number`): its rows deleted, its calls'
    transcripts and recordings removed, what other rows copied of it blanked, an opted-out number kept only as a
    hash on the DNC list; audited without the erased data. Nothing of it is retrievable afterwards."""
    from contacts.models import Contact

    if contact is None:
        try:
            number = to_e164(number)
        except ValueError as exc:
            raise DomainError(str(exc), error_code="invalid_number", errors={"number": [str(exc)]}) from exc
        contact = Contact.objects.filter(phone=number).first()
    phone = contact.phone if contact else number
    subject = subject_data.Subject(
        contact_id=getattr(contact, "pk", None), phone=phone, email=getattr(contact, "email", "")
    )
    label = f"contact:{contact.pk}" if contact else "number"
    hashed = number_hash(phone)
    with transaction.atomic():
        counts = {holder.name: holder.erase(subject) for holder in subject_data.holders()}
        counts["dnc"] = DncEntry.objects.filter(number=phone).update(number=None, number_hash=hashed, reason="")
        for export in DataExport.objects.filter(kind=DataExport.Kind.CONTACT, subject_id=subject.contact_id or 0):
            if export.file:
                exports_storage().delete(export.file)
        counts["exports"] = (
            DataExport.objects.filter(kind=DataExport.Kind.CONTACT, subject_id=subject.contact_id or 0)
            .exclude(status=DataExport.Status.DOWNLOADED)
            .update(status=DataExport.Status.EXPIRED, file="")
        )
        if contact is not None:
            contact.delete()
            counts["contact"] = 1
        erasure = Erasure.objects.create(
            number_hash=hashed, subject=label, counts=counts, actor_id=getattr(actor, "pk", None)
        )
        record_audit_event(
            action="contact.erased", actor=actor, target=label, data={"erasure": erasure.pk, "counts": counts}
        )
    return erasure


# Retention ----------------------------------------------------------------------------------------


def apply_retention(now=None) -> dict:
    """The tenant's retention period: recordings and transcripts of calls older than it are deleted (audited with
    the counts), and exports not fetched in time leave storage."""
    now = now or timezone.now()
    result = {"expired_exports": expire_exports(now)}
    days = selectors.compliance_settings().retention_days
    if not days:
        return result
    cutoff = now - timedelta(days=days)
    with transaction.atomic():
        counts = {holder.name: holder.purge(cutoff) for holder in subject_data.holders() if holder.purge}
        if any(counts.values()):
            record_audit_event(
                action="retention.purged",
                target=f"before:{cutoff:%Y-%m-%d}",
                data={"retention_days": days, "cutoff": cutoff.isoformat(), **counts},
            )
    return {**result, **counts}


# Closing a tenant ----------------------------------------------------------------------------------


def delete_tenant_files(sender, tenant, **kwargs) -> None:
    """`tenants.signals.tenant_deleting`: the tenant's recordings and exports leave storage with its schema."""
    for name in ("recordings", "exports"):
        _delete_tree(storages[name], tenant.schema_name)


def _delete_tree(storage, path: str) -> None:
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in files:
        storage.delete(f"{path}/{name}")
    for name in directories:
        _delete_tree(storage, f"{path}/{name}")
