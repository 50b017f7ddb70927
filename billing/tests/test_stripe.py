"""Stripe: `manage.py sync_stripe_plans`, Checkout, the Customer Portal, invoices and the subscription, through the real
stripe SDK talking to a fake Stripe HTTP server started in the test (pointed at by STRIPE_API_BASE, the SDK's
`base_addresses`); webhooks signed with Stripe's scheme and verified by the SDK."""

import io
import json
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing.models import Plan, StripeEvent, Subscription
from billing.tests import stripe_fakes as fake
from compliance.models import AuditEvent

pytestmark = pytest.mark.django_db

CHECKOUT = "/api/billing/checkout"
PORTAL = "/api/billing/portal"
INVOICES = "/api/billing/invoices"
SUBSCRIPTION = "/api/billing/subscription"
WEBHOOK = "/api/webhooks/stripe"


def form(request) -> dict:
    """A request body the SDK sent (form-encoded, Stripe's nested keys as they are: `line_items[0][price]`)."""
    return {key: values[0] for key, values in parse_qs(request.body.decode()).items()}


@pytest.fixture
def priced(db):
    """The listed plans as sync_stripe_plans leaves them."""
    for slug in ("starter", "pro"):
        Plan.objects.filter(slug=slug).update(stripe_product_id=f"plan_{slug}", stripe_price_id=f"price_{slug}")
    Plan.objects.filter(slug="pro").update(stripe_minutes_price_id="price_pro_minutes")


# sync_stripe_plans ------------------------------------------------------------------------------------


MONTHLY = {"starter": {"plan": "starter", "amount": "4900"}, "pro": {"plan": "pro", "amount": "19900"}}
PRO_MINUTES = {"plan": "pro", "included_minutes": "2000", "overage_cents": "8.0000"}
AGENCY_PRICES = (
    ("price_agency", "monthly", {"plan": "agency", "amount": "29900"}),
    ("price_agency_client_minutes", "client_minutes", {"plan": "agency", "client_minute_cents": "6.0000"}),
    ("price_agency_minutes", "minutes", {"plan": "agency", "included_minutes": "2000", "overage_cents": "8.0000"}),
)
LISTED = (("starter", "Starter"), ("pro", "Pro"), ("enterprise", "Enterprise"), ("agency", "Agency"))


def meter(meter_id="mtr_test_1", event_name="call_minutes"):
    return {
        "id": meter_id,
        "object": "billing.meter",
        "display_name": "Call minutes",
        "event_name": event_name,
        "status": "active",
        "default_aggregation": {"formula": "sum"},
        "customer_mapping": {"event_payload_key": "stripe_customer_id", "type": "by_id"},
        "value_settings": {"event_payload_key": "value"},
    }


def script_first_sync(stripe_api):
    for slug, name in LISTED:
        stripe_api.add(
            "GET", f"/v1/products/plan_{slug}", status=404, json=fake.error(f"No such product: 'plan_{slug}'")
        )
        stripe_api.add("POST", "/v1/products", json=fake.product(f"plan_{slug}", name))
    stripe_api.add("GET", "/v1/prices", json=fake.listing("/v1/prices", []))
    stripe_api.add("GET", "/v1/billing/meters", json=fake.listing("/v1/billing/meters", []))
    stripe_api.add("POST", "/v1/billing/meters", json=meter())
    stripe_api.add("POST", "/v1/billing/meters", json=meter("mtr_test_2", "client_minutes"))
    for price_id, slug, cents, kind in (
        ("price_starter", "starter", 4900, "monthly"),
        ("price_pro", "pro", 19900, "monthly"),
        ("price_pro_minutes", "pro", None, "minutes"),
        ("price_agency", "agency", 29900, "monthly"),
        ("price_agency_client_minutes", "agency", None, "client_minutes"),
        ("price_agency_minutes", "agency", None, "minutes"),
    ):
        stripe_api.add(
            "POST",
            "/v1/prices",
            json=fake.price(price_id, product_id=f"plan_{slug}", unit_amount=cents, lookup_key=f"plan_{slug}_{kind}"),
        )


