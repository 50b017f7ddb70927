"""Billing's writers: plans and which plan a tenant is on (operators, trials, Stripe Checkout and Stripe's webhooks);
usage metering (the only writer of `UsageRecord`)."""

import logging
import math
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Membership
from billing import gateway, selectors
from billing.models import ClientPrice, Plan, StripeEvent, Subscription, UsageRecord
from billing.selectors import LAPSED
from compliance.services import record_audit_event
from config.celery import enqueue_on_commit
from config.errors import Conflict, DomainError
from config.events import publish
from tenants.branding import send_mail as branded_mail
from tenants.models import Tenant
from tenants.services import make_agency

logger = logging.getLogger(__name__)

# Plans ----------------------------------------------------------------------------------------


@transaction.atomic
def make_default_plan(plan: Plan) -> Plan:
    """The plan of every tenant without a subscription. The flag moves in one transaction, so exactly one plan
    has it (the default plan cannot be deleted, nor unset except by making another plan the default)."""
    now = timezone.now()
    Plan.objects.filter(is_default=True).exclude(pk=plan.pk).update(is_default=False, updated_at=now)
    Plan.objects.filter(pk=plan.pk).update(is_default=True, updated_at=now)
    plan.refresh_from_db()
    return plan


@transaction.atomic
def assign_plan(tenant, plan: Plan, *, actor=None) -> Subscription:
    """Puts the tenant on `plan` (an operator's choice: active, no trial), effective at once (limits are read per
    call and per dial), and records the change in the tenant's audit log, where its owners see it."""
    previous = selectors.plan_of(tenant)
    subscription, _ = Subscription.objects.update_or_create(
        tenant=tenant, defaults={"plan": plan, "status": Subscription.Status.ACTIVE, "trial_ends_at": None}
    )
    with tenant_context(tenant):
        record_audit_event(
            action="billing.plan_changed",
            actor=actor,
            target=f"plan:{plan.slug}",
            data={"from": previous.slug, "to": plan.slug},
        )
    _agency_by_plan(subscription, actor=actor)
    return subscription


def _agency_by_plan(subscription: Subscription, *, actor=None) -> None:
    """A direct tenant whose plan (in good standing) has white-label becomes an agency: the self-serve agency plan.
    Leaving the plan keeps the kind and the clients; only new clients are refused (`quotas.check_feature`)."""
    if subscription.plan.white_label and subscription.status in (
        Subscription.Status.ACTIVE,
        Subscription.Status.TRIALING,
    ):
        make_agency(subscription.tenant, actor=actor, reason=f"plan:{subscription.plan.slug}")


def set_client_price(client, *, actor=None, **prices) -> ClientPrice:
    """An agency's price for one client (`monthly_price`, `minute_price`; those not given stay), recorded in the
    client's audit log, where its owners see what they will be charged."""
    price = ClientPrice.objects.filter(client=client).first() or ClientPrice(client=client)
    for name, value in prices.items():
        setattr(price, name, value)
    price.full_clean(exclude=["client"])
    price.save()
    with tenant_context(client):
        record_audit_event(
            action="billing.client_price_set",
            actor=actor,
            target=f"tenant:{client.slug}",
            data={"monthly_price": str(price.monthly_price), "minute_price": str(price.minute_price)},
        )
    return price


def start_trial(tenant) -> Subscription:
    """A new tenant tries the default plan for BILLING_TRIAL_DAYS; then it calls out only once it subscribes."""
    return Subscription.objects.create(
        tenant=tenant,
        plan=Plan.objects.get(is_default=True),
        status=Subscription.Status.TRIALING,
        trial_ends_at=timezone.now() + timedelta(days=settings.BILLING_TRIAL_DAYS),
    )


# Stripe: plans, Checkout, the Customer Portal ----------------------------------------------------


def sync_stripe_plans() -> list[Plan]:
    """Every listed plan as a Stripe product with its monthly price; running it again changes nothing."""
    synced = []
    ids = ["stripe_product_id", "stripe_price_id", "stripe_minutes_price_id", "stripe_client_minutes_price_id"]
    for plan in Plan.objects.filter(is_listed=True).order_by("pk"):
        for name, value in zip(ids, gateway.sync_plan(plan), strict=True):
            setattr(plan, name, value)
        plan.save(update_fields=[*ids, "updated_at"])
        synced.append(plan)
    return synced


