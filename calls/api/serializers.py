import re

from rest_framework import serializers

from agents.models import Agent
from calls.models import PhoneNumber, TwilioAccount
from calls.numbers import to_e164


class E164Field(serializers.CharField):
    """A phone number in any international notation, stored and returned in E.164."""

    def to_internal_value(self, data):
        try:
            return to_e164(super().to_internal_value(data))
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc


class TwilioAccountSerializer(serializers.ModelSerializer):
    account_sid = serializers.RegexField(r"^AC[0-9a-fA-F]{32}$", error_messages={
        "invalid": "A Twilio Account SID is AC followed by 32 hexadecimal characters."})
    auth_token = serializers.CharField(write_only=True, min_length=32, max_length=64)

    class Meta:
        model = TwilioAccount
        fields = ["account_sid", "auth_token", "max_concurrent_calls", "monthly_minutes_limit", "updated_at"]
        extra_kwargs = {"max_concurrent_calls": {"min_value": 1, "max_value": 1000}}


class TwilioLimitsSerializer(serializers.ModelSerializer):
    class Meta:
        model = TwilioAccount
        fields = ["max_concurrent_calls", "monthly_minutes_limit"]
        extra_kwargs = {"max_concurrent_calls": {"min_value": 1, "max_value": 1000}}


class PhoneNumberSerializer(serializers.ModelSerializer):
    number = E164Field(max_length=32)
    agent = serializers.PrimaryKeyRelatedField(queryset=Agent.objects.all(), allow_null=True, required=False)

    class Meta:
        model = PhoneNumber
        fields = ["id", "number", "twilio_sid", "friendly_name", "source", "agent", "inbound_enabled", "created_at"]
        read_only_fields = ["twilio_sid", "friendly_name", "source", "created_at"]


class PhoneNumberUpdateSerializer(serializers.ModelSerializer):
    agent = serializers.PrimaryKeyRelatedField(queryset=Agent.objects.all(), allow_null=True, required=False)

    class Meta:
        model = PhoneNumber
        fields = ["agent", "inbound_enabled"]


class NumberSearchSerializer(serializers.Serializer):
    country = serializers.RegexField(r"^[A-Za-z]{2}$", default="US", error_messages={
        "invalid": "Use a two-letter ISO country code, e.g. US."})
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
