import zoneinfo

import phonenumbers
from rest_framework import serializers

from agents import flows
from agents.engine import actions
from agents.models import (
    Agent,
    AgentTest,
    AgentTestRun,
    CallTemplate,
    FlowVersion,
    KnowledgeFile,
    KnowledgeQuery,
    ProviderCredential,
)
from agents.providers import registry
from agents.services.agent_tests import EXPECTATION_TYPES
from config.api.converters import MAX_ID
from config.api.serializers import ModelSerializer
from config.weekly_hours import weekly_hours_problems


class KnowledgeFilesQuerySerializer(serializers.Serializer):
    current = serializers.BooleanField(default=False, help_text="Only the current version of each file.")


class KnowledgeQueriesQuerySerializer(serializers.Serializer):
    agent = serializers.IntegerField(min_value=1, required=False, help_text="Only what this agent searched.")


class KnowledgeFileSerializer(ModelSerializer):
    class Meta:
        model = KnowledgeFile
        fields = [
            "id",
            "name",
            "kind",
            "size",
            "sha256",
            "version",
            "is_current",
            "status",
            "failure_reason",
            "chunk_count",
            "agents",
            "created_at",
            "indexed_at",
        ]
        read_only_fields = fields


class KnowledgeAgentsSerializer(serializers.Serializer):
    agents = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        help_text="Ids of the agents whose calls use the files; none (or left out on a new file): every agent.",
    )


class KnowledgeSearchSerializer(serializers.Serializer):
    query = serializers.CharField(max_length=1000)
    limit = serializers.IntegerField(min_value=1, max_value=20, default=5)


class KnowledgeHitSerializer(serializers.Serializer):
    chunk_id = serializers.IntegerField()
    file_id = serializers.IntegerField()
    file_name = serializers.CharField()
    index = serializers.IntegerField()
    text = serializers.CharField()
    score = serializers.FloatField()


class KnowledgeQuerySerializer(ModelSerializer):
    class Meta:
        model = KnowledgeQuery
        fields = ["id", "agent", "query", "method", "source", "results", "created_at"]


def _business_hours(value):
    """{"timezone": IANA name, "weekly": {"mon": [["09:00", "17:00"], ...], ...}}; {} means always open."""
    if value in ({}, None):
        return {}
    if not isinstance(value, dict) or set(value) - {"timezone", "weekly"}:
        raise serializers.ValidationError('Use {"timezone": ..., "weekly": {"mon": [["09:00", "17:00"]], ...}}.')
    if value.get("timezone") not in zoneinfo.available_timezones():
        raise serializers.ValidationError(f"'{value.get('timezone')}' is not a known IANA time zone.")
    problems = weekly_hours_problems(value.get("weekly"))
    if problems:
        raise serializers.ValidationError(problems)
    return value


