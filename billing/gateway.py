"""Stripe, through its SDK: products and prices from our plans, Checkout and Customer Portal sessions, invoices, and
verifying webhook signatures. Nothing here writes our tables; `billing.services` does, with what these return."""

import logging
from datetime import UTC, datetime

import stripe
from django.conf import settings

from config.errors import DomainError, Unavailable, UpstreamError

logger = logging.getLogger(__name__)


def client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise Unavailable("Payments are not configured on this platform (STRIPE_SECRET_KEY is empty).")
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}, max_network_retries=2
    )


def _upstream(exc: stripe.StripeError) -> UpstreamError:
    logger.warning("Stripe refused a request: %s", exc)
    return UpstreamError(f"Stripe refused the request: {exc.user_message or exc.code or 'error'}.")


def product_id(plan) -> str:
    # Our own id for the plan's product, so finding it again needs nothing stored on our side.
    return f"plan_{plan.slug}"


def lookup_key(plan, kind="monthly") -> str:
    return f"plan_{plan.slug}_{kind}"


def _price(api, plan, kind: str, wanted: dict, params: dict) -> str:
    """The active price under the plan's lookup key for `kind` whose metadata says it is `wanted`; otherwise a new
    one takes over the key and the old one is archived (prices cannot change in Stripe; subscriptions on the old one
    keep it until they change plan)."""
    key = lookup_key(plan, kind)
    metadata = {"plan": plan.slug, **wanted}
    current = api.v1.prices.list(params={"lookup_keys": [key], "active": True, "limit": 1}).data
    if current and current[0].metadata.to_dict() == metadata and current[0].currency == settings.STRIPE_CURRENCY:
        return current[0].id
    price = api.v1.prices.create(
        params={
            "product": product_id(plan),
            "currency": settings.STRIPE_CURRENCY,
            "lookup_key": key,
            "transfer_lookup_key": True,
            "metadata": metadata,
            **params,
        }
    )
    for old in current:
        api.v1.prices.update(old.id, params={"active": False})
    return price.id


def _meter_id(api, event_name: str, display_name: str) -> str:
    """The meter of `event_name` (call minutes: STRIPE_METER_EVENT_NAME; an agency's clients' minutes:
    STRIPE_CLIENT_METER_EVENT_NAME), made on first use: the sum of the events' values per customer."""
    for meter in api.v1.billing.meters.list(params={"status": "active", "limit": 100}).auto_paging_iter():
        if meter.event_name == event_name:
            return meter.id
    return api.v1.billing.meters.create(
        params={
            "display_name": display_name,
            "event_name": event_name,
            "default_aggregation": {"formula": "sum"},
            "customer_mapping": {"type": "by_id", "event_payload_key": "stripe_customer_id"},
            "value_settings": {"event_payload_key": "value"},
        }
    ).id


def sync_plan(plan) -> tuple[str, str, str, str]:
    """Creates or updates the plan's product, its monthly price (when the plan has one), for a plan billing
    minutes beyond those included a metered price on the call-minutes meter (graduated: the included minutes free,
    then the overage price), and for an agency's plan with a client minute price a metered price on the
    client-minutes meter, so that running it again changes nothing. Returns the ids of the product, the monthly
    price, the minutes price and the client minutes price ("" for none)."""
    api = client()
    product = {"name": plan.name, "metadata": {"plan": plan.slug}, "active": True}
    try:
        try:
            existing = api.v1.products.retrieve(product_id(plan))
        except stripe.InvalidRequestError as exc:
            if exc.code != "resource_missing":
                raise
            api.v1.products.create(params={"id": product_id(plan), **product})
        else:
            if (existing.name, existing.active, existing.metadata.to_dict()) != (
                plan.name,
                True,
                product["metadata"],
            ):
                api.v1.products.update(product_id(plan), params=product)
        if plan.monthly_price is None:
            return product_id(plan), "", "", ""
        cents = int(plan.monthly_price * 100)
        monthly = _price(
            api, plan, "monthly", {"amount": str(cents)}, {"unit_amount": cents, "recurring": {"interval": "month"}}
        )
        client_minutes = _client_minutes_price(api, plan)
        if plan.overage_price_per_minute is None or plan.monthly_minutes is None:
            return product_id(plan), monthly, "", client_minutes
        overage = f"{plan.overage_price_per_minute * 100:f}"  # cents per minute, as a decimal
        minutes = _price(
            api,
            plan,
            "minutes",
            {"included_minutes": str(plan.monthly_minutes), "overage_cents": overage},
            {
                "recurring": {
                    "interval": "month",
                    "usage_type": "metered",
                    "meter": _meter_id(api, settings.STRIPE_METER_EVENT_NAME, "Call minutes"),
                },
                "billing_scheme": "tiered",
                "tiers_mode": "graduated",
                "tiers": [
                    {"up_to": plan.monthly_minutes, "unit_amount": 0},
                    {"up_to": "inf", "unit_amount_decimal": overage},
                ],
            },
        )
    except stripe.StripeError as exc:
        raise _upstream(exc) from exc
    return product_id(plan), monthly, minutes, client_minutes


