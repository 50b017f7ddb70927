"""White-label: the name, logo, colour, support address and sender a tenant's users and contacts see, on the host
they are served at. A client's blank branding is its agency's; the platform's own name (PLATFORM_NAME) shows only
on tenants with no branding and no name of their own, never on an agency's client."""

from dataclasses import dataclass
from email.utils import formataddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage

from tenants.models import Domain, Tenant
from tenants.selectors import is_public


@dataclass(frozen=True)
class Branding:
    name: str
    logo_url: str
    primary_colour: str
    support_email: str
    sender_name: str
    host: str

    @property
    def base_url(self) -> str:
        """The host's URL with FRONTEND_URL's scheme and port (the platform's hosts share them)."""
        frontend = urlsplit(settings.FRONTEND_URL)
        return f"{frontend.scheme}://{self.host}" + (f":{frontend.port}" if frontend.port else "")


PLATFORM = Branding(
    name=settings.PLATFORM_NAME,
    logo_url="",
    primary_colour="",
    support_email="",
    sender_name=settings.PLATFORM_NAME,
    host=settings.BASE_DOMAIN,
)


def host_of(tenant: Tenant) -> str:
    """Where the tenant's users are sent: a verified custom domain (the agency's brand), else its primary host."""
    domains = list(Domain.objects.filter(tenant=tenant).order_by("-is_primary", "id"))
    custom = [domain for domain in domains if domain.verification_token and domain.verified_at is not None]
    chosen = custom[0] if custom else (domains[0] if domains else None)
    return chosen.domain if chosen is not None else settings.BASE_DOMAIN


def branding_of(tenant) -> Branding:
    if tenant is not None and getattr(tenant, "pk", None) is None:
        # django-tenants' stand-in under schema_context (tasks) knows only its schema.
        tenant = Tenant.objects.filter(schema_name=tenant.schema_name).first()
    if is_public(tenant):
        return PLATFORM
    agency = tenant.parent if tenant.kind == Tenant.Kind.CLIENT else None

    def field(name):
        return getattr(tenant, name) or (getattr(agency, name) if agency is not None else "")

    name = field("product_name") or tenant.name
    return Branding(
        name=name,
        logo_url=field("logo_url"),
        primary_colour=field("primary_colour"),
        support_email=field("support_email"),
        sender_name=field("sender_name") or name,
        host=host_of(tenant),
    )


def send_mail(tenant, subject: str, body: str, to: list[str]) -> None:
    """An email in the tenant's name (the platform's for none): from its sender name, replies to its support
    address."""
    brand = branding_of(tenant)
    EmailMessage(
        subject,
        body,
        formataddr((brand.sender_name, settings.DEFAULT_FROM_EMAIL)),
        to,
        reply_to=[brand.support_email] if brand.support_email else None,
    ).send()
