from datetime import timedelta

from rest_framework import serializers

MAX_RANGE_DAYS = 366


class UsageQuerySerializer(serializers.Serializer):
    """Calendar days of the tenant; default: the current month up to today."""

    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, data):
        today = self.context["today"]
        data.setdefault("date_to", today)
        data.setdefault("date_from", data["date_to"].replace(day=1))
        if data["date_from"] > data["date_to"]:
            raise serializers.ValidationError({"date_to": ["Must not be before date_from."]})
        if data["date_to"] - data["date_from"] >= timedelta(days=MAX_RANGE_DAYS):
            raise serializers.ValidationError({"date_from": [f"Ask for at most {MAX_RANGE_DAYS} days."]})
        return data


class PlatformMetricsQuerySerializer(serializers.Serializer):
    """UTC days; default: the last 30 up to today."""

    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    top = serializers.IntegerField(required=False, default=10, min_value=1, max_value=100)

    def validate(self, data):
        data.setdefault("date_to", self.context["today"])
        data.setdefault("date_from", data["date_to"] - timedelta(days=29))
        return UsageQuerySerializer.validate(self, data)


class TenantPlanSerializer(serializers.Serializer):
    """The tenant's plan, its limits, and how much of them is in use."""

    name = serializers.CharField()
    slug = serializers.CharField()
    max_concurrent_calls = serializers.IntegerField(help_text="Lines: calls at once, inbound and outbound.")
    monthly_minutes = serializers.IntegerField(allow_null=True, help_text="Call minutes per month; null: unlimited.")
    lines_in_use = serializers.IntegerField()
    minutes_used_this_month = serializers.FloatField()


class CheckoutSerializer(serializers.Serializer):
    plan = serializers.SlugField(help_text="The slug of a listed plan (GET /api/billing/subscription lists them).")


class SessionUrlSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Send the user's browser here (Stripe Checkout or the Customer Portal).")


class InvoicesQuerySerializer(serializers.Serializer):
    per_page = serializers.IntegerField(min_value=1, max_value=100, default=20)
