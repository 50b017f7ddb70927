import zoneinfo

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

SLUG_VALIDATOR = RegexValidator(
    r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$",
    "Use 3-40 lowercase letters, digits and hyphens, starting with a letter.",
)
RESERVED_SLUGS = {"www", "api", "admin", "app", "public", "static", "media", "mail", "tenant-template"}
COLOUR_VALIDATOR = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a hex colour such as #1a73e8.")


def validate_timezone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"'{value}' is not a known IANA time zone.")


class Tenant(TenantMixin):
    class Status(models.TextChoices):
        ACTIVE = "active"
        SUSPENDED = "suspended"

    class Kind(models.TextChoices):
        DIRECT = "direct"
        AGENCY = "agency"
        CLIENT = "client"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=40, unique=True, validators=[SLUG_VALIDATOR])
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.DIRECT)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clients",
        help_text="The agency that manages this client tenant.",
    )
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    # White-label branding, shown on the tenant's dashboard and emails (`tenants.branding`).
    product_name = models.CharField(max_length=100, blank=True)
    primary_colour = models.CharField(max_length=7, blank=True, validators=[COLOUR_VALIDATOR])
    support_email = models.EmailField(blank=True)
    # The name its emails come from; blank: the product name. A client's blank branding is its agency's.
    sender_name = models.CharField(max_length=100, blank=True)
    suspended_reason = models.CharField(max_length=300, blank=True)
    # Owners may require every member to sign in with a second factor (API keys are not affected).
    require_two_factor = models.BooleanField(default=False)
    # CIDR ranges the tenant's API and dashboard may be reached from (empty: anywhere), by the client IP that
    # config.proxies finds behind our trusted proxies; checked before authentication (tenants.middleware).
    ip_allowlist = ArrayField(models.CharField(max_length=49), default=list, blank=True)
    # Closed by its owner: suspended at once, and every piece of its data deleted at this time (tenants.services).
    delete_after = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    auto_create_schema = True
    auto_drop_schema = True

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="client_tenant_has_parent",
                condition=~models.Q(kind="client") | models.Q(parent__isnull=False),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        from django_tenants.utils import schema_exists

        from tenants.schema_builder import build_schema

        if check_if_exists and schema_exists(self.schema_name):
            return False
        if not sync_schema or not schema_exists(self.get_base_schema() or ""):
            return super().create_schema(check_if_exists, sync_schema, verbosity)
        build_schema(self.schema_name)
        return True

    @staticmethod
    def schema_name_for(slug):
        return "t_" + slug.replace("-", "_")


class Domain(DomainMixin):
    """A host a tenant is served at. A custom domain has a verification token and serves only once a DNS TXT record
    holding it proves its owner controls the domain (`tenants.services.verify_domain`); the platform's own hosts
    (no token) serve at once."""

    verification_token = models.CharField(max_length=64, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True, auto_now_add=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self):
        return self.domain

    @property
    def is_pending(self) -> bool:
        return bool(self.verification_token) and self.verified_at is None


class Logo(models.Model):
    """A tenant's uploaded logo (`tenants.logos` checked it), served from the tenant's own host at
    `/brand/logo/<digest>`: content-addressed, so a new logo is a new address and caches never show an old one."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="logo")
    content = models.BinaryField()
    content_type = models.CharField(max_length=20)
    digest = models.CharField(max_length=64, help_text="SHA-256 of the content, hex.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.tenant_id} {self.content_type} {self.digest[:12]}"


class PhoneNumberClaim(models.Model):
    """Which tenant uses a phone number (public schema): one number, one tenant, across all tenants' schemas.

    Claimed when a tenant imports or buys the number, released when it removes it; Twilio's webhooks for a
    number are refused on any other tenant's URL. Written by `tenants.numbers` only."""

    number = models.CharField(max_length=16, unique=True, help_text="E.164.")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="phone_number_claims")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]

    def __str__(self):
        return f"{self.number} ({self.tenant.slug})"
