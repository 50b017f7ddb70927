from django.urls import reverse
from rest_framework import serializers

from compliance.hours import MIDNIGHT, zone
from compliance.models import OPT_OUT_DIGITS, AuditEvent, ComplianceSettings, DataExport, DncEntry, DncImport, Erasure
from compliance.privacy import export_link_token
from compliance.selectors import AUDIT_COLUMNS
from compliance.services import MAX_REPORTED_ERRORS, REASON_MAX_LENGTH
from config.api.serializers import ModelSerializer
from config.phone_numbers import to_e164
from config.weekly_hours import WEEKDAYS

MAX_JSON_IMPORT_NUMBERS = 100_000


def e164(value: str) -> str:
    try:
        return to_e164(value)
    except ValueError as exc:
        raise serializers.ValidationError(str(exc)) from exc


class DncEntrySerializer(ModelSerializer):
    class Meta:
        model = DncEntry
        fields = ["id", "number", "source", "reason", "call_id", "created_at"]
        read_only_fields = fields


class DncEntryCreateSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=32, help_text="Any format phonenumbers reads; stored in E.164.")
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="")

    def validate_number(self, value):
        return e164(value)


class DncSearchSerializer(serializers.Serializer):
    search = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        default="",
        help_text="The start of the number, digits only or formatted.",
    )


class DncImportJsonSerializer(serializers.Serializer):
    """The JSON form of an import; a CSV file (multipart field `file`) takes larger lists."""

    numbers = serializers.ListField(
        child=serializers.CharField(max_length=64, allow_blank=True),
        allow_empty=False,
        max_length=MAX_JSON_IMPORT_NUMBERS,
    )
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="")


class DncImportReportSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    added = serializers.IntegerField()
    already_listed = serializers.IntegerField(help_text="On the list already, or repeated in the upload.")
    invalid = serializers.IntegerField()
    errors = serializers.ListField(
        child=serializers.DictField(), help_text=f"{{row, value, error}} of the first {MAX_REPORTED_ERRORS} bad rows."
    )
    errors_truncated = serializers.BooleanField()


class DncImportJobSerializer(ModelSerializer):
    """A large upload imported in the background: `pending`/`running`, then `done` with the report
    (`errors` as {row, value, error}) or `failed` with `error_code` and `detail`."""

    class Meta:
        model = DncImport
        fields = [
            "id",
            "status",
            "filename",
            "rows",
            "added",
            "already_listed",
            "invalid",
            "errors",
            "error_code",
            "detail",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class DncCheckQuerySerializer(serializers.Serializer):
    number = serializers.CharField(max_length=32)
    timezone = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="The recipient's IANA zone; default: from the number.",
    )

    def validate_number(self, value):
        return e164(value)

    def validate_timezone(self, value):
        if value and zone(value) is None:
            raise serializers.ValidationError(f"'{value}' is not a known IANA time zone.")
        return value


class DncCheckSerializer(serializers.Serializer):
    number = serializers.CharField()
    blocked = serializers.BooleanField()
    lists = serializers.ListField(child=serializers.ChoiceField(choices=["own", "agency"]))
    timezones = serializers.ListField(child=serializers.CharField())
    calling_hours_now = serializers.BooleanField()
    next_allowed_at = serializers.DateTimeField(
        allow_null=True, help_text="Null when the number's zones share no calling hours."
    )


class ComplianceSettingsSerializer(ModelSerializer):
    calling_window_start = serializers.TimeField(format="%H:%M")
    calling_window_end = serializers.TimeField(format="%H:%M", help_text="Exclusive; 00:00 is midnight at day's end.")
    calling_days = serializers.ListField(child=serializers.ChoiceField(choices=WEEKDAYS), allow_empty=False)
    opt_out_digit = serializers.ChoiceField(
        choices=OPT_OUT_DIGITS,
        allow_blank=True,
        required=False,
        help_text="Pressed alone during a call, it puts the caller on the DNC list; empty for none. Default 9.",
    )
    record_calls = serializers.BooleanField(
        required=False, help_text="Record inbound and outbound agent calls, consent permitting. Default off."
    )
    recording_disclosure = serializers.CharField(
        max_length=500,
        allow_blank=True,
        required=False,
        help_text="Said first on every recorded call, inbound and outbound ({company} is the tenant's name); empty "
        "for none. Default 'This call is recorded.'",
    )
    retention_days = serializers.IntegerField(
        min_value=1,
        max_value=36500,
        allow_null=True,
        required=False,
        help_text="Recordings and transcripts older than this many days are deleted; null keeps them.",
    )
    redact_pii = serializers.BooleanField(
        required=False, help_text="Mask card numbers, SSNs and dates of birth in stored transcripts. Default on."
    )
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="Null until first saved.")

    class Meta:
        model = ComplianceSettings
        fields = [
            "calling_window_start",
            "calling_window_end",
            "calling_days",
            "opt_out_digit",
            "record_calls",
            "recording_disclosure",
            "retention_days",
            "redact_pii",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]

    def validate_calling_days(self, value):
        return [day for day in WEEKDAYS if day in value]

    def validate(self, data):
        start, end = data["calling_window_start"], data["calling_window_end"]
        if end != MIDNIGHT and end <= start:
            raise serializers.ValidationError(
                {"calling_window_end": ["Must be after the start (or 00:00 for midnight)."]}
            )
        return data