def checkout_url(tenant, *, plan_slug: str, user) -> str:
    """Where the tenant's owner subscribes to a listed plan (Stripe Checkout). A tenant already paying through Stripe
    changes plan in the Customer Portal instead, so it never has two subscriptions."""
    plan = Plan.objects.filter(slug=plan_slug, is_listed=True).exclude(stripe_price_id="").first()
    if plan is None:
        raise DomainError(
            f"No plan '{plan_slug}' to subscribe to.",
            error_code="plan_not_for_sale",
            errors={"plan": ["Choose a listed plan with a price (custom plans: contact sales)."]},
        )
    subscription = selectors.subscription_of(tenant)
    if subscription is not None and subscription.stripe_subscription_id and subscription.status not in LAPSED:
        raise Conflict(
            "This tenant already has a subscription: change its plan in the billing portal.",
            error_code="already_subscribed",
        )
    return gateway.checkout_url(
        tenant=tenant,
        plan=plan,
        customer_id=subscription.stripe_customer_id if subscription is not None else "",
        email=user.email,
        trial_days=trial_days_left(subscription),
        success_url=f"{settings.STRIPE_RETURN_URL}?checkout=success",
        cancel_url=f"{settings.STRIPE_RETURN_URL}?checkout=cancelled",
    )


def trial_days_left(subscription, *, now=None) -> int:
    """Whole days left of a running trial (a part-day counts as a day), carried into Checkout so subscribing early
    does not cut the trial short; 0 when there is no trial left."""
    if subscription is None or subscription.status != Subscription.Status.TRIALING or not subscription.trial_ends_at:
        return 0
    left = subscription.trial_ends_at - (now or timezone.now())
    return max(0, math.ceil(left / timedelta(days=1)))


def portal_url(tenant) -> str:
    subscription = selectors.subscription_of(tenant)
    if subscription is None or not subscription.stripe_customer_id:
        raise Conflict("Subscribe to a plan first (POST /api/billing/checkout).", error_code="no_billing_account")
    return gateway.portal_url(customer_id=subscription.stripe_customer_id, return_url=settings.STRIPE_RETURN_URL)


# Stripe webhooks ----------------------------------------------------------------------------------


def apply_stripe_event(event) -> bool:
    """Applies a verified Stripe event once: its id is claimed by an INSERT … ON CONFLICT DO NOTHING in the same
    transaction as its effects, so a replay finds the row and a concurrent duplicate waits on it, then finds it
    too. Returns False for a duplicate. Each change of a subscription also carries the event's `created` time, and an
    event older than the last one applied to it changes nothing (Stripe delivers in no guaranteed order)."""
    created = datetime.fromtimestamp(event.created, tz=UTC)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {StripeEvent._meta.db_table} (id, type, created, received_at) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (id) DO NOTHING RETURNING id",
                [event.id, event.type, created, timezone.now()],
            )
            if cursor.fetchone() is None:
                return False
        handler = EVENT_HANDLERS.get(event.type)
        if handler is not None:
            handler(event.data.object.to_dict(), created)
    return True


def _subscription_for(obj, *, tenant_id=None) -> Subscription | None:
    """The subscription (locked) an event's object belongs to: by the tenant our Checkout put in its metadata, else by
    Stripe's customer or subscription id."""
    metadata = obj.get("metadata") or {}
    tenant_id = tenant_id or metadata.get("tenant_id")
    locked = Subscription.objects.select_for_update().select_related("tenant", "plan")
    if tenant_id and str(tenant_id).isdigit():
        found = locked.filter(tenant_id=int(tenant_id)).first()
        if found is not None:
            return found
    customer = obj.get("customer")
    if customer:
        found = locked.filter(stripe_customer_id=customer).first()
        if found is not None:
            return found
    subscription_id = obj.get("subscription") if obj.get("object") != "subscription" else obj.get("id")
    if subscription_id:
        return locked.filter(stripe_subscription_id=subscription_id).first()
    return None


def _newer(subscription: Subscription, created: datetime) -> bool:
    """Claims the subscription for an event created at `created` (a conditional UPDATE): False when a newer event
    was applied to it already."""
    claimed = (
        Subscription.objects.filter(pk=subscription.pk)
        .filter(Q(stripe_event_created__isnull=True) | Q(stripe_event_created__lte=created))
        .update(stripe_event_created=created)
    )
    if not claimed:
        logger.info("Stripe event of %s for %s is older than the last applied; ignored", created, subscription)
    return bool(claimed)


