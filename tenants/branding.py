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
    # The address its emails come from; blank: the platform's (DEFAULT_FROM_EMAIL, read when sending).
    sender_email: str = ""

    @property
    def from_email(self) -> str:
        return formataddr((self.sender_name, self.sender_email or settings.DEFAULT_FROM_EMAIL))

    @property
    def reply_to(self) -> list[str] | None:
        return [self.support_email] if self.support_email else None

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


def _verified(domain: Domain) -> bool:
    return bool(domain.verification_token) and domain.verified_at is not None


def _host(tenant: Tenant, domains: list[Domain]) -> str:
    """Where the tenant's users are sent: a verified custom domain (the agency's brand), else its primary host."""
    own = [domain for domain in domains if domain.tenant_id == tenant.pk]
    custom = [domain for domain in own if _verified(domain)]
    chosen = custom[0] if custom else (own[0] if own else None)
    return chosen.domain if chosen is not None else settings.BASE_DOMAIN


def host_of(tenant: Tenant) -> str:
    return _host(tenant, list(Domain.objects.filter(tenant=tenant).order_by("-is_primary", "id")))


def sender_address(support_email: str, domains: list[Domain]) -> str:
    """The support address as the sender, when its domain is a verified custom domain (or the parent domain of one:
    help@brightdesk.example for app.brightdesk.example) of the tenant or its agency, the DNS proof that they own it;
    else "" (the platform's address). Mail from it is delivered only once the domain's SPF/DKIM admit our mail
    servers, which docs/agencies.md asks the agency to add."""
    if "@" not in support_email:
        return ""
    mail_domain = support_email.rsplit("@", 1)[1].lower()
    if "." not in mail_domain:
        return ""
    for domain in domains:
        if _verified(domain) and (domain.domain == mail_domain or domain.domain.endswith("." + mail_domain)):
            return support_email
    return ""


def branding_of(tenant) -> Branding:
    if tenant is not None and getattr(tenant, "pk", None) is None:
        # django-tenants' stand-in under schema_context (tasks) knows only its schema.
        tenant = Tenant.objects.filter(schema_name=tenant.schema_name).first()
    if is_public(tenant):
        return PLATFORM
    agency = tenant.parent if tenant.kind == Tenant.Kind.CLIENT else None

    def field(name):
        return getattr(tenant, name) or (getattr(agency, name) if agency is not None else "")

    owners = [tenant.pk] + ([agency.pk] if agency is not None else [])
    domains = list(Domain.objects.filter(tenant_id__in=owners).order_by("-is_primary", "id"))
    name = field("product_name") or tenant.name
    support_email = field("support_email")
    return Branding(
        name=name,
        logo_url=field("logo_url"),
        primary_colour=field("primary_colour"),
        support_email=support_email,
        sender_name=field("sender_name") or name,
        host=_host(tenant, domains),
        sender_email=sender_address(support_email, domains),
    )


def send_mail(tenant, subject: str, body: str, to: list[str]) -> None:
    """An email in the tenant's name (the platform's for none): from its sender name and address
    (`Branding.from_email`), replies to its support address."""
    brand = branding_of(tenant)
    EmailMessage(subject, body, brand.from_email, to, reply_to=brand.reply_to).send()
