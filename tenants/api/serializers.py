from rest_framework import serializers

from config.api.serializers import ModelSerializer
from tenants.branding import own_logo_path
from tenants.models import SLUG_VALIDATOR, Domain, Tenant, validate_timezone
from tenants.services import verification_record


class TenantSerializer(ModelSerializer):
    host = serializers.SerializerMethodField()
    logo_url = serializers.SerializerMethodField(help_text="Its own uploaded logo, on its own host; blank for none.")

    class Meta:
        model = Tenant
        fields = [
            "id",
            "name",
            "slug",
            "kind",
            "status",
            "parent",
            "timezone",
            "product_name",
            "logo_url",
            "primary_colour",
            "support_email",
            "sender_name",
            "created_at",
            "host",
        ]
        read_only_fields = ["id", "slug", "kind", "status", "parent", "created_at", "host", "logo_url"]

    def get_logo_url(self, tenant) -> str:
        return own_logo_path(tenant)

    def get_host(self, tenant) -> str:
        domain = tenant.get_primary_domain()
        return domain.domain if domain else ""


class TenantUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    timezone = serializers.CharField(max_length=64, required=False, validators=[validate_timezone])
    product_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    primary_colour = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", required=False, allow_blank=True)
    support_email = serializers.EmailField(required=False, allow_blank=True)
    sender_name = serializers.CharField(max_length=100, required=False, allow_blank=True)


class LogoUploadSerializer(serializers.Serializer):
    logo = serializers.FileField(help_text="PNG, JPEG or WebP (no SVG), within LOGO_MAX_BYTES.")


class LogoSerializer(serializers.Serializer):
    logo_url = serializers.CharField(help_text="Where it is served, on the tenant's own host.")


class IpAllowlistSerializer(serializers.Serializer):
    ranges = serializers.ListField(
        child=serializers.CharField(max_length=49),
        help_text="IP addresses or CIDR ranges (e.g. 203.0.113.0/24); empty: reachable from anywhere.",
    )


class DomainSerializer(ModelSerializer):
    status = serializers.SerializerMethodField()
    verification = serializers.SerializerMethodField(
        help_text="The DNS TXT record that proves the domain is yours (null for the platform's own hosts)."
    )

    class Meta:
        model = Domain
        fields = ["id", "domain", "is_primary", "status", "verification", "verified_at", "last_checked_at"]
        read_only_fields = fields

    def get_status(self, domain) -> str:
        return "pending" if domain.is_pending else "verified"

    def get_verification(self, domain) -> dict | None:
        return verification_record(domain) if domain.verification_token else None


class DomainCreateSerializer(serializers.Serializer):
    # The length as a limit of its own, not a lookahead in the pattern: a schema-driven client (the API fuzz) takes
    # seconds to make one string that fits a lookahead. The pattern alone is at least four characters long.
    domain = serializers.RegexField(
        r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
        max_length=253,
        error_messages={"invalid": "Enter a valid host name such as calls.example.com."},
    )


class ClientCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.CharField(max_length=40, validators=[SLUG_VALIDATOR])
    timezone = serializers.CharField(max_length=64, default="UTC", validators=[validate_timezone])


class TenantCloseSerializer(serializers.Serializer):
    confirm = serializers.CharField(
        max_length=40,
        help_text="The tenant's slug. Closing deletes every piece of its data after the grace period: export first.",
    )

    def validate_confirm(self, value):
        if value != self.context["tenant"].slug:
            raise serializers.ValidationError(
                "Type the tenant's slug to close it. Its data is deleted after the grace period: export what you "
                "need first (POST /api/compliance/exports, GET /api/analytics/export)."
            )
        return value


class TenantClosedSerializer(ModelSerializer):
    class Meta:
        model = Tenant
        fields = ["slug", "status", "delete_after"]
        read_only_fields = fields
