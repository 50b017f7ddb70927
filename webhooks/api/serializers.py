from rest_framework import serializers

from config.api.serializers import ModelSerializer
from config.events import EVENT_TYPES
from config.outbound import UnsafeURL, check_public_url
from webhooks.models import Attempt, Delivery, Endpoint

EVENT_CHOICES = sorted(EVENT_TYPES)


class EndpointSerializer(ModelSerializer):
    class Meta:
        model = Endpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "is_active",
            "failing_since",
            "disabled_at",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EndpointCreatedSerializer(EndpointSerializer):
    secret = serializers.CharField(help_text="Signs every delivery (Webhook-Signature). Shown once; store it now.")

    class Meta(EndpointSerializer.Meta):
        fields = EndpointSerializer.Meta.fields + ["secret"]


class EndpointWriteSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2000, help_text="http(s), on a public address.")
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_CHOICES),
        allow_empty=False,
        max_length=len(EVENT_CHOICES),
        help_text="The events to receive (GET /api/settings/webhooks/event-types lists them).",
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)

    def validate_url(self, value):
        try:
            check_public_url(value)
        except UnsafeURL as exc:
            raise serializers.ValidationError(f"This URL {exc}.") from exc
        return value


class AttemptSerializer(ModelSerializer):
    class Meta:
        model = Attempt
        fields = [
            "number",
            "started_at",
            "url",
            "request_headers",
            "response_status",
            "response_body",
            "latency_ms",
            "error",
        ]
        read_only_fields = fields


class DeliverySerializer(ModelSerializer):
    attempt_log = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "url",
            "payload",
            "status",
            "attempts",
            "next_attempt_at",
            "retry_until",
            "delivered_at",
            "created_at",
            "attempt_log",
        ]
        read_only_fields = fields


class EventTypeSerializer(serializers.Serializer):
    type = serializers.CharField()
    description = serializers.CharField()
