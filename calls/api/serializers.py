import re
from datetime import timedelta

from rest_framework import serializers

from agents.models import Agent
from calls.models import (
    AnalysisProfile,
    Call,
    CallFeedback,
    CallNote,
    CallTurn,
    PhoneNumber,
    ShareLink,
    TurnCorrection,
    TwilioAccount,
)
from calls.services.controls import ACTIONS as CONTROL_ACTIONS
from config.api.converters import MAX_ID, MAX_INT
from config.api.serializers import ModelSerializer
from config.phone_numbers import to_e164
from tenants.branding import branding_of


class E164Field(serializers.CharField):
    """A phone number in any international notation, stored and returned in E.164."""

    def to_internal_value(self, data):
        try:
            return to_e164(super().to_internal_value(data))
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc


class PlanLimitsAreNotHere:
    """The line and minute limits moved to the billing plan: a client still sending them gets a 400 naming them
    rather than a 200 that changed nothing."""

    PLAN_LIMITS = ("max_concurrent_calls", "monthly_minutes_limit")

    def validate(self, data):
        sent = [name for name in self.PLAN_LIMITS if name in self.initial_data]
        if sent:
            raise serializers.ValidationError(
                {name: ["Set by the tenant's billing plan (GET /api/billing/plan)."] for name in sent}
            )
        return data


class TwilioAccountSerializer(PlanLimitsAreNotHere, ModelSerializer):
    account_sid = serializers.RegexField(
        r"^AC[0-9a-fA-F]{32}$",
        error_messages={"invalid": "A Twilio Account SID is AC followed by 32 hexadecimal characters."},
    )
    # Sent to Twilio in a Basic auth header, which only takes Latin-1: letters and digits, as Twilio's tokens are.
    auth_token = serializers.RegexField(
        r"^[A-Za-z0-9]{32,64}$",
        write_only=True,
        error_messages={"invalid": "A Twilio auth token is 32 letters and digits."},
    )

    class Meta:
        model = TwilioAccount
        fields = ["account_sid", "auth_token", "overflow_action", "max_queue_wait_seconds", "updated_at"]
        extra_kwargs = {"max_queue_wait_seconds": {"min_value": 0, "max_value": 3600}}


class TwilioOverflowSerializer(PlanLimitsAreNotHere, ModelSerializer):
    class Meta:
        model = TwilioAccount
        fields = ["overflow_action", "max_queue_wait_seconds"]
        extra_kwargs = {"max_queue_wait_seconds": {"min_value": 0, "max_value": 3600}}


class PhoneNumberSerializer(ModelSerializer):
    number = E164Field(max_length=32)
    agent = serializers.PrimaryKeyRelatedField(queryset=Agent.objects.all(), allow_null=True, required=False)

    class Meta:
        model = PhoneNumber
        fields = ["id", "number", "twilio_sid", "friendly_name", "source", "agent", "inbound_enabled", "created_at"]
        read_only_fields = ["twilio_sid", "friendly_name", "source", "created_at"]


class PhoneNumberUpdateSerializer(ModelSerializer):
    agent = serializers.PrimaryKeyRelatedField(queryset=Agent.objects.all(), allow_null=True, required=False)

    class Meta:
        model = PhoneNumber
        fields = ["agent", "inbound_enabled"]


class NumberSearchSerializer(serializers.Serializer):
    country = serializers.RegexField(
        r"^[A-Za-z]{2}$", default="US", error_messages={"invalid": "Use a two-letter ISO country code, e.g. US."}
    )
    area_code = serializers.RegexField(r"^\d{2,5}$", required=False)
    contains = serializers.RegexField(re.compile(r"^[0-9A-Za-z*]{1,16}$"), required=False)

    def validate_country(self, value):
        return value.upper()


class AvailableNumberSerializer(serializers.Serializer):
    number = serializers.CharField()
    friendly_name = serializers.CharField()
    locality = serializers.CharField()
    region = serializers.CharField()
    country = serializers.CharField()
    capabilities = serializers.DictField()


# Calls --------------------------------------------------------------------------------------


class PlaceCallSerializer(serializers.Serializer):
    agent = serializers.PrimaryKeyRelatedField(queryset=Agent.objects.all())
    to = E164Field(max_length=32)
    variables = serializers.DictField(required=False, default=dict, help_text="Contact variables for the agent.")
    record = serializers.BooleanField(default=False)


class CallSerializer(ModelSerializer):
    agent_name = serializers.CharField(source="agent.name", default=None, read_only=True, allow_null=True)

    class Meta:
        model = Call
        fields = [
            "id",
            "direction",
            "status",
            "agent",
            "agent_name",
            "from_number",
            "to_number",
            "twilio_call_sid",
            "started_at",
            "ended_at",
            "duration_seconds",
            "end_reason",
            "answered_by",
            "sentiment",
            "success",
            "summary",
            "tags",
            "is_test",
            "external_id",
            "on_hold",
            "agent_muted",
            "created_at",
        ]