def test_sync_creates_a_product_per_listed_plan_and_a_monthly_price_per_priced_one(stripe_api):
    script_first_sync(stripe_api)
    call_command("sync_stripe_plans", stdout=io.StringIO())
    products = [form(request) for request in stripe_api.requests_to("POST", "/v1/products")]
    assert [(p["id"], p["name"], p["metadata[plan]"]) for p in products] == [
        ("plan_starter", "Starter", "starter"),
        ("plan_pro", "Pro", "pro"),
        ("plan_enterprise", "Enterprise", "enterprise"),
        ("plan_agency", "Agency", "agency"),
    ]
    starter, pro, *_ = (form(request) for request in stripe_api.requests_to("POST", "/v1/prices"))
    assert [
        (p["product"], p["unit_amount"], p["currency"], p["recurring[interval]"], p["lookup_key"])
        for p in (starter, pro)
    ] == [
        ("plan_starter", "4900", "usd", "month", "plan_starter_monthly"),
        ("plan_pro", "19900", "usd", "month", "plan_pro_monthly"),
    ]
    assert stripe_api.requests[0].headers["authorization"] == "Bearer sk_test_123"
    plans = Plan.objects.filter(is_listed=True).order_by("pk")
    assert list(plans.values_list("slug", "stripe_product_id", "stripe_price_id", "stripe_minutes_price_id")) == [
        ("starter", "plan_starter", "price_starter", ""),
        ("pro", "plan_pro", "price_pro", "price_pro_minutes"),
        ("enterprise", "plan_enterprise", "", ""),
        ("agency", "plan_agency", "price_agency", "price_agency_minutes"),
    ]
    assert Plan.objects.get(slug="agency").stripe_client_minutes_price_id == "price_agency_client_minutes"


def test_sync_bills_pros_minutes_beyond_the_included_ones_on_the_call_minutes_meter(stripe_api):
    script_first_sync(stripe_api)
    call_command("sync_stripe_plans", stdout=io.StringIO())
    made = form(stripe_api.requests_to("POST", "/v1/billing/meters")[0])
    assert (made["event_name"], made["default_aggregation[formula]"]) == ("call_minutes", "sum")
    assert made["customer_mapping[event_payload_key]"] == "stripe_customer_id"
    minutes = form(stripe_api.requests_to("POST", "/v1/prices")[2])
    assert (minutes["lookup_key"], minutes["recurring[usage_type]"], minutes["recurring[meter]"]) == (
        "plan_pro_minutes",
        "metered",
        "mtr_test_1",
    )
    assert (minutes["billing_scheme"], minutes["tiers_mode"]) == ("tiered", "graduated")
    assert (minutes["tiers[0][up_to]"], minutes["tiers[0][unit_amount]"]) == ("2000", "0")
    assert (minutes["tiers[1][up_to]"], minutes["tiers[1][unit_amount_decimal]"]) == ("inf", "8.0000")


def test_sync_bills_the_agency_plan_each_minute_of_its_clients_on_the_client_minutes_meter(stripe_api):
    script_first_sync(stripe_api)
    call_command("sync_stripe_plans", stdout=io.StringIO())
    made = form(stripe_api.requests_to("POST", "/v1/billing/meters")[1])
    assert (made["event_name"], made["customer_mapping[event_payload_key]"]) == ("client_minutes", "stripe_customer_id")
    client_minutes = form(stripe_api.requests_to("POST", "/v1/prices")[4])
    assert (client_minutes["lookup_key"], client_minutes["recurring[usage_type]"]) == (
        "plan_agency_client_minutes",
        "metered",
    )
    assert (client_minutes["recurring[meter]"], client_minutes["unit_amount_decimal"]) == ("mtr_test_2", "6.0000")


