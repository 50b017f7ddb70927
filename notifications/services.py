"""Notifications: what a domain event means for whom, stored for the app, pushed to the user's open event sockets
and emailed (by Celery, with retries) to those whose preferences ask for it.

Producers publish domain events (`config.events`); `on_tenant_event` and `on_account_event` run in the publishing
transaction, so a notification exists exactly when the change it reports commits."""

from dataclasses import dataclass

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from accounts.roles import PERMISSIONS
from config import events
from config.celery import enqueue_on_commit
from config.errors import NotFound
from notifications.models import Kind, Notification, Preference
from tenants.branding import branding_of
from tenants.models import Tenant
from tenants.services import tenant_base_url

EMAIL_TASK = "notifications.send_email"

# (in the app, by email) when the user has not chosen.
DEFAULTS = {
    Kind.CALL_FOLLOW_UP: (True, False),
    Kind.CAMPAIGN_COMPLETED: (True, True),
    Kind.KNOWLEDGE_FILE_FAILED: (True, True),
    Kind.WEBHOOK_ENDPOINT_DISABLED: (True, True),
    Kind.PAYMENT_FAILED: (True, True),
    Kind.NEW_SIGN_IN: (True, True),
}
# Who in the tenant hears of each kind: the members whose role has this permission.
AUDIENCE = {
    Kind.CALL_FOLLOW_UP: "calls.view",
    Kind.CAMPAIGN_COMPLETED: "campaigns.manage",
    Kind.KNOWLEDGE_FILE_FAILED: "agents.manage",
    Kind.WEBHOOK_ENDPOINT_DISABLED: "tenant.manage",
    Kind.PAYMENT_FAILED: "billing.manage",
}
# Keys of a call's extraction that, when filled in, mean someone asked for something to be done.
FOLLOW_UP_FIELDS = ("follow_up", "callback_requested", "message")


@dataclass
class Content:
    kind: str
    title: str
    body: str
    link: str = ""


def needs_follow_up(analysis: dict) -> bool:
    """A call needs a person when its analysis says it failed or went badly, or the caller left a message or asked
    to be called back."""
    extraction = analysis.get("extraction") or {}
    return (
        analysis.get("success") is False
        or analysis.get("sentiment") == "negative"
        or any(extraction.get(field) for field in FOLLOW_UP_FIELDS)
    )


def content_of(event: dict) -> Content | None:
    """What a tenant's domain event tells its people, or None when it needs nobody."""
    data = event["data"]
    match event["type"]:
        case "call.analyzed" if needs_follow_up(data):
            return Content(
                Kind.CALL_FOLLOW_UP,
                "A call needs a follow-up",
                data.get("summary") or "The call's analysis flagged it.",
                f"/calls/{data['call_id']}",
            )
        case "campaign.completed":
            return Content(
                Kind.CAMPAIGN_COMPLETED,
                f"Campaign “{data['name']}” finished",
                "Every contact of the campaign has been called.",
                f"/campaigns/{data['campaign_id']}",
            )
        case "knowledge.file_failed":
            return Content(
                Kind.KNOWLEDGE_FILE_FAILED,
                f"“{data['name']}” could not be indexed",
                data.get("reason") or "",
                "/knowledge",
            )
        case "webhook.endpoint_disabled":
            return Content(
                Kind.WEBHOOK_ENDPOINT_DISABLED,
                "A webhook endpoint was disabled",
                f"Deliveries to {data['url']} kept failing, so it was turned off. Turn it back on in Settings > "
                "Webhooks once it answers again; the deliveries still pending are then sent.",
                "/settings",
            )
        case "billing.payment_failed":
            return Content(
                Kind.PAYMENT_FAILED,
                "A payment failed",
                f"We could not take the payment of invoice {data['invoice']}. Calls go on as usual until "
                f"{data['grace_ends'][:10]}; after that only inbound calls are answered until it is paid. Update "
                "your payment method from the billing page.",
                "/billing",
            )
    return None


def on_tenant_event(schema: str, event: dict) -> list[Notification]:
    """config.events subscriber: the tenant's members the event concerns get a notification each."""
    content = content_of(event)
    if content is None:
        return []
    tenant = Tenant.objects.get(schema_name=schema)
    roles = PERMISSIONS[AUDIENCE[content.kind]]
    users = User.objects.filter(memberships__tenant=tenant, memberships__role__in=roles, is_active=True)
    return [_notify(user, tenant, content, event) for user in users]


