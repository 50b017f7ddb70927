"""Stripe at its HTTP boundary for tests: objects as Stripe's API returns them (trimmed to the fields we read and a few
more), and webhook events signed the way Stripe signs them (`Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<body>" keyed by the endpoint's secret>`), which the SDK's `Webhook.construct_event` verifies."""

import hashlib
import hmac
import json
import time
import uuid

WEBHOOK_SECRET = "whsec_test_0123456789abcdef"
API_VERSION = "2025-08-27.basil"


def sid(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


def product(product_id, name, **fields):
    return {
        "id": product_id,
        "object": "product",
        "active": True,
        "created": int(time.time()),
        "description": None,
        "livemode": False,
        "metadata": {},
        "name": name,
        "type": "service",
        "updated": int(time.time()),
        **fields,
    }


def price(price_id, *, product_id, unit_amount, lookup_key, currency="usd", **fields):
    return {
        "id": price_id,
        "object": "price",
        "active": True,
        "billing_scheme": "per_unit",
        "created": int(time.time()),
        "currency": currency,
        "livemode": False,
        "lookup_key": lookup_key,
        "metadata": {},
        "product": product_id,
        "recurring": {"interval": "month", "interval_count": 1, "usage_type": "licensed"},
        "type": "recurring",
        "unit_amount": unit_amount,
        "unit_amount_decimal": None if unit_amount is None else str(unit_amount),
        **fields,
    }


def listing(url, data):
    return {"object": "list", "data": data, "has_more": False, "url": url}


def error(message, *, code="resource_missing", param="id", type_="invalid_request_error"):
    return {"error": {"code": code, "message": message, "param": param, "type": type_}}


def checkout_session(*, url, customer=None, subscription=None, metadata=None, client_reference_id=None):
    session_id = sid("cs_test")
    return {
        "id": session_id,
        "object": "checkout.session",
        "client_reference_id": client_reference_id,
        "created": int(time.time()),
        "customer": customer,
        "customer_email": None,
        "livemode": False,
        "metadata": metadata or {},
        "mode": "subscription",
        "payment_status": "paid" if subscription else "unpaid",
        "status": "complete" if subscription else "open",
        "subscription": subscription,
        "url": url,
    }


def portal_session(*, customer, url, return_url):
    return {
        "id": sid("bps"),
        "object": "billing_portal.session",
        "created": int(time.time()),
        "customer": customer,
        "livemode": False,
        "return_url": return_url,
        "url": url,
    }


def invoice(*, customer, subscription=None, status="paid", amount=19900, number="ACME-0001", **fields):
    invoice_id = sid("in")
    return {
        "id": invoice_id,
        "object": "invoice",
        "amount_due": amount,
        "amount_paid": amount if status == "paid" else 0,
        "created": int(time.time()),
        "currency": "usd",
        "customer": customer,
        "hosted_invoice_url": f"https://invoice.stripe.com/i/acct_test/{invoice_id}",
        "invoice_pdf": f"https://pay.stripe.com/invoice/acct_test/{invoice_id}/pdf",
        "livemode": False,
        "number": number,
        "period_end": int(time.time()),
        "period_start": int(time.time()) - 30 * 86400,
        "parent": {
            "subscription_details": {"subscription": subscription, "metadata": {}},
            "type": "subscription_details",
        },
        "status": status,
        **fields,
    }


def subscription(
    *, customer, price_id, plan_slug, tenant_id, status="active", subscription_id=None, period_end=None, **fields
):
    now = int(time.time())
    subscription_id = subscription_id or sid("sub")
    return {
        "id": subscription_id,
        "object": "subscription",
        "cancel_at_period_end": False,
        "created": now,
        "customer": customer,
        "items": listing(
            f"/v1/subscription_items?subscription={subscription_id}",
            [
                {
                    "id": sid("si"),
                    "object": "subscription_item",
                    "current_period_end": period_end or now + 30 * 86400,
                    "current_period_start": now,
                    "price": price(
                        price_id,
                        product_id=f"plan_{plan_slug}",
                        unit_amount=19900,
                        lookup_key=f"plan_{plan_slug}_monthly",
                        metadata={"plan": plan_slug},
                    ),
                    "quantity": 1,
                    "subscription": subscription_id,
                }
            ],
        ),
        "livemode": False,
        "metadata": {"tenant_id": str(tenant_id), "plan": plan_slug},
        "start_date": now,
        "status": status,
        "trial_end": None,
        **fields,
    }


def event(type_, obj, *, created=None, event_id=None) -> dict:
    return {
        "id": event_id or sid("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": created if created is not None else int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": type_,
    }


def signed(payload: bytes, *, secret=WEBHOOK_SECRET, timestamp=None) -> str:
    """The Stripe-Signature header Stripe would send with `payload`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def delivery(evt: dict, **signing) -> tuple[bytes, str]:
    """(body, Stripe-Signature) of one delivery of the event."""
    body = json.dumps(evt).encode()
    return body, signed(body, **signing)