def test_sync_run_again_changes_nothing_in_stripe(stripe_api):
    for slug, name in LISTED:
        stripe_api.add(
            "GET", f"/v1/products/plan_{slug}", json=fake.product(f"plan_{slug}", name, metadata={"plan": slug})
        )
    for price_id, slug, kind, metadata in (
        ("price_starter", "starter", "monthly", MONTHLY["starter"]),
        ("price_pro", "pro", "monthly", MONTHLY["pro"]),
        ("price_pro_minutes", "pro", "minutes", PRO_MINUTES),
        *((price_id, "agency", kind, metadata) for price_id, kind, metadata in AGENCY_PRICES),
    ):
        found = fake.price(price_id, product_id=f"plan_{slug}", unit_amount=1, lookup_key=f"plan_{slug}_{kind}")
        stripe_api.add("GET", "/v1/prices", json=fake.listing("/v1/prices", [{**found, "metadata": metadata}]))
    meters = [meter(), meter("mtr_test_2", "client_minutes")]
    stripe_api.add("GET", "/v1/billing/meters", json=fake.listing("/v1/billing/meters", meters))
    call_command("sync_stripe_plans", stdout=io.StringIO())
    assert [request.method for request in stripe_api.requests if request.method != "GET"] == []
    assert Plan.objects.get(slug="pro").stripe_minutes_price_id == "price_pro_minutes"
    assert stripe_api.requests_to("GET", "/v1/prices")[0].query["lookup_keys[0]"] == ["plan_starter_monthly"]


def test_a_new_price_takes_over_the_lookup_key_and_the_old_one_is_archived(stripe_api):
    Plan.objects.filter(is_listed=True).exclude(slug="pro").update(is_listed=False)
    Plan.objects.filter(slug="pro").update(monthly_price="249.00", overage_price_per_minute=None)
    stripe_api.add("GET", "/v1/products/plan_pro", json=fake.product("plan_pro", "Pro", metadata={"plan": "pro"}))
    old = fake.price("price_old", product_id="plan_pro", unit_amount=19900, lookup_key="plan_pro_monthly")
    stripe_api.add("GET", "/v1/prices", json=fake.listing("/v1/prices", [{**old, "metadata": MONTHLY["pro"]}]))
    new = fake.price("price_new", product_id="plan_pro", unit_amount=24900, lookup_key="plan_pro_monthly")
    stripe_api.add("POST", "/v1/prices", json=new)
    stripe_api.add("POST", "/v1/prices/price_old", json={**old, "active": False})
    call_command("sync_stripe_plans", stdout=io.StringIO())
    created = form(stripe_api.requests_to("POST", "/v1/prices")[0])
    assert (created["unit_amount"], created["transfer_lookup_key"]) == ("24900", "true")
    assert form(stripe_api.requests_to("POST", "/v1/prices/price_old")[0]) == {"active": "false"}
    assert list(Plan.objects.filter(slug="pro").values_list("stripe_price_id", "stripe_minutes_price_id")) == [
        ("price_new", "")
    ]


# Checkout, portal, invoices, subscription -------------------------------------------------------------


def test_the_owner_gets_a_checkout_session_for_a_listed_plan(api, alice, acme, stripe_api, priced):
    url = "https://checkout.stripe.com/c/pay/cs_test_a1"
    stripe_api.add("POST", "/v1/checkout/sessions", json=fake.checkout_session(url=url))
    response = api(alice, acme).post(CHECKOUT, {"plan": "pro"}, format="json")
    assert (response.status_code, response.json()) == (201, {"url": url})
    sent = form(stripe_api.requests_to("POST", "/v1/checkout/sessions")[0])
    assert (sent["mode"], sent["line_items[0][price]"], sent["line_items[0][quantity]"]) == (
        "subscription",
        "price_pro",
        "1",
    )
    assert (sent["client_reference_id"], sent["metadata[tenant_id]"], sent["metadata[plan]"]) == (
        str(acme.pk),
        str(acme.pk),
        "pro",
    )
    assert sent["subscription_data[metadata][tenant_id]"] == str(acme.pk)
    assert sent["line_items[1][price]"] == "price_pro_minutes" and "line_items[1][quantity]" not in sent
    assert sent["customer_email"] == alice.email and sent["success_url"].startswith(django_settings.STRIPE_RETURN_URL)