def on_account_event(user_id: int, event: dict) -> list[Notification]:
    """config.events account subscriber: the user hears of their own account's events, on every tenant's page."""
    if event["type"] != "account.new_sign_in":
        return []
    data = event["data"]
    content = Content(
        Kind.NEW_SIGN_IN,
        "New sign-in to your account",
        f"Your account was signed in to from a new address, {data['ip']}, at {data['at'][:16].replace('T', ' ')} "
        "UTC. If this was not you, change your password now and sign out your other sessions.",
        "/settings",
    )
    return [_notify(User.objects.get(pk=user_id), None, content, event)]


def _notify(user: User, tenant: Tenant | None, content: Content, event: dict) -> Notification | None:
    in_app, email = channels_of(user, content.kind)
    if not (in_app or email):
        return None
    notification, created = Notification.objects.get_or_create(
        user=user,
        event_id=event["id"],
        defaults={
            "tenant": tenant,
            "kind": content.kind,
            "title": content.title,
            "body": content.body,
            "link": content.link,
            "data": event["data"],
            "in_app": in_app,
            "email_wanted": email,
        },
    )
    if not created:
        return notification
    if in_app:
        events.send_to_user(
            user.pk,
            tenant.schema_name if tenant else None,
            {
                "type": "notification.created",
                "id": event["id"],
                "occurred_at": event["occurred_at"],
                "data": as_dict(notification),
            },
        )
    if email:
        # Robust: the change that raised the event must not fail for a broker that is down.
        enqueue_on_commit(EMAIL_TASK, notification.pk, robust=True)
    return notification


def as_dict(notification: Notification) -> dict:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "link": notification.link,
        "data": notification.data,
        "read": notification.read_at is not None,
        "created_at": notification.created_at.isoformat(),
    }


def channels_of(user: User, kind: str) -> tuple[bool, bool]:
    preference = Preference.objects.filter(user=user, kind=kind).first()
    return (preference.in_app, preference.email) if preference else DEFAULTS[kind]


def preferences_of(user: User) -> list[dict]:
    chosen = {p.kind: (p.in_app, p.email) for p in Preference.objects.filter(user=user)}
    return [
        {"kind": kind.value, "description": kind.label, "in_app": in_app, "email": email}
        for kind in Kind
        for in_app, email in [chosen.get(kind.value, DEFAULTS[kind])]
    ]


@transaction.atomic
def set_preferences(user: User, choices: list[dict]) -> list[dict]:
    """`choices`: [{kind, in_app, email}]; kinds left out keep what they had."""
    for choice in choices:
        Preference.objects.update_or_create(
            user=user, kind=choice["kind"], defaults={"in_app": choice["in_app"], "email": choice["email"]}
        )
    return preferences_of(user)


def visible_to(user: User, tenant: Tenant):
    """The user's in-app notifications seen on this tenant's host: its own and those of the user's account."""
    return Notification.objects.filter(user=user, in_app=True).filter(Q(tenant=tenant) | Q(tenant__isnull=True))


def mark_read(user: User, tenant: Tenant, notification_id: int) -> Notification:
    notification = visible_to(user, tenant).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound("No such notification.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(user: User, tenant: Tenant) -> int:
    return visible_to(user, tenant).filter(read_at__isnull=True).update(read_at=timezone.now())


def send_email(notification_id: int) -> bool:
    """Emails the notification once: claimed by a conditional UPDATE, released again if sending fails (the task
    retries). False when it was sent already or is not to be emailed."""
    claimed = Notification.objects.filter(pk=notification_id, email_wanted=True, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("user", "tenant").get(pk=notification_id)
    try:
        email_of(notification).send()
    except Exception:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return True


def email_of(notification: Notification) -> EmailMultiAlternatives:
    """Plain text and HTML, under the tenant's brand (`tenants.branding`: a client's blank branding is its agency's,
    and its links go to its verified custom domain)."""
    tenant = notification.tenant
    brand = branding_of(tenant)
    base = brand.base_url if tenant else tenant_base_url(tenant)
    context = {
        "notification": notification,
        "brand": brand.name,
        "colour": brand.primary_colour or "#1f6feb",
        "logo_url": brand.logo_url,
        "support_email": brand.support_email,
        "url": f"{base}{notification.link}" if notification.link else base,
    }
    message = EmailMultiAlternatives(
        subject=f"{brand.name}: {notification.title}",
        body=render_to_string("notifications/email.txt", context),
        from_email=brand.from_email,
        to=[notification.user.email],
        reply_to=brand.reply_to,
    )
    message.attach_alternative(render_to_string("notifications/email.html", context), "text/html")
    return message