class AuditEntrySerializer(ModelSerializer):
    target = serializers.SerializerMethodField(help_text="`(erased)` when it named an erased contact's number.")
    data = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = AUDIT_COLUMNS
        read_only_fields = fields

    def get_target(self, entry) -> str:
        return entry.shown_target

    def get_data(self, entry) -> dict:
        return entry.shown_data


class AuditQuerySerializer(serializers.Serializer):
    actor = serializers.CharField(
        max_length=254, required=False, help_text="The acting user's id or email.", default=None
    )
    api_key = serializers.IntegerField(min_value=1, required=False, default=None, help_text="The API key's id.")
    action = serializers.CharField(
        max_length=100, required=False, default="", help_text="Exact, or a kind with a trailing dot: `dnc.`."
    )
    target = serializers.CharField(max_length=200, required=False, default="")
    since = serializers.DateTimeField(required=False, default=None, help_text="Inclusive.")
    until = serializers.DateTimeField(required=False, default=None, help_text="Exclusive.")
    format = serializers.ChoiceField(["json", "csv"], default="json", help_text="csv: every matching entry, streamed.")

    def validate_actor(self, value):
        if value is None or not value.isdigit():
            return value
        return int(value)

    def validate(self, data):
        if data["since"] and data["until"] and data["until"] <= data["since"]:
            raise serializers.ValidationError({"until": ["Must be after since."]})
        return data


class ExportRequestSerializer(serializers.Serializer):
    contact = serializers.IntegerField(min_value=1, required=False, help_text="The contact's id.")
    user = serializers.IntegerField(min_value=1, required=False, help_text="A member's user id.")
    tenant = serializers.BooleanField(
        required=False, help_text="true: all of the tenant's data (owners only), e.g. before closing it."
    )

    def validate(self, data):
        if data.get("tenant") is False:
            raise serializers.ValidationError({"tenant": ["Send true, or leave it out."]})
        if len(data) != 1:
            raise serializers.ValidationError({"contact": ["Give exactly one of contact, user or tenant."]})
        [(kind, subject_id)] = data.items()
        return {"kind": kind, "subject_id": None if kind == "tenant" else subject_id}


class DataExportSerializer(ModelSerializer):
    download_url = serializers.SerializerMethodField(
        help_text="For its requester once ready: a signed link that works once, until expires_at."
    )

    class Meta:
        model = DataExport
        fields = [
            "id",
            "kind",
            "subject_id",
            "status",
            "size",
            "detail",
            "created_at",
            "ready_at",
            "expires_at",
            "downloaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, export) -> str | None:
        request = self.context["request"]
        if export.status != DataExport.Status.READY or export.requested_by_id != request.user.pk:
            return None
        path = reverse("compliance-export-download", kwargs={"export_id": export.pk})
        return request.build_absolute_uri(f"{path}?token={export_link_token(export)}")


class ErasureRequestSerializer(serializers.Serializer):
    contact = serializers.IntegerField(min_value=1, required=False, help_text="The contact's id.")
    number = serializers.CharField(
        max_length=32, required=False, help_text="Or a number (someone who called or was called, with no contact)."
    )

    def validate_number(self, value):
        return e164(value)

    def validate(self, data):
        if len(data) != 1:
            raise serializers.ValidationError({"contact": ["Give exactly one of contact or number."]})
        return data


class ErasureSerializer(ModelSerializer):
    class Meta:
        model = Erasure
        fields = ["id", "subject", "counts", "created_at"]
        read_only_fields = fields


class DownloadQuerySerializer(serializers.Serializer):
    token = serializers.CharField(max_length=500)