class CallTurnSerializer(ModelSerializer):
    class Meta:
        model = CallTurn
        fields = [
            "index",
            "speaker",
            "text",
            "node_id",
            "actions",
            "interrupted",
            "heard_text",
            "vad_ms",
            "stt_ms",
            "llm_ms",
            "tts_ms",
            "tts_first_ms",
            "engine_ms",
            "total_ms",
            "created_at",
        ]


class CallNoteSerializer(ModelSerializer):
    class Meta:
        model = CallNote
        fields = ["id", "text", "author_id", "author_label", "created_at"]
        read_only_fields = ["author_id", "author_label", "created_at"]


class TurnCorrectionSerializer(ModelSerializer):
    turn = serializers.IntegerField(source="turn.index", read_only=True)
    call = serializers.IntegerField(source="turn.call_id", read_only=True)

    class Meta:
        model = TurnCorrection
        fields = ["id", "call", "turn", "agent", "caller_text", "original", "suggested", "applied_at", "created_at"]


class CallFeedbackSerializer(ModelSerializer):
    corrections = TurnCorrectionSerializer(many=True, read_only=True)

    class Meta:
        model = CallFeedback
        fields = ["id", "rating", "comment", "author_id", "corrections", "created_at"]


class CallDetailSerializer(CallSerializer):
    turns = CallTurnSerializer(many=True, read_only=True)
    notes = CallNoteSerializer(many=True, read_only=True)
    feedback = CallFeedbackSerializer(many=True, read_only=True)
    has_recording = serializers.SerializerMethodField()

    class Meta(CallSerializer.Meta):
        fields = CallSerializer.Meta.fields + [
            "contact_variables",
            "extraction",
            "transcript",
            "billable_seconds",
            "cost",
            "analysed_at",
            "recording_duration",
            "has_recording",
            "recording_consent",
            "recording_consent_at",
            "turns",
            "notes",
            "feedback",
        ]

    def get_has_recording(self, call) -> bool:
        return bool(call.recording_file or call.recording_url)


class CallFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(Call.Status.choices, required=False)
    direction = serializers.ChoiceField(Call.Direction.choices, required=False)
    agent = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    sentiment = serializers.ChoiceField(["positive", "neutral", "negative"], required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    phone = serializers.CharField(max_length=32, required=False)
    q = serializers.CharField(max_length=200, required=False, help_text="Full-text search in transcripts.")
    tag = serializers.CharField(max_length=50, required=False)
    include_tests = serializers.BooleanField(default=False)

    def validate_phone(self, value):
        if sum(ch.isdigit() for ch in value) < 3:
            raise serializers.ValidationError("Give at least 3 digits of the number.")
        return value

    def validate(self, data):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise serializers.ValidationError({"date_to": ["Must not be before date_from."]})
        return data


class FeedbackCorrectionSerializer(serializers.Serializer):
    turn = serializers.IntegerField(min_value=0, max_value=MAX_INT, help_text="Index of the agent turn in the call.")
    suggested = serializers.CharField(max_length=2000)


class FeedbackSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    corrections = FeedbackCorrectionSerializer(many=True, required=False, default=list)

    def validate(self, data):
        if data.get("rating") is None and not data["comment"] and not data["corrections"]:
            raise serializers.ValidationError("Give a rating, a comment or a correction.")
        return data


class TagsSerializer(serializers.Serializer):
    tags = serializers.ListField(child=serializers.RegexField(r"^[\w-]{1,50}$"), max_length=20)


class ShareLinkRequestSerializer(serializers.Serializer):
    expires_in_hours = serializers.IntegerField(min_value=1, max_value=24 * 30, default=72)


class ShareLinkSerializer(ModelSerializer):
    class Meta:
        model = ShareLink
        fields = ["id", "expires_at", "revoked_at", "created_at"]


class NewShareLinkSerializer(ShareLinkSerializer):
    token = serializers.CharField()
    url = serializers.CharField()

    class Meta(ShareLinkSerializer.Meta):
        fields = ShareLinkSerializer.Meta.fields + ["token", "url"]


class SharedCallSerializer(CallSerializer):
    """What a share link shows: the conversation and its outcome, not staff notes or feedback."""

    turns = CallTurnSerializer(many=True, read_only=True)
    brand = serializers.SerializerMethodField(help_text="Whose page this is: the tenant's (or its agency's) brand.")

    class Meta(CallSerializer.Meta):
        fields = [
            "id",
            "direction",
            "status",
            "agent_name",
            "started_at",
            "ended_at",
            "duration_seconds",
            "sentiment",
            "summary",
            "turns",
            "brand",
        ]

    def get_brand(self, call) -> dict:
        brand = branding_of(self.context["tenant"])
        return {
            "name": brand.name,
            "logo_url": brand.logo_url,
            "primary_colour": brand.primary_colour,
            "support_email": brand.support_email,
        }


class IngestTurnSerializer(serializers.Serializer):
    speaker = serializers.ChoiceField(CallTurn.Speaker.choices)
    text = serializers.CharField(allow_blank=True, max_length=10000)
    stt_ms = serializers.FloatField(min_value=0, required=False)
    llm_ms = serializers.FloatField(min_value=0, required=False)
    tts_ms = serializers.FloatField(min_value=0, required=False)
    total_ms = serializers.FloatField(min_value=0, required=False)


class IngestCallSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=100)
    agent = serializers.PrimaryKeyRelatedField(queryset=Agent.objects.all(), required=False, allow_null=True)
    direction = serializers.ChoiceField([Call.Direction.INBOUND, Call.Direction.OUTBOUND])
    status = serializers.ChoiceField(sorted(Call.FINAL_STATUSES), default=Call.Status.COMPLETED)
    from_number = E164Field(max_length=32, required=False, default="")
    to_number = E164Field(max_length=32, required=False, default="")
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField()
    duration_seconds = serializers.IntegerField(min_value=0, max_value=MAX_INT, required=False)
    end_reason = serializers.CharField(max_length=64, required=False, default="")
    sentiment = serializers.ChoiceField(["positive", "neutral", "negative"], required=False)
    summary = serializers.CharField(max_length=5000, required=False)
    recording_url = serializers.URLField(max_length=500, required=False, default="")
    turns = IngestTurnSerializer(many=True, required=False, default=list)

    def validate(self, data):
        if data["ended_at"] < data["started_at"]:
            raise serializers.ValidationError({"ended_at": ["Must not be before started_at."]})
        return data