CANCEL_ON_CLOSE_TASK = "billing.cancel_subscription_of_closed_tenant"


def cancel_on_close(tenant) -> None:
    """`tenants.signals.tenant_closed`, in the closing's transaction: a tenant paying through Stripe is charged no
    more. Stripe is called by a task once the closing commits (retried while Stripe is down)."""
    subscription = selectors.subscription_of(tenant)
    if subscription and subscription.stripe_subscription_id and subscription.status != Subscription.Status.CANCELED:
        enqueue_on_commit(CANCEL_ON_CLOSE_TASK, tenant.pk)


def cancel_subscription_of_closed_tenant(tenant_id) -> bool:
    """Cancels a closed tenant's Stripe subscription at once, under an idempotency key naming it (a retried task
    cancels once); audited. False: nothing to cancel (Stripe's webhook may have told us first)."""
    subscription = Subscription.objects.select_related("tenant", "plan").filter(tenant_id=tenant_id).first()
    if subscription is None or not subscription.stripe_subscription_id:
        return False
    if subscription.status == Subscription.Status.CANCELED:
        return False
    stripe_id = subscription.stripe_subscription_id
    gateway.cancel_subscription(stripe_id, idempotency_key=f"close-{tenant_id}-{stripe_id}")
    with transaction.atomic():
        _write(subscription, status=Subscription.Status.CANCELED, cancel_at_period_end=False)
        _audit(subscription, "billing.subscription_canceled", reason="tenant_closed", stripe_subscription=stripe_id)
    return True


def _write(subscription: Subscription, **fields) -> None:
    for name, value in fields.items():
        setattr(subscription, name, value)
    subscription.save(update_fields=[*fields, "updated_at"])


def _audit(subscription: Subscription, action: str, **data) -> None:
    with tenant_context(subscription.tenant):
        record_audit_event(action=action, target=f"plan:{subscription.plan.slug}", data=data)


def _tell_owners(subscription: Subscription, subject: str, body: str) -> None:
    """Email the tenant's owners in its brand (after the transaction commits: a rolled-back event told nobody)."""
    owners = list(
        Membership.objects.filter(tenant=subscription.tenant, role="owner").values_list("user__email", flat=True)
    )
    if owners:
        tenant = subscription.tenant
        transaction.on_commit(lambda: branded_mail(tenant, subject, body, owners))


def _when(timestamp) -> datetime | None:
    return datetime.fromtimestamp(timestamp, tz=UTC) if timestamp else None


def _plan_of_stripe_subscription(obj) -> Plan | None:
    items = (obj.get("items") or {}).get("data") or []
    price = items[0].get("price") if items else None
    if price:
        found = Plan.objects.filter(stripe_price_id=price.get("id")).first()
        if found is not None:
            return found
        slug = (price.get("metadata") or {}).get("plan")
        if slug:
            return Plan.objects.filter(slug=slug).first()
    slug = (obj.get("metadata") or {}).get("plan")
    return Plan.objects.filter(slug=slug).first() if slug else None


def _period_end(obj) -> datetime | None:
    # Newer API versions keep the period on each subscription item.
    items = (obj.get("items") or {}).get("data") or []
    return _when(obj.get("current_period_end") or (items[0].get("current_period_end") if items else None))


def _checkout_completed(session, created) -> None:
    subscription = _subscription_for(session, tenant_id=session.get("client_reference_id"))
    if subscription is None:
        logger.warning("Stripe checkout %s names no tenant of ours", session.get("id"))
        return
    # Stripe's ids of the customer and subscription never go stale: kept whatever the order of events.
    ids = {"stripe_customer_id": session.get("customer") or subscription.stripe_customer_id}
    ids["stripe_subscription_id"] = session.get("subscription") or subscription.stripe_subscription_id
    _write(subscription, **ids)
    plan = Plan.objects.filter(slug=(session.get("metadata") or {}).get("plan")).first()
    if not _newer(subscription, created):
        return
    previous = subscription.plan.slug
    _write(
        subscription,
        plan=plan or subscription.plan,
        status=Subscription.Status.ACTIVE,
        trial_ends_at=None,
        payment_failed_at=None,
    )
    _audit(subscription, "billing.subscribed", **{"from": previous, "to": subscription.plan.slug})
    _agency_by_plan(subscription)