def _client_minutes_price(api, plan) -> str:
    """Every billable minute of the agency's clients' calls at the plan's client minute price; "" for none."""
    if plan.client_minute_price is None:
        return ""
    cents = f"{plan.client_minute_price * 100:f}"
    meter = _meter_id(api, settings.STRIPE_CLIENT_METER_EVENT_NAME, "Clients' call minutes")
    return _price(
        api,
        plan,
        "client_minutes",
        {"client_minute_cents": cents},
        {"recurring": {"interval": "month", "usage_type": "metered", "meter": meter}, "unit_amount_decimal": cents},
    )


def checkout_url(
    *, tenant, plan, customer_id: str, email: str, success_url: str, cancel_url: str, trial_days: int = 0
) -> str:
    """A Checkout session subscribing the tenant to the plan; the tenant and plan travel in its metadata (and the
    subscription's), which the webhook reads back. `trial_days`: what is left of the tenant's trial, which the
    subscription starts with (Stripe bills its first period once they end)."""
    metadata = {"tenant_id": str(tenant.pk), "plan": plan.slug}
    params = {
        "mode": "subscription",
        # A metered price takes no quantity: Stripe's meter counts it.
        "line_items": [{"price": plan.stripe_price_id, "quantity": 1}]
        + [
            {"price": metered}
            for metered in (plan.stripe_minutes_price_id, plan.stripe_client_minutes_price_id)
            if metered
        ],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "client_reference_id": str(tenant.pk),
        "metadata": metadata,
        "subscription_data": {"metadata": metadata},
    }
    if trial_days:
        params["subscription_data"]["trial_period_days"] = trial_days
    if customer_id:
        params["customer"] = customer_id
    elif email:
        params["customer_email"] = email
    try:
        return client().v1.checkout.sessions.create(params=params).url
    except stripe.StripeError as exc:
        raise _upstream(exc) from exc


def portal_url(*, customer_id: str, return_url: str) -> str:
    try:
        return (
            client().v1.billing_portal.sessions.create(params={"customer": customer_id, "return_url": return_url}).url
        )
    except stripe.StripeError as exc:
        raise _upstream(exc) from exc


def _when(timestamp):
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat() if timestamp else None


def invoices(customer_id: str, *, limit: int) -> list[dict]:
    """The customer's latest invoices, newest first, with Stripe's hosted page and PDF."""
    try:
        found = client().v1.invoices.list(params={"customer": customer_id, "limit": limit}).data
    except stripe.StripeError as exc:
        raise _upstream(exc) from exc
    return [
        {
            "id": invoice["id"],
            "number": invoice.get("number"),
            "status": invoice.get("status"),
            "currency": invoice.get("currency"),
            "amount_due": invoice.get("amount_due"),
            "amount_paid": invoice.get("amount_paid"),
            "created": _when(invoice.get("created")),
            "period_start": _when(invoice.get("period_start")),
            "period_end": _when(invoice.get("period_end")),
            "hosted_invoice_url": invoice.get("hosted_invoice_url"),
            "invoice_pdf": invoice.get("invoice_pdf"),
        }
        for invoice in (found_invoice.to_dict() for found_invoice in found)
    ]


def report_minutes(*, customer_id: str, minutes: int, identifier: str, timestamp: datetime, event_name: str) -> None:
    """One meter event of `minutes` for the customer on the meter of `event_name`. `identifier` is both the event's
    identifier and the request's idempotency key, so a retried report is counted once by Stripe."""
    params = {
        "event_name": event_name,
        "payload": {"stripe_customer_id": customer_id, "value": str(minutes)},
        "identifier": identifier,
        "timestamp": int(timestamp.timestamp()),
    }
    try:
        client().v1.billing.meter_events.create(params=params, options={"idempotency_key": identifier})
    except stripe.StripeError as exc:
        raise _upstream(exc) from exc


def cancel_subscription(subscription_id: str, *, idempotency_key: str) -> None:
    """Ends the subscription now (no further charge). One already gone from Stripe counts as canceled."""
    try:
        client().v1.subscriptions.cancel(subscription_id, options={"idempotency_key": idempotency_key})
    except stripe.InvalidRequestError as exc:
        if exc.code != "resource_missing":
            raise _upstream(exc) from exc
    except stripe.StripeError as exc:
        raise _upstream(exc) from exc


def verified_event(payload: bytes, signature: str) -> stripe.Event:
    """The event Stripe signed with our endpoint's secret, no older than the tolerance; else a 400."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise Unavailable("Stripe webhooks are not configured on this platform (STRIPE_WEBHOOK_SECRET is empty).")
    try:
        return stripe.Webhook.construct_event(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
        )
    except stripe.SignatureVerificationError:
        raise DomainError("Invalid or stale Stripe signature.", error_code="invalid_signature") from None
    except ValueError:
        raise DomainError("The body is not a Stripe event.", error_code="malformed_request") from None