def test_checkout_during_a_trial_carries_the_days_left_into_the_subscription(api, alice, acme, stripe_api, priced):
    # 9 days and an hour left: the part-day counts, so the trial ends no earlier than promised.
    ends = timezone.now() + timedelta(days=9, hours=1)
    Subscription.objects.filter(tenant=acme).update(status="trialing", trial_ends_at=ends)
    stripe_api.add("POST", "/v1/checkout/sessions", json=fake.checkout_session(url="https://checkout.stripe.com/c/1"))
    api(alice, acme).post(CHECKOUT, {"plan": "pro"}, format="json")
    sent = form(stripe_api.requests_to("POST", "/v1/checkout/sessions")[0])
    assert sent["subscription_data[trial_period_days]"] == "10"


@pytest.mark.parametrize("status, days", [("trialing", -1), ("active", 9)])
def test_checkout_after_the_trial_or_without_one_starts_billing_at_once(
    api, alice, acme, stripe_api, priced, status, days
):
    Subscription.objects.filter(tenant=acme).update(status=status, trial_ends_at=timezone.now() + timedelta(days=days))
    stripe_api.add("POST", "/v1/checkout/sessions", json=fake.checkout_session(url="https://checkout.stripe.com/c/1"))
    api(alice, acme).post(CHECKOUT, {"plan": "pro"}, format="json")
    assert "subscription_data[trial_period_days]" not in form(
        stripe_api.requests_to("POST", "/v1/checkout/sessions")[0]
    )


@pytest.mark.parametrize("plan", ["gold", "enterprise"])
def test_checkout_of_a_plan_not_for_sale_is_400_naming_the_plan(api, alice, acme, stripe_api, priced, plan):
    response = api(alice, acme).post(CHECKOUT, {"plan": plan}, format="json")
    assert (response.status_code, response.json()["error_code"]) == (400, "plan_not_for_sale")
    assert "plan" in response.json()["errors"] and stripe_api.requests == []


def test_checkout_needs_a_plan(api, alice, acme, stripe_api):
    response = api(alice, acme).post(CHECKOUT, {}, format="json")
    assert response.status_code == 400 and "plan" in response.json()["errors"]


def test_a_tenant_paying_already_changes_plan_in_the_portal_not_checkout(api, alice, acme, stripe_api, priced):
    Subscription.objects.filter(tenant=acme).update(stripe_customer_id="cus_1", stripe_subscription_id="sub_1")
    response = api(alice, acme).post(CHECKOUT, {"plan": "pro"}, format="json")
    assert (response.status_code, response.json()["error_code"]) == (409, "already_subscribed")


def test_admins_and_members_cannot_start_a_checkout(api, amy, mike, acme, stripe_api, priced):
    for user in (amy, mike):
        assert api(user, acme).post(CHECKOUT, {"plan": "pro"}, format="json").status_code == 403
    assert stripe_api.requests == []


def test_stripe_refusing_the_session_is_a_502(api, alice, acme, stripe_api, priced):
    stripe_api.add("POST", "/v1/checkout/sessions", status=400, json=fake.error("No such price", param="line_items"))
    response = api(alice, acme).post(CHECKOUT, {"plan": "pro"}, format="json")
    assert (response.status_code, response.json()["error_code"]) == (502, "provider_error")


