"""The billing page: the plan and its use against the limits, upgrading through Stripe Checkout (with what is left
of the trial), the billing portal and the invoices, through the real stripe SDK against a fake Stripe server."""

from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from billing.models import Plan, Subscription
from billing.tests import stripe_fakes as fake

pytestmark = pytest.mark.django_db


@pytest.fixture
def stripe_api(stripe_api):
    """The fake Stripe, with the plans synced to it."""
    for slug in ("starter", "pro"):
        Plan.objects.filter(slug=slug).update(stripe_product_id=f"plan_{slug}", stripe_price_id=f"price_{slug}")
    return stripe_api


@pytest.fixture
def trialing(acme):
    """Acme on a trial of Starter with 5 days left, as a new tenant is."""
    Subscription.objects.filter(tenant=acme).update(
        plan=Plan.objects.get(slug="starter"), status="trialing", trial_ends_at=timezone.now() + timedelta(days=5)
    )
    return acme


def test_the_page_shows_the_plan_and_its_use_against_the_limits(browser, alice, trialing):
    page = browser(alice, trialing).get("/billing").content.decode()
    assert '<h2 id="plan-title">Starter (trial until' in page
    assert 'data-limit="minutes">0.0 of 500' in page and 'data-limit="agents">up to 1<' in page
    assert 'data-plan="pro"' in page and 'data-plan="starter"' not in page


def test_upgrading_goes_on_to_stripe_checkout_with_the_trial_left(browser, alice, trialing, stripe_api):
    url = "https://checkout.stripe.com/c/pay/cs_test_dash"
    stripe_api.add("POST", "/v1/checkout/sessions", json=fake.checkout_session(url=url))
    response = browser(alice, trialing).post("/billing/checkout", {"plan": "pro"})
    assert (response.status_code, response["Location"]) == (302, url)
    assert "form-action 'self' https://checkout.stripe.com" in response["Content-Security-Policy"]
    sent = parse_qs(stripe_api.requests_to("POST", "/v1/checkout/sessions")[0].body.decode())
    assert sent["subscription_data[trial_period_days]"] == ["5"] and sent["line_items[0][price]"] == ["price_pro"]


def test_a_plan_not_for_sale_is_named_on_the_page(browser, alice, trialing, stripe_api):
    response = browser(alice, trialing).post("/billing/checkout", {"plan": "enterprise"})
    assert response.status_code == 400 and "Choose a listed plan with a price" in response.content.decode()
    assert stripe_api.requests == []


def test_a_paying_tenant_sees_its_invoices_and_manages_billing_in_the_portal(browser, alice, acme, stripe_api):
    Subscription.objects.filter(tenant=acme).update(stripe_customer_id="cus_acme", stripe_subscription_id="sub_1")
    invoice = fake.invoice(customer="cus_acme")
    stripe_api.add("GET", "/v1/invoices", json={"object": "list", "data": [invoice], "has_more": False})
    page = browser(alice, acme).get("/billing").content.decode()
    assert f'data-invoice="{invoice["id"]}"' in page and invoice["hosted_invoice_url"] in page
    assert 'id="upgrade-title"' not in page  # plan changes go through the portal
    stripe_api.add("POST", "/v1/billing_portal/sessions", json={"id": "bps_1", "url": "https://billing.stripe.com/p/1"})
    assert browser(alice, acme).post("/billing/portal")["Location"] == "https://billing.stripe.com/p/1"


def test_stripe_down_leaves_the_page_up_and_says_so(browser, alice, acme, stripe_api):
    Subscription.objects.filter(tenant=acme).update(stripe_customer_id="cus_acme")
    stripe_api.add("GET", "/v1/invoices", status=500, json=fake.error("Server error"))
    response = browser(alice, acme).get("/billing")
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()


def test_admins_see_the_plan_but_only_owners_pay_and_members_see_nothing(browser, amy, mike, trialing):
    page = browser(amy, trialing).get("/billing").content.decode()
    assert "Starter" in page and "billing/checkout" not in page
    assert browser(amy, trialing).post("/billing/checkout", {"plan": "pro"}).status_code == 403
    assert browser(mike, trialing).get("/billing").status_code == 403