def _phone_number(value):
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise serializers.ValidationError("Enter a valid phone number in international format, e.g. +14155550123.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class AgentSerializer(ModelSerializer):
    template = serializers.PrimaryKeyRelatedField(queryset=CallTemplate.objects.all(), allow_null=True, required=False)
    language = serializers.RegexField(
        r"^[a-z]{2,3}(-[A-Z]{2})?$",
        max_length=16,
        default="en-US",
        error_messages={"invalid": "Use a language tag such as en-US or fr."},
    )
    temperature = serializers.FloatField(min_value=0, max_value=2, default=0.3)
    max_tokens = serializers.IntegerField(min_value=1, max_value=4096, default=300)
    tools_enabled = serializers.ListField(child=serializers.CharField(), default=list)
    business_hours = serializers.JSONField(default=dict)
    transfer_number = serializers.CharField(max_length=32, allow_blank=True, default="")
    max_call_seconds = serializers.IntegerField(min_value=30, max_value=4 * 3600, allow_null=True, required=False)
    tts_provider = serializers.CharField(max_length=50, default=lambda: registry.default("tts") or "")
    # A voice belongs to its provider: a replacement that leaves both out gets the default provider's default voice.
    voice_id = serializers.CharField(max_length=100, allow_blank=True, default="")
    stt_provider = serializers.CharField(max_length=50, allow_blank=True, default=lambda: registry.default("stt") or "")
    llm_provider = serializers.CharField(max_length=50, allow_blank=True, default=lambda: registry.default("llm") or "")

    class Meta:
        model = Agent
        fields = [
            "id",
            "name",
            "greeting",
            "system_prompt",
            "language",
            "llm_provider",
            "llm_model",
            "temperature",
            "max_tokens",
            "stt_provider",
            "tts_provider",
            "voice_id",
            "embeddings_provider",
            "tools_enabled",
            "template",
            "business_hours",
            "transfer_number",
            "voicemail_message",
            "max_call_seconds",
            "disclosure",
            "disclosure_text",
            "recording_consent",
            "recording_consent_question",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_tools_enabled(self, value):
        unknown = sorted(set(value) - set(actions.registry.names()))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown tools: {', '.join(unknown)}; available: {', '.join(actions.registry.names())}."
            )
        return list(dict.fromkeys(value))

    def validate_business_hours(self, value):
        return _business_hours(value)

    def validate_transfer_number(self, value):
        return _phone_number(value)


class ProviderCredentialSerializer(ModelSerializer):
    """Which providers have credentials and which keys were given; never the values."""

    keys = serializers.SerializerMethodField()

    class Meta:
        model = ProviderCredential
        fields = ["provider", "keys", "created_at", "updated_at"]

    def get_keys(self, record) -> list[str]:
        return sorted(record.credentials)


class ProviderCredentialWriteSerializer(serializers.Serializer):
    credentials = serializers.DictField(child=serializers.CharField(allow_blank=True), allow_empty=False)


class FlowVersionSerializer(ModelSerializer):
    class Meta:
        model = FlowVersion
        fields = ["id", "number", "schema_version", "flow", "created_at"]


class CallTemplateSerializer(ModelSerializer):
    """A template with its current flow; `flow` in a write makes a new version when it changed."""

    flow = serializers.JSONField(write_only=True)
    version = serializers.SerializerMethodField()

    class Meta:
        model = CallTemplate
        fields = [
            "id",
            "name",
            "description",
            "industry",
            "initial_message",
            "library_key",
            "version",
            "flow",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "library_key", "created_at", "updated_at"]

    @staticmethod
    def _latest(template):
        # Versions are prefetched newest first by the selector.
        return next(iter(template.versions.all()), None)

    def get_version(self, template) -> int | None:
        latest = self._latest(template)
        return latest.number if latest else None

    def to_representation(self, template):
        data = super().to_representation(template)
        latest = self._latest(template)
        data["flow"] = flows.with_layout(latest.flow, template.layout) if latest else None
        return data


class FlowCheckSerializer(serializers.Serializer):
    flow = serializers.JSONField(required=False, help_text="A draft to check instead of the saved flow.")


class LibraryTemplateSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    industry = serializers.CharField()
    initial_message = serializers.CharField(allow_blank=True)
    flow = serializers.JSONField()


class SandboxTurnSerializer(serializers.Serializer):
    session_id = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="Omit to start a new conversation."
    )
    text = serializers.CharField(required=False, max_length=2000, help_text="What the caller says.")
    variables = serializers.DictField(
        required=False, default=dict, help_text='Context for a new conversation, e.g. {"contact": {"name": "Ann"}}.'
    )


class SandboxReplySerializer(serializers.Serializer):
    session_id = serializers.IntegerField(source="call.id")
    reply = serializers.CharField()
    utterances = serializers.ListField(child=serializers.CharField(), source="result.utterances")
    actions = serializers.ListField(child=serializers.DictField(), source="result.actions")
    node_id = serializers.CharField(source="result.node_id")
    state = serializers.DictField(source="result.state")
    ended = serializers.BooleanField(source="result.ended")
    end_reason = serializers.CharField(source="result.end_reason")
    timings = serializers.DictField(source="result.timings")


class ExpectationSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=sorted(EXPECTATION_TYPES))
    value = serializers.CharField(required=False, allow_blank=True, max_length=500)

    def validate(self, data):
        if EXPECTATION_TYPES[data["type"]] and not data.get("value"):
            raise serializers.ValidationError({"value": [f"'{data['type']}' needs a value."]})
        return data


class AgentTestSerializer(ModelSerializer):
    caller_turns = serializers.ListField(child=serializers.CharField(max_length=2000), min_length=1, max_length=50)
    expectations = ExpectationSerializer(many=True, allow_empty=False)

    class Meta:
        model = AgentTest
        fields = ["id", "agent", "name", "caller_turns", "expectations", "by_voice", "created_at", "updated_at"]
        read_only_fields = ["id", "agent", "created_at", "updated_at"]


class AgentTestRunRequestSerializer(serializers.Serializer):
    test_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        help_text="Default: every test of the agent.",
    )


class AgentTestRunSerializer(ModelSerializer):
    test_name = serializers.CharField(source="test.name")
    session_id = serializers.IntegerField(source="call_id")

    class Meta:
        model = AgentTestRun
        fields = ["id", "test", "test_name", "passed", "report", "session_id", "created_at"]