def test_the_portal_opens_for_the_tenants_stripe_customer(api, alice, acme, stripe_api):
    Subscription.objects.filter(tenant=acme).update(stripe_customer_id="cus_acme")
    url = "https://billing.stripe.com/p/session/test_1"
    stripe_api.add(
        "POST", "/v1/billing_portal/sessions", json=fake.portal_session(customer="cus_acme", url=url, return_url="x")
    )
    response = api(alice, acme).post(PORTAL)
    assert (response.status_code, response.json()) == (201, {"url": url})
    assert form(stripe_api.requests_to("POST", "/v1/billing_portal/sessions")[0])["customer"] == "cus_acme"


def test_the_portal_needs_a_subscription_first(api, alice, acme, stripe_api):
    response = api(alice, acme).post(PORTAL)
    assert (response.status_code, response.json()["error_code"]) == (409, "no_billing_account")


def test_invoices_come_from_stripe_with_their_hosted_page_and_pdf(api, amy, acme, stripe_api):
    Subscription.objects.filter(tenant=acme).update(stripe_customer_id="cus_acme")
    paid = fake.invoice(customer="cus_acme", number="ACME-0002")
    stripe_api.add("GET", "/v1/invoices", json=fake.listing("/v1/invoices", [paid]))
    response = api(amy, acme).get(f"{INVOICES}?per_page=5")
    [invoice] = response.json()["results"]
    assert (invoice["number"], invoice["status"], invoice["amount_paid"]) == ("ACME-0002", "paid", 19900)
    assert (invoice["hosted_invoice_url"], invoice["invoice_pdf"]) == (paid["hosted_invoice_url"], paid["invoice_pdf"])
    assert stripe_api.requests[0].query == {"customer": ["cus_acme"], "limit": ["5"]}


def test_a_tenant_that_never_paid_has_no_invoices(api, alice, acme, stripe_api):
    assert api(alice, acme).get(INVOICES).json() == {"results": []}
    assert stripe_api.requests == []


def test_members_cannot_see_invoices(api, mike, acme):
    assert api(mike, acme).get(INVOICES).status_code == 403


def test_the_subscription_shows_the_plan_its_limits_and_the_plans_to_choose(api, alice, acme):
    Subscription.objects.filter(tenant=acme).update(plan=Plan.objects.get(slug="starter"), status="trialing")
    body = api(alice, acme).get(SUBSCRIPTION).json()
    assert (body["status"], body["restriction"], body["has_billing_account"]) == ("trialing", None, False)
    assert body["plan"]["slug"] == "starter" and body["plan"]["monthly_price"] == "49.00"
    assert (body["plan"]["max_agents"], body["plan"]["features"]["campaigns"]) == (1, False)
    assert [plan["slug"] for plan in body["plans"]] == ["starter", "pro", "agency", "enterprise"]


def test_bob_sees_his_own_subscription_never_alices(api, bob, acme, globex):
    Subscription.objects.filter(tenant=acme).update(plan=Plan.objects.get(slug="pro"))
    assert api(bob, globex).get(SUBSCRIPTION).json()["plan"]["slug"] != "pro"
    assert api(bob, acme).get(SUBSCRIPTION).status_code == 403


# Webhooks ----------------------------------------------------------------------------------------------


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """`deliver(event)`: Stripe posts the signed event; what its transaction leaves for after the commit (emails) runs."""

    def post(evt, **signing):
        body, signature = fake.delivery(evt, **signing)
        with django_capture_on_commit_callbacks(execute=True):
            return Client(HTTP_HOST=django_settings.API_HOST).post(
                WEBHOOK, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
            )

    return post


def subscription_of(tenant) -> Subscription:
    return Subscription.objects.select_related("plan").get(tenant=tenant)


def audit_actions(tenant) -> list[str]:
    with tenant_context(tenant):
        return list(
            AuditEvent.objects.filter(action__startswith="billing.").order_by("id").values_list("action", flat=True)
        )


def completed_checkout(tenant, plan="pro", created=None):
    session = fake.checkout_session(
        url=None,
        customer="cus_acme",
        subscription="sub_acme",
        metadata={"tenant_id": str(tenant.pk), "plan": plan},
        client_reference_id=str(tenant.pk),
    )
    return fake.event("checkout.session.completed", session, created=created)


