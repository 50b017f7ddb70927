import zoneinfo
from datetime import datetime

from django.utils import timezone
from rest_framework import serializers

from agents.models import Agent
from calls.api.serializers import E164Field
from calls.models import Call
from campaigns.models import Attempt, Campaign
from config.api.converters import MAX_ID
from config.api.serializers import ModelSerializer
from config.weekly_hours import weekly_hours_problems
from contacts.models import ContactList


def _zone(value):
    if value not in zoneinfo.available_timezones():
        raise serializers.ValidationError(f"Unknown time zone '{value}' (use an IANA name such as America/New_York).")
    return value


def _future(value):
    if value <= timezone.now():
        raise serializers.ValidationError("Must be in the future.")
    return value


class PolicyFields(serializers.Serializer):
    """Window, pacing, retry and voicemail settings shared by campaigns and bulk calls."""

    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    hours = serializers.JSONField(
        required=False, help_text='Weekly hours, e.g. {"mon": [["09:00", "17:00"]]}; empty: any time.'
    )
    timezone = serializers.CharField(required=False, validators=[_zone])
    calls_per_minute = serializers.IntegerField(required=False, min_value=1, max_value=600)
    max_concurrent_calls = serializers.IntegerField(required=False, min_value=1, max_value=200)
    max_attempts = serializers.IntegerField(required=False, min_value=1, max_value=10)
    retry_delay_minutes = serializers.IntegerField(required=False, min_value=1, max_value=7 * 24 * 60)
    retry_on = serializers.ListField(child=serializers.ChoiceField(Campaign.RetryOutcome.choices), required=False)
    voicemail_action = serializers.ChoiceField(Call.VoicemailAction.choices, required=False, allow_blank=True)
    variables = serializers.DictField(required=False)

    def validate_hours(self, value):
        if problems := weekly_hours_problems(value):
            raise serializers.ValidationError(problems)
        return value

    def validate(self, data):
        start = data.get("start_date", getattr(self.instance, "start_date", None))
        end = data.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError({"end_date": ["Must not be before start_date."]})
        return data


class CampaignSerializer(PolicyFields, ModelSerializer):
    agent = serializers.PrimaryKeyRelatedField(queryset=Agent.objects.all())
    contact_list = serializers.PrimaryKeyRelatedField(
        queryset=ContactList.objects.all(), required=False, allow_null=True
    )
    starts_at = serializers.DateTimeField(required=False, allow_null=True, validators=[_future])

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "kind",
            "agent",
            "contact_list",
            "status",
            "paused_reason",
            "start_date",
            "end_date",
            "hours",
            "timezone",
            "starts_at",
            "calls_per_minute",
            "max_concurrent_calls",
            "max_attempts",
            "retry_delay_minutes",
            "retry_on",
            "voicemail_action",
            "variables",
            "created_at",
            "updated_at",
            "started_at",
            "completed_at",
        ]
        read_only_fields = ["kind", "status", "paused_reason", "created_at", "updated_at", "started_at", "completed_at"]


class ScheduleSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(required=False, validators=[_future])


class AttemptSerializer(ModelSerializer):
    call_status = serializers.CharField(source="call.status", default=None, read_only=True)

    class Meta:
        model = Attempt
        fields = [
            "id",
            "contact",
            "number",
            "attempt_no",
            "status",
            "due_at",
            "claimed_at",
            "dialed_at",
            "call",
            "call_status",
            "outcome",
            "detail",
            "created_at",
            "updated_at",
        ]


class AttemptFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(Attempt.Status.choices, required=False)


class CampaignFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(Campaign.Kind.choices, default=Campaign.Kind.CAMPAIGN)
    status = serializers.ChoiceField(Campaign.Status.choices, required=False)


class BulkCallsSerializer(PolicyFields):
    """Numbers to dial (any notation, checked one by one) or ids of existing contacts; `schedule` starts it later."""

    agent = serializers.PrimaryKeyRelatedField(queryset=Agent.objects.all())
    name = serializers.CharField(max_length=150, required=False)
    # How many is the plan's contacts per campaign (checked when the calls start); the body size bounds one request.
    numbers = serializers.ListField(child=serializers.CharField(max_length=32), required=False)
    contacts = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        help_text="Ids of existing contacts.",
    )
    schedule = serializers.DateTimeField(required=False, validators=[_future])

    def validate(self, data):
        data = super().validate(data)
        if not data.get("numbers") and not data.get("contacts"):
            raise serializers.ValidationError({"numbers": ["Give numbers or contacts to call."]})
        return data


class ScheduleCallSerializer(serializers.Serializer):
    agent = serializers.PrimaryKeyRelatedField(queryset=Agent.objects.all())
    to = E164Field(max_length=32)
    at = serializers.DateTimeField(validators=[_future])
    variables = serializers.DictField(required=False, default=dict)
    voicemail_action = serializers.ChoiceField(Call.VoicemailAction.choices, required=False, allow_blank=True)


class ScheduledCallSerializer(ModelSerializer):
    """A call scheduled for a time: a campaign of kind `single_call` with one attempt."""

    to = serializers.SerializerMethodField()
    at = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = ["id", "kind", "status", "agent", "to", "at", "variables", "voicemail_action", "created_at"]

    def get_to(self, campaign) -> str:
        return campaign.attempts.order_by("id").values_list("number", flat=True).first()

    def get_at(self, campaign) -> datetime:
        return serializers.DateTimeField().to_representation(
            campaign.attempts.order_by("id").values_list("due_at", flat=True).first()
        )