def _subscription_changed(obj, created) -> None:
    subscription = _subscription_for(obj)
    if subscription is None or not _newer(subscription, created):
        return
    previous_plan, previous_status = subscription.plan.slug, subscription.status
    status = obj.get("status") or subscription.status
    failed_at = subscription.payment_failed_at
    if status == Subscription.Status.PAST_DUE:
        failed_at = failed_at or created
    elif status in (Subscription.Status.ACTIVE, Subscription.Status.TRIALING):
        failed_at = None
    _write(
        subscription,
        plan=_plan_of_stripe_subscription(obj) or subscription.plan,
        status=status,
        stripe_subscription_id=obj.get("id") or subscription.stripe_subscription_id,
        stripe_customer_id=obj.get("customer") or subscription.stripe_customer_id,
        trial_ends_at=_when(obj.get("trial_end")),
        current_period_end=_period_end(obj),
        cancel_at_period_end=bool(obj.get("cancel_at_period_end")),
        payment_failed_at=failed_at,
    )
    _agency_by_plan(subscription)
    if (previous_plan, previous_status) != (subscription.plan.slug, subscription.status):
        _audit(
            subscription,
            "billing.subscription_changed",
            plan={"from": previous_plan, "to": subscription.plan.slug},
            status={"from": previous_status, "to": subscription.status},
        )


def _subscription_deleted(obj, created) -> None:
    subscription = _subscription_for(obj)
    if subscription is None or not _newer(subscription, created):
        return
    _write(subscription, status=Subscription.Status.CANCELED, cancel_at_period_end=False)
    _audit(subscription, "billing.subscription_canceled")
    _tell_owners(
        subscription,
        "Your subscription has ended",
        "Your subscription was canceled: outbound calls and campaigns have stopped; inbound calls go on within "
        "your plan's minutes. Subscribe again from the billing page to call out again.",
    )


def _invoice_paid(invoice, created) -> None:
    subscription = _subscription_for(invoice)
    if subscription is None or not _newer(subscription, created):
        return
    status = subscription.status
    if status in (Subscription.Status.PAST_DUE, Subscription.Status.UNPAID):
        status = Subscription.Status.ACTIVE
    _write(subscription, status=status, payment_failed_at=None)
    _audit(subscription, "billing.invoice_paid", invoice=invoice.get("id"), amount_paid=invoice.get("amount_paid"))


def _invoice_payment_failed(invoice, created) -> None:
    subscription = _subscription_for(invoice)
    if subscription is None or not _newer(subscription, created):
        return
    failed_at = subscription.payment_failed_at or created
    status = subscription.status if subscription.status in LAPSED else Subscription.Status.PAST_DUE
    _write(subscription, status=status, payment_failed_at=failed_at)
    grace_ends = failed_at + timedelta(days=settings.BILLING_PAYMENT_GRACE_DAYS)
    _audit(subscription, "billing.payment_failed", invoice=invoice.get("id"), grace_ends=grace_ends.isoformat())
    # The owners are told (in the app and by email) by `notifications`, a subscriber of the tenant's events.
    with tenant_context(subscription.tenant):
        publish(
            "billing.payment_failed",
            {"invoice": invoice.get("number") or invoice.get("id"), "grace_ends": grace_ends.isoformat()},
        )


def _trial_will_end(obj, created) -> None:
    subscription = _subscription_for(obj)
    if subscription is None:
        return
    ends = _when(obj.get("trial_end"))
    _audit(subscription, "billing.trial_will_end", trial_end=ends.isoformat() if ends else None)
    _tell_owners(
        subscription,
        "Your trial ends soon",
        f"Your trial ends on {ends:%Y-%m-%d}. Add a payment method from the billing page to keep calling out."
        if ends
        else "Your trial ends soon. Add a payment method from the billing page to keep calling out.",
    )


EVENT_HANDLERS = {
    "checkout.session.completed": _checkout_completed,
    "customer.subscription.created": _subscription_changed,
    "customer.subscription.updated": _subscription_changed,
    "customer.subscription.deleted": _subscription_deleted,
    "invoice.paid": _invoice_paid,
    "invoice.payment_failed": _invoice_payment_failed,
    "customer.subscription.trial_will_end": _trial_will_end,
}