def stripe_subscription(tenant, **fields):
    return fake.subscription(
        customer="cus_acme",
        price_id="price_pro",
        plan_slug="pro",
        tenant_id=tenant.pk,
        subscription_id="sub_acme",
        **fields,
    )


@pytest.fixture
def trialing(acme, stripe_api, priced):
    """Acme on a trial of Starter, as a new tenant is."""
    Subscription.objects.filter(tenant=acme).update(plan=Plan.objects.get(slug="starter"), status="trialing")
    return acme


def test_a_completed_checkout_puts_the_tenant_on_the_plan_it_paid_for(trialing, deliver):
    response = deliver(completed_checkout(trialing))
    assert (response.status_code, response.json()) == (200, {"received": True, "duplicate": False})
    subscription = subscription_of(trialing)
    assert (subscription.plan.slug, subscription.status, subscription.trial_ends_at) == ("pro", "active", None)
    assert (subscription.stripe_customer_id, subscription.stripe_subscription_id) == ("cus_acme", "sub_acme")
    assert audit_actions(trialing) == ["billing.subscribed"]


def test_a_subscription_update_changes_the_plan_status_and_period(trialing, deliver):
    deliver(completed_checkout(trialing, created=1_000))
    updated = stripe_subscription(trialing, status="active", cancel_at_period_end=True, period_end=2_000_000_000)
    updated["items"]["data"][0]["price"]["id"] = "price_starter"
    deliver(fake.event("customer.subscription.updated", updated, created=2_000))
    subscription = subscription_of(trialing)
    assert (subscription.plan.slug, subscription.cancel_at_period_end) == ("starter", True)
    assert subscription.current_period_end.timestamp() == 2_000_000_000
    assert audit_actions(trialing)[-1] == "billing.subscription_changed"


def test_a_subscription_created_event_alone_finds_the_tenant_by_its_metadata(trialing, deliver):
    deliver(
        fake.event(
            "customer.subscription.created", stripe_subscription(trialing, status="trialing", trial_end=2_000_000_000)
        )
    )
    subscription = subscription_of(trialing)
    assert (subscription.plan.slug, subscription.status, subscription.stripe_customer_id) == (
        "pro",
        "trialing",
        "cus_acme",
    )
    assert subscription.trial_ends_at.timestamp() == 2_000_000_000


def test_a_failed_payment_starts_the_grace_period_and_tells_the_owners_why(
    trialing, settings, deliver, notification_emails
):
    settings.BILLING_PAYMENT_GRACE_DAYS = 7
    deliver(completed_checkout(trialing, created=1_000))
    failed = fake.invoice(customer="cus_acme", subscription="sub_acme", status="open", number="ACME-0003")
    deliver(fake.event("invoice.payment_failed", failed, created=1_700_000_000))
    subscription = subscription_of(trialing)
    assert (subscription.status, subscription.payment_failed_at.timestamp()) == ("past_due", 1_700_000_000)
    [email] = mail.outbox
    assert email.to == ["alice@example.com"] and "ACME-0003" in email.body and "2023-11-21" in email.body
    assert audit_actions(trialing)[-1] == "billing.payment_failed"


def test_after_the_grace_period_only_inbound_calls_go_on_until_paid(trialing, settings, api, alice, deliver):
    from billing.selectors import standing

    deliver(completed_checkout(trialing, created=1_000))
    deliver(
        fake.event("invoice.payment_failed", fake.invoice(customer="cus_acme", status="open"), created=1_700_000_000)
    )
    assert standing(trialing).restricted == "payment_failed"  # 2023: long past any grace period
    body = api(alice, trialing).get(SUBSCRIPTION).json()
    assert body["restriction"]["reason"] == "payment_failed" and "inbound" in body["restriction"]["detail"]

    deliver(fake.event("invoice.paid", fake.invoice(customer="cus_acme"), created=1_700_000_100))
    subscription = subscription_of(trialing)
    assert (subscription.status, subscription.payment_failed_at) == ("active", None)
    assert standing(trialing).restricted == ""