class ExtractionFieldSerializer(serializers.Serializer):
    name = serializers.RegexField(
        r"^[a-z][a-z0-9_]{0,49}$",
        error_messages={"invalid": "Use lowercase letters, digits and underscores, starting with a letter."},
    )
    description = serializers.CharField(max_length=300, allow_blank=True, default="")


class AnalysisProfileSerializer(ModelSerializer):
    fields = ExtractionFieldSerializer(many=True, required=False, default=list)
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="Null until first saved.")

    class Meta:
        model = AnalysisProfile
        fields = ["fields", "success_criteria", "updated_at"]

    def validate_fields(self, value):
        names = [spec["name"] for spec in value]
        if len(names) != len(set(names)):
            raise serializers.ValidationError("Field names must be unique.")
        return value


MAX_RANGE_DAYS = 366


class AnalyticsQuerySerializer(serializers.Serializer):
    """A period of the tenant's calendar days (default: the last 30) and optionally one agent."""

    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    agent = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)

    def validate(self, data):
        today = self.context["today"]
        data.setdefault("date_to", today)
        data.setdefault("date_from", data["date_to"] - timedelta(days=29))
        if data["date_from"] > data["date_to"]:
            raise serializers.ValidationError({"date_to": ["Must not be before date_from."]})
        if (data["date_to"] - data["date_from"]).days >= MAX_RANGE_DAYS:
            raise serializers.ValidationError({"date_from": [f"Ask for at most {MAX_RANGE_DAYS} days."]})
        return data


class ExportQuerySerializer(CallFilterSerializer):
    format = serializers.ChoiceField(["csv", "pdf"], default="csv")


class TrainingQuerySerializer(serializers.Serializer):
    agent = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    applied = serializers.BooleanField(required=False, allow_null=True, default=None)


class CallControlSerializer(serializers.Serializer):
    """One staff control of a live call: `transfer` needs `to` (`mode` warm: the person hears who calls and
    `note` before being bridged); `takeover` needs the staff member's `phone`."""

    action = serializers.ChoiceField(choices=CONTROL_ACTIONS)
    to = E164Field(max_length=32, required=False, default="")
    mode = serializers.ChoiceField(choices=["cold", "warm"], default="cold")
    phone = E164Field(max_length=32, required=False, default="")
    note = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)

    def validate(self, data):
        needed = {"transfer": "to", "takeover": "phone"}.get(data["action"])
        if needed and not data.get(needed):
            raise serializers.ValidationError({needed: [f"Required to {data['action']} a call."]})
        return data


class WebhookSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(read_only=True)
