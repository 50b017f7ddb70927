"""White-label: the name, logo, colour, support address and sender a tenant's users and contacts see, on the host
they are served at. A client's blank branding is its agency's; the platform's own name (PLATFORM_NAME) shows only
on tenants with no branding and no name of their own, never on an agency's client."""

from dataclasses import dataclass
from email.utils import formataddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage

from tenants.models import Domain, Logo, Tenant
from tenants.selectors import is_public


@dataclass(frozen=True)
class Branding:
    name: str
    # Where the logo is served on the brand's own hosts ("" for none): pages use the path, emails `logo_url`.
    logo_path: str
    primary_colour: str
    support_email: str
    sender_name: str
    host: str
    # The address its emails come from; blank: the platform's (DEFAULT_FROM_EMAIL, read when sending).
    sender_email: str = ""

    @property
    def logo_url(self) -> str:
        return self.base_url + self.logo_path if self.logo_path else ""

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
    logo_path="",
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


LOGO_PATH = "/brand/logo/"


def _logo_path(owners: list[int]) -> str:
    """The first of `owners` (the tenant, then its agency) with a logo."""
    digests = dict(Logo.objects.filter(tenant_id__in=owners).values_list("tenant_id", "digest"))
    found = next((digests[owner] for owner in owners if owner in digests), None)
    return f"{LOGO_PATH}{found}" if found else ""


def own_logo_path(tenant: Tenant) -> str:
    """The tenant's own logo (not its agency's), "" for none."""
    return _logo_path([tenant.pk])


def logo_for(tenant, digest: str) -> Logo | None:
    """The logo served at `/brand/logo/<digest>` on the tenant's hosts: its own or its agency's, nobody else's."""
    if is_public(tenant):
        return None
    owners = [tenant.pk] + ([tenant.parent_id] if tenant.kind == Tenant.Kind.CLIENT else [])
    return Logo.objects.filter(tenant_id__in=owners, digest=digest).first()


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
        logo_path=_logo_path(owners),
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