def test_a_deleted_subscription_leaves_inbound_calls_only(trialing, deliver):
    deliver(completed_checkout(trialing, created=1_000))
    deliver(
        fake.event("customer.subscription.deleted", stripe_subscription(trialing, status="canceled"), created=2_000)
    )
    from billing.selectors import standing

    assert (subscription_of(trialing).status, standing(trialing).restricted) == ("canceled", "subscription_canceled")
    assert "canceled" in mail.outbox[-1].body


def test_the_end_of_a_trial_is_announced_to_the_owners(trialing, deliver):
    evt = fake.event(
        "customer.subscription.trial_will_end",
        stripe_subscription(trialing, status="trialing", trial_end=2_000_000_000),
    )
    assert deliver(evt).status_code == 200
    assert "2033-05-18" in mail.outbox[0].body and audit_actions(trialing) == ["billing.trial_will_end"]


def test_an_event_delivered_again_changes_nothing(trialing, deliver, notification_emails):
    evt = fake.event("invoice.payment_failed", fake.invoice(customer="cus_acme", status="open"))
    deliver(completed_checkout(trialing, created=1_000))
    assert deliver(evt).json()["duplicate"] is False
    assert deliver(evt).json() == {"received": True, "duplicate": True}
    assert audit_actions(trialing).count("billing.payment_failed") == 1 and len(mail.outbox) == 1


def test_an_older_event_after_a_newer_one_changes_nothing(trialing, deliver):
    deliver(completed_checkout(trialing, created=1_000))
    deliver(fake.event("customer.subscription.updated", stripe_subscription(trialing, status="active"), created=3_000))
    older = stripe_subscription(trialing, status="past_due")
    older["items"]["data"][0]["price"]["id"] = "price_starter"
    assert deliver(fake.event("customer.subscription.updated", older, created=2_000)).status_code == 200
    subscription = subscription_of(trialing)
    assert (subscription.plan.slug, subscription.status, subscription.payment_failed_at) == ("pro", "active", None)
    assert StripeEvent.objects.count() == 3  # received, and recorded as such


def test_an_older_checkout_still_records_stripes_ids_but_not_its_plan(trialing, deliver):
    deliver(fake.event("customer.subscription.updated", stripe_subscription(trialing, status="active"), created=3_000))
    Subscription.objects.filter(tenant=trialing).update(stripe_customer_id="", stripe_subscription_id="")
    deliver(completed_checkout(trialing, plan="starter", created=2_000))
    subscription = subscription_of(trialing)
    assert (subscription.plan.slug, subscription.stripe_customer_id) == ("pro", "cus_acme")


def test_a_forged_signature_is_400_and_changes_nothing(trialing, deliver):
    response = deliver(completed_checkout(trialing), secret="whsec_forged")
    assert (response.status_code, response.json()["error_code"]) == (400, "invalid_signature")
    assert subscription_of(trialing).status == "trialing" and not StripeEvent.objects.exists()


def test_a_signature_older_than_the_tolerance_is_400(trialing, settings, deliver):
    import time

    settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300
    response = deliver(completed_checkout(trialing), timestamp=int(time.time()) - 301)
    assert (response.status_code, response.json()["error_code"]) == (400, "invalid_signature")


def test_a_body_without_signature_is_400(stripe_api):
    response = Client(HTTP_HOST=django_settings.API_HOST).post(WEBHOOK, b"{}", content_type="application/json")
    assert response.status_code == 400


def test_an_event_of_a_customer_we_do_not_know_is_acknowledged_and_ignored(stripe_api, deliver):
    evt = fake.event("invoice.paid", fake.invoice(customer="cus_unknown"))
    assert deliver(evt).status_code == 200
    assert StripeEvent.objects.filter(pk=evt["id"]).exists()


