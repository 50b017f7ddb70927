from datetime import time

from django.contrib.postgres.fields import ArrayField
from django.db import models

from compliance import opt_out
from config.weekly_hours import WEEKDAYS


class AuditEvent(models.Model):
    """Append-only record of an access or change inside a tenant (the schema it lives in is the tenant).

    Per tenant, like the data it is about: a tenant's log is dropped with its schema and cannot leak into another's.
    A trigger (migration 0005, copied into new schemas by `tenants.schema_builder`) refuses every UPDATE and DELETE,
    whoever asks: the API, the admin, a service or a raw query."""

    actor_id = models.BigIntegerField(
        null=True, blank=True, help_text="accounts.User id; users live in the public schema."
    )
    actor_label = models.CharField(max_length=254, blank=True)
    api_key_id = models.BigIntegerField(
        null=True, blank=True, help_text="accounts.ApiKey id when the actor acted through an API key."
    )
    api_key_label = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=100)
    target = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["action", "created_at"]),
            models.Index(fields=["actor_id", "created_at"], name="compliance_audit_actor"),
            models.Index(fields=["target", "created_at"], name="compliance_audit_target"),
        ]

    # What an entry about an erased contact's number shows instead of its target (`selectors.audit_entries` sets
    # `erased`); its data is not shown at all.
    ERASED = "(erased)"

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label or 'system'} {self.action} {self.shown_target}"

    @property
    def shown_target(self) -> str:
        return self.ERASED if getattr(self, "erased", False) else self.target

    @property
    def shown_data(self) -> dict:
        return {} if getattr(self, "erased", False) else self.data


class DncEntry(models.Model):
    """A number this tenant must not call. An agency tenant's own entries also block its clients."""

    class Source(models.TextChoices):
        MANUAL = "manual"
        IMPORT = "import"
        OPT_OUT_SPOKEN = opt_out.SPOKEN
        OPT_OUT_DTMF = opt_out.KEYPAD
        API = "api"

    # Null once the contact it belonged to was erased: the number is then kept only as `number_hash`, still blocking.
    number = models.CharField(max_length=16, unique=True, null=True, help_text="E.164, e.g. +14155550123.")
    number_hash = models.CharField(
        max_length=64, blank=True, db_default="", help_text="compliance.erasure.number_hash, once erased."
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    reason = models.CharField(max_length=200, blank=True)
    call_id = models.BigIntegerField(
        null=True, blank=True, help_text="calls.Call id of the call the recipient opted out on."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "DNC entry"
        verbose_name_plural = "DNC entries"
        # `number` is unique: PostgreSQL gets its index plus a varchar_pattern_ops one for prefix search.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="compliance_dnc_newest"),
            models.Index(fields=["number_hash"], name="compliance_dnc_erased", condition=models.Q(number__isnull=True)),
        ]

    def __str__(self):
        return self.number or "(erased number)"


OPT_OUT_DIGITS = tuple("0123456789*")


def _default_calling_days():
    return list(WEEKDAYS)


class ComplianceSettings(models.Model):
    """The tenant's calling window, in each recipient's local time (one row per tenant schema).

    Calls may start from `calling_window_start` until `calling_window_end` (exclusive) on `calling_days`;
    an end of 00:00 means midnight at the end of the day, so 00:00–00:00 is all day."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    calling_window_start = models.TimeField(default=time(8, 0))
    calling_window_end = models.TimeField(default=time(21, 0))
    calling_days = ArrayField(models.CharField(max_length=3), default=_default_calling_days)
    # Pressed alone during a call, it puts the caller's number on the DNC list (TCPA: an automated opt-out).
    opt_out_digit = models.CharField(
        max_length=1,
        blank=True,
        default="9",
        choices=[(digit, digit) for digit in OPT_OUT_DIGITS],
        help_text="Empty: no keypad opt-out.",
    )
    # Inbound and outbound agent calls are recorded (kept in the platform's storage) unless the caller refuses.
    record_calls = models.BooleanField(default=False)
    # Said first on every recorded call, inbound and outbound, before the agent's own disclosure and greeting.
    recording_disclosure = models.CharField(
        max_length=500, blank=True, default="This call is recorded.", help_text="Blank: none."
    )
    # Recordings and transcripts of calls older than this are deleted by a daily task; null keeps them.
    retention_days = models.PositiveIntegerField(null=True, blank=True)
    # Card numbers, SSNs and dates of birth are masked in stored transcripts.
    redact_pii = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "compliance settings"
        verbose_name_plural = "compliance settings"
        constraints = [models.CheckConstraint(name="compliance_settings_singleton", condition=models.Q(singleton=True))]

    def __str__(self):
        days = ",".join(self.calling_days)
        return f"Calling {self.calling_window_start:%H:%M}–{self.calling_window_end:%H:%M} {days}"


class DncImport(models.Model):
    """A large DNC upload, imported by a Celery task: the file waits in `payload` until then."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    filename = models.CharField(max_length=200, blank=True)
    payload = models.BinaryField(default=b"", editable=False)
    rows = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    already_listed = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    error_code = models.CharField(max_length=50, blank=True)
    detail = models.CharField(max_length=300, blank=True, help_text="Why the whole upload failed.")
    created_by_id = models.BigIntegerField(null=True, blank=True, help_text="accounts.User id (public schema).")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"DNC import {self.pk} ({self.status})"


class Erasure(models.Model):
    """A data subject's erasure, kept without the erased data: the hash of the number lets the audit log's readers
    hide entries about it (the log itself is append-only) and keeps an opted-out number blocked."""

    number_hash = models.CharField(max_length=64, db_index=True)
    subject = models.CharField(max_length=100, help_text="What was erased, e.g. contact:12 (its id only).")
    counts = models.JSONField(default=dict, blank=True, help_text="How many rows of each kind were erased.")
    actor_id = models.BigIntegerField(null=True, blank=True, help_text="accounts.User id (public schema).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"erasure of {self.subject}"


class DataExport(models.Model):
    """Everything held about a contact or a user, or the whole tenant's data, as a zip built by a Celery task,
    downloadable once by its requester through a signed, expiring link; the file is deleted from storage once
    downloaded or expired."""

    class Kind(models.TextChoices):
        CONTACT = "contact"
        USER = "user"
        TENANT = "tenant"

    class Status(models.TextChoices):
        PENDING = "pending"
        READY = "ready"
        DOWNLOADED = "downloaded"
        EXPIRED = "expired"
        FAILED = "failed"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    subject_id = models.BigIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    file = models.CharField(max_length=300, blank=True, help_text="Its name in the exports storage.")
    size = models.PositiveBigIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    requested_by_id = models.BigIntegerField(
        help_text="accounts.User id (public schema): the only one who may fetch it."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"export of {self.kind}:{self.subject_id} ({self.status})"
