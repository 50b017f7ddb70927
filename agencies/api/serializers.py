from rest_framework import serializers

from billing.selectors import client_price_of, subscription_of
from config.api.serializers import ModelSerializer
from tenants.api.serializers import ClientCreateSerializer, TenantSerializer, TenantUpdateSerializer
from tenants.models import Tenant


class ClientSerializer(TenantSerializer):
    """A client as its agency sees it: the tenant, its plan, the agency's price for it and a pending deletion."""

    plan = serializers.SerializerMethodField()
    price = serializers.SerializerMethodField()

    class Meta(TenantSerializer.Meta):
        fields = [*TenantSerializer.Meta.fields, "suspended_reason", "delete_after", "plan", "price"]
        read_only_fields = fields

    def get_plan(self, client) -> str:
        subscription = subscription_of(client)
        return subscription.plan.slug if subscription is not None else ""

    def get_price(self, client) -> dict:
        price = client_price_of(client)
        return {"monthly_price": str(price.monthly_price), "minute_price": str(price.minute_price)}


class _Pricing(serializers.Serializer):
    plan = serializers.SlugField(required=False, help_text="A listed plan's slug: the client's limits and features.")
    monthly_price = serializers.DecimalField(
        max_digits=9, decimal_places=2, min_value=0, required=False, help_text="What the agency charges per month."
    )
    minute_price = serializers.DecimalField(
        max_digits=7, decimal_places=4, min_value=0, required=False, help_text="What it charges per billable minute."
    )


class AgencyClientCreateSerializer(ClientCreateSerializer, _Pricing):
    product_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    primary_colour = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", required=False, allow_blank=True)
    support_email = serializers.EmailField(required=False, allow_blank=True)
    sender_name = serializers.CharField(max_length=100, required=False, allow_blank=True)


class AgencyClientUpdateSerializer(TenantUpdateSerializer, _Pricing):
    status = serializers.ChoiceField(
        choices=Tenant.Status.choices, required=False, help_text="suspended: its API, dashboard and calls stop."
    )
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ClientClosedSerializer(ModelSerializer):
    class Meta:
        model = Tenant
        fields = ["id", "slug", "status", "delete_after"]
        read_only_fields = fields


class ImpersonationSerializer(serializers.Serializer):
    host = serializers.CharField(help_text="The client's host, where the agency's user now acts (audited there).")