def test_stripe_webhooks_are_exempt_from_the_api_rate_limit(trialing, rate_limits, deliver):
    rate_limits(api=[(1, 60)])
    for _ in range(3):
        assert deliver(fake.event("invoice.paid", fake.invoice(customer="cus_unknown"))).status_code == 200


def test_webhooks_are_refused_while_no_secret_is_configured(trialing, settings, deliver):
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert deliver(completed_checkout(trialing)).status_code == 503
    assert json.loads(deliver(completed_checkout(trialing)).content)["error_code"] == "unavailable"


# Closing a tenant ---------------------------------------------------------------------------------


@pytest.fixture
def paying_then_closed(monkeypatch, django_capture_on_commit_callbacks):
    """A tenant paying through Stripe, closed by its owner: (the tenant, the tasks its closing queued)."""
    from accounts.tests.factories import UserFactory
    from config.celery import app
    from tenants.services import close_tenant, create_tenant

    owner = UserFactory(email="olga@example.com")
    tenant = create_tenant(name="Olga's Salon", slug="olga-salon", owner=owner)
    Subscription.objects.filter(tenant=tenant).update(
        status="active", stripe_customer_id="cus_olga", stripe_subscription_id="sub_olga"
    )
    queued = []
    monkeypatch.setattr(app, "send_task", lambda name, args, **options: queued.append((name, args)))
    with django_capture_on_commit_callbacks(execute=True):
        close_tenant(tenant, actor=owner)
    return tenant, queued


def test_closing_a_paying_tenant_cancels_its_stripe_subscription(stripe_api, paying_then_closed):
    from billing import tasks

    tenant, queued = paying_then_closed
    assert queued == [("billing.cancel_subscription_of_closed_tenant", (tenant.pk,))]
    canceled = fake.subscription(
        customer="cus_olga", price_id="price_pro", plan_slug="pro", tenant_id=tenant.pk, subscription_id="sub_olga"
    )
    stripe_api.add("DELETE", "/v1/subscriptions/sub_olga", json={**canceled, "status": "canceled"})
    assert tasks.cancel_subscription_of_closed_tenant.apply(args=[tenant.pk]).get() is True
    [request] = stripe_api.requests_to("DELETE", "/v1/subscriptions/sub_olga")
    assert request.headers["idempotency-key"] == f"close-{tenant.pk}-sub_olga"
    assert Subscription.objects.get(tenant=tenant).status == "canceled"
    assert audit_actions(tenant) == ["billing.subscription_canceled"]


def test_a_closed_tenants_subscription_is_canceled_once(stripe_api, paying_then_closed):
    from billing import tasks

    tenant, _ = paying_then_closed
    stripe_api.add("DELETE", "/v1/subscriptions/sub_olga", status=404, json=fake.error("No such subscription"))
    assert tasks.cancel_subscription_of_closed_tenant.apply(args=[tenant.pk]).get() is True  # gone from Stripe
    assert tasks.cancel_subscription_of_closed_tenant.apply(args=[tenant.pk]).get() is False
    assert len(stripe_api.requests_to("DELETE", "/v1/subscriptions/sub_olga")) == 1


def test_closing_a_tenant_without_a_stripe_subscription_calls_nothing(
    stripe_api, monkeypatch, django_capture_on_commit_callbacks
):
    from accounts.tests.factories import UserFactory
    from config.celery import app
    from tenants.services import close_tenant, create_tenant

    owner = UserFactory(email="olga@example.com")
    tenant = create_tenant(name="Olga's Salon", slug="olga-salon", owner=owner)  # on its trial
    queued = []
    monkeypatch.setattr(app, "send_task", lambda name, args, **options: queued.append((name, args)))
    with django_capture_on_commit_callbacks(execute=True):
        close_tenant(tenant, actor=owner)
    assert queued == [] and stripe_api.requests == []
