"""The self-serve agency plan: subscribing to it through Stripe Checkout makes a tenant an agency; leaving it keeps the
agency's clients but adds no new one. Stripe's webhooks are signed with its scheme and verified by the SDK."""

from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from django.conf import settings as django_settings
from django.test import Client

from billing.models import Plan, Subscription
from billing.tests import stripe_fakes as fake
from tenants.models import Tenant

pytestmark = pytest.mark.django_db

WEBHOOK = "/api/webhooks/stripe"
CLIENTS = "/api/agency/clients"


@pytest.fixture
def deliver(settings, django_capture_on_commit_callbacks):
    """`deliver(event)`: Stripe posts the signed event to our webhook."""
    settings.STRIPE_WEBHOOK_SECRET = fake.WEBHOOK_SECRET

    def post(evt):
        body, signature = fake.delivery(evt)
        with django_capture_on_commit_callbacks(execute=True):
            response = Client(HTTP_HOST=django_settings.API_HOST).post(
                WEBHOOK, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
            )
        assert response.status_code == 200, response.content
        return response

    return post


def checkout_completed(tenant, plan, created=None):
    session = fake.checkout_session(
        url=None,
        customer="cus_globex",
        subscription="sub_globex",
        metadata={"tenant_id": str(tenant.pk), "plan": plan},
        client_reference_id=str(tenant.pk),
    )
    return fake.event("checkout.session.completed", session, created=created)


def subscription_event(tenant, plan, *, created, status="active", type_="customer.subscription.updated"):
    obj = fake.subscription(
        customer="cus_globex",
        price_id=f"price_{plan}",
        plan_slug=plan,
        tenant_id=tenant.pk,
        subscription_id="sub_globex",
        status=status,
    )
    return fake.event(type_, obj, created=created)


def reloaded(tenant) -> Tenant:
    return Tenant.objects.get(pk=tenant.pk)


def new_client(api, user, tenant, slug="smile-dental"):
    return api(user, tenant).post(CLIENTS, {"name": "Smile Dental", "slug": slug}, format="json")


def test_the_agency_plan_is_seeded_listed_with_white_label_and_a_price_per_client_minute():
    plan = Plan.objects.get(slug="agency")
    assert (plan.is_listed, plan.white_label, plan.monthly_price) == (True, True, Decimal("299.00"))
    assert plan.client_minute_price == Decimal("0.0600")


def test_the_agency_plans_checkout_bills_the_clients_minutes_on_their_own_metered_price(
    api, bob, globex, fake_http, settings
):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE = "sk_test_123", fake_http.url
    Plan.objects.filter(slug="agency").update(
        stripe_price_id="price_agency",
        stripe_minutes_price_id="price_agency_minutes",
        stripe_client_minutes_price_id="price_agency_client_minutes",
    )
    url = "https://checkout.stripe.com/c/pay/cs_test_agency"
    fake_http.add("POST", "/v1/checkout/sessions", json=fake.checkout_session(url=url))
    response = api(bob, globex).post("/api/billing/checkout", {"plan": "agency"}, format="json")
    assert (response.status_code, response.json()) == (201, {"url": url})
    sent = parse_qs(fake_http.requests_to("POST", "/v1/checkout/sessions")[0].body.decode())
    prices = [sent[f"line_items[{i}][price]"][0] for i in range(3)]
    assert prices == ["price_agency", "price_agency_minutes", "price_agency_client_minutes"]
    assert sent["metadata[plan]"] == ["agency"]


def test_a_completed_checkout_for_the_agency_plan_makes_the_tenant_an_agency_that_creates_clients(
    api, bob, globex, deliver
):
    assert new_client(api, bob, globex).json()["error_code"] == "not_an_agency"
    deliver(checkout_completed(globex, "agency"))
    assert reloaded(globex).kind == Tenant.Kind.AGENCY
    assert new_client(api, bob, reloaded(globex)).status_code == 201


def test_a_subscription_moved_to_the_agency_plan_in_the_portal_makes_the_tenant_an_agency(globex, deliver):
    deliver(checkout_completed(globex, "pro", created=1_000))
    assert reloaded(globex).kind == Tenant.Kind.DIRECT
    deliver(subscription_event(globex, "agency", created=2_000))
    assert reloaded(globex).kind == Tenant.Kind.AGENCY


def test_an_incomplete_subscription_to_the_agency_plan_makes_no_agency(globex, deliver):
    deliver(
        subscription_event(globex, "agency", created=1_000, status="incomplete", type_="customer.subscription.created")
    )
    assert reloaded(globex).kind == Tenant.Kind.DIRECT


def test_an_agency_that_leaves_the_agency_plan_keeps_its_clients_but_cannot_create_new_ones(api, bob, globex, deliver):
    deliver(checkout_completed(globex, "agency", created=1_000))
    agency = reloaded(globex)
    client_id = new_client(api, bob, agency).json()["id"]
    deliver(subscription_event(globex, "pro", created=2_000))
    agency = reloaded(globex)
    assert (agency.kind, Subscription.objects.get(tenant=agency).plan.slug) == (Tenant.Kind.AGENCY, "pro")
    refused = new_client(api, bob, agency, slug="bright-smiles")
    assert (refused.status_code, refused.json()["error_code"]) == (402, "plan_limit")
    assert refused.json()["limit"] == {
        "name": "white_label",
        "current": False,
        "allowed": False,
        "plan": "pro",
        "upgrade_to": "agency",
    }
    assert [row["id"] for row in api(bob, agency).get(CLIENTS).json()["results"]] == [client_id]
    suspended = api(bob, agency).patch(f"{CLIENTS}/{client_id}", {"status": "suspended"}, format="json")
    assert suspended.status_code == 200


def test_an_agency_whose_subscription_ended_creates_no_client(api, bob, globex, deliver):
    deliver(checkout_completed(globex, "agency", created=1_000))
    deliver(
        subscription_event(globex, "agency", created=2_000, status="canceled", type_="customer.subscription.deleted")
    )
    refused = new_client(api, bob, reloaded(globex))
    assert (refused.status_code, refused.json()["limit"]["name"]) == (402, "subscription")
    assert refused.json()["limit"]["current"] == "subscription_canceled"