# Usage ----------------------------------------------------------------------------------------


def call_usage_key(tenant, call_id) -> str:
    return f"{tenant.schema_name}:call:{call_id}"


REPORT_USAGE_TASK = "billing.report_usage"
# Stripe takes meter events up to 35 days old; an older correction is counted now.
METER_EVENT_MAX_AGE = timedelta(days=34)


def billable_minutes(seconds: int, rounding: str) -> int:
    """A call's seconds as whole billable minutes, by the plan's rounding rule."""
    if rounding == Plan.MinuteRounding.DOWN:
        return seconds // 60
    if rounding == Plan.MinuteRounding.NEAREST:
        return (seconds + 30) // 60
    return -(-seconds // 60)


def record_call_usage(tenant, call) -> UsageRecord | None:
    """The billable seconds of a finished call (`call.billable_seconds`) and its minutes by the plan's rounding,
    idempotent: one INSERT .. ON CONFLICT on the call's key, so a repeated analysis or a duration Twilio corrected
    later updates the same row. A call with nothing billable adds no row (but zeroes one recorded before). For a
    tenant paying through Stripe, the minutes not reported yet go to Stripe's meter (a task, once committed); an
    agency's client's go to its agency's client-minutes meter."""
    key = call_usage_key(tenant, call.pk)
    quantity = call.billable_seconds or 0
    if quantity == 0:
        UsageRecord.objects.filter(idempotency_key=key).update(
            quantity=0, billable_minutes=0, updated_at=timezone.now()
        )
        return None
    record = UsageRecord(
        tenant=tenant,
        kind=UsageRecord.Kind.CALL_SECONDS,
        quantity=quantity,
        billable_minutes=billable_minutes(quantity, selectors.plan_of(tenant).minute_rounding),
        call_id=call.pk,
        idempotency_key=key,
        occurred_at=call.started_at or call.created_at,
    )
    UsageRecord.objects.bulk_create(
        [record],
        update_conflicts=True,
        unique_fields=["idempotency_key"],
        update_fields=["quantity", "billable_minutes", "occurred_at", "updated_at"],
    )
    if _meter_of(tenant) is not None:
        enqueue_on_commit(REPORT_USAGE_TASK, key)
    return record


def _meter_of(tenant) -> tuple[str, str] | None:
    """(Stripe customer, meter event name) a tenant's call minutes are billed to: an agency's client's to its
    agency's client-minutes meter (the agency pays for its clients; a client never pays the platform itself), any
    other tenant's to its own call-minutes meter; None when nobody there pays through Stripe."""
    if tenant.kind == Tenant.Kind.CLIENT:
        subscription = selectors.subscription_of(tenant.parent)
        event_name = settings.STRIPE_CLIENT_METER_EVENT_NAME
    else:
        subscription = selectors.subscription_of(tenant)
        event_name = settings.STRIPE_METER_EVENT_NAME
    if subscription is None or not subscription.stripe_customer_id:
        return None
    return subscription.stripe_customer_id, event_name


def report_usage(key: str) -> int:
    """Tells Stripe's meter the minutes of one usage record it has not been told yet; returns how many. The meter
    event's identifier is the record's key and total, so a retried task (or two at once) is counted once by Stripe,
    and the record moves only from the total it was read at (a conditional UPDATE). A total that went down after it
    was reported (a duration Twilio corrected) is left as reported."""
    record = UsageRecord.objects.select_related("tenant__parent").filter(idempotency_key=key).first()
    if record is None or record.billable_minutes <= record.reported_minutes:
        return 0
    meter = _meter_of(record.tenant)
    if meter is None:
        return 0
    customer_id, event_name = meter
    minutes = record.billable_minutes - record.reported_minutes
    now = timezone.now()
    gateway.report_minutes(
        customer_id=customer_id,
        minutes=minutes,
        identifier=f"{key}:{record.billable_minutes}",
        timestamp=max(record.occurred_at, now - METER_EVENT_MAX_AGE),
        event_name=event_name,
    )
    UsageRecord.objects.filter(pk=record.pk, reported_minutes=record.reported_minutes).update(
        reported_minutes=record.billable_minutes, reported_at=now
    )
    return minutes
