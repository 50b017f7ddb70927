"""The platform bills an agency for its clients' minutes (Stripe's client-minutes meter on the agency's subscription,
through the real SDK and a fake Stripe HTTP server); the agency bills its clients from the charges CSV."""

import csv
import io
from datetime import datetime, timedelta
from urllib.parse import parse_qs

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing import services, tasks
from billing.models import Subscription, UsageRecord
from billing.services import set_client_price
from calls.tests.factories import CallFactory

pytestmark = pytest.mark.django_db

METER_EVENTS = "/v1/billing/meter_events"
CHARGES = "/api/agency/charges.csv"


def paying(tenant, customer):
    Subscription.objects.filter(tenant=tenant).update(stripe_customer_id=customer)


def finished_call(tenant, seconds, capture, *, started_at=None):
    with tenant_context(tenant), capture(execute=True):
        call = CallFactory(
            status="completed",
            duration_seconds=seconds,
            billable_seconds=seconds,
            started_at=started_at or timezone.now() - timedelta(seconds=seconds),
        )
        services.record_call_usage(tenant, call)
    return call


def report(tenant, key):
    """The task as a worker runs it, in the schema of the tenant that queued it."""
    with tenant_context(tenant):
        return tasks.report_usage.apply(args=[key]).result


def meter_event(identifier):
    return {
        "object": "billing.meter_event",
        "created": 1_765_000_000,
        "event_name": "client_minutes",
        "identifier": identifier,
        "livemode": False,
        "payload": {"stripe_customer_id": "cus_acme", "value": "3"},
        "timestamp": 1_765_000_000,
    }


# The agency's meter ----------------------------------------------------------------------------------------


def test_a_clients_call_minutes_go_to_its_agencys_client_minutes_meter_once(
    smile, stripe_api, queued, django_capture_on_commit_callbacks
):
    paying(smile.parent, "cus_acme")
    call = finished_call(smile, 150, django_capture_on_commit_callbacks)
    key = services.call_usage_key(smile, call.pk)
    assert queued == [("billing.report_usage", (key,))]
    stripe_api.add("POST", METER_EVENTS, json=meter_event(f"{key}:3"))

    assert report(smile, key) == 3
    assert report(smile, key) == 0  # a retried task tells Stripe nothing more
    [request] = stripe_api.requests_to("POST", METER_EVENTS)
    sent = {name: values[0] for name, values in parse_qs(request.body.decode()).items()}
    assert (sent["event_name"], sent["payload[stripe_customer_id]"], sent["payload[value]"]) == (
        "client_minutes",
        "cus_acme",
        "3",
    )
    assert sent["identifier"] == request.headers["idempotency-key"] == f"t_smile_dental:call:{call.pk}:3"
    assert UsageRecord.objects.get(idempotency_key=key).reported_minutes == 3


def test_a_client_paying_through_stripe_itself_is_still_billed_to_its_agency(
    smile, stripe_api, queued, django_capture_on_commit_callbacks
):
    paying(smile.parent, "cus_acme")
    paying(smile, "cus_smile")
    key = services.call_usage_key(smile, finished_call(smile, 60, django_capture_on_commit_callbacks).pk)
    stripe_api.add("POST", METER_EVENTS, json=meter_event(f"{key}:1"))
    report(smile, key)
    [request] = stripe_api.requests_to("POST", METER_EVENTS)
    assert parse_qs(request.body.decode())["payload[stripe_customer_id]"] == ["cus_acme"]


def test_the_client_of_an_agency_not_paying_through_stripe_reports_nothing(
    smile, stripe_api, queued, django_capture_on_commit_callbacks
):
    key = services.call_usage_key(smile, finished_call(smile, 60, django_capture_on_commit_callbacks).pk)
    assert queued == []
    assert report(smile, key) == 0 and stripe_api.requests == []


def test_the_agencys_own_calls_stay_on_its_call_minutes_meter(
    acme_agency, smile, stripe_api, queued, django_capture_on_commit_callbacks
):
    paying(acme_agency, "cus_acme")
    key = services.call_usage_key(acme_agency, finished_call(acme_agency, 60, django_capture_on_commit_callbacks).pk)
    stripe_api.add("POST", METER_EVENTS, json=meter_event(f"{key}:1"))
    report(acme_agency, key)
    [request] = stripe_api.requests_to("POST", METER_EVENTS)
    assert parse_qs(request.body.decode())["event_name"] == [django_settings.STRIPE_METER_EVENT_NAME]


# The charges CSV -------------------------------------------------------------------------------------------


def rows(response) -> list[dict]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def in_month(year, month, day=10):
    return timezone.make_aware(datetime(year, month, day, 12))


@pytest.fixture
def priced_usage(acme_agency, smile, queued, django_capture_on_commit_callbacks):
    """Smile at $99/month and $0.25 a minute: 3 minutes in January 2026, 2 in February."""
    set_client_price(smile, monthly_price="99.00", minute_price="0.2500")
    finished_call(smile, 150, django_capture_on_commit_callbacks, started_at=in_month(2026, 1))
    finished_call(smile, 120, django_capture_on_commit_callbacks, started_at=in_month(2026, 2))
    return smile


def test_the_charges_csv_has_a_line_per_client_and_month_with_minutes_plan_price_markup_and_total(
    api, alice, acme_agency, priced_usage, homes
):
    response = api(alice, acme_agency).get(CHARGES, {"date_from": "2026-01-01", "date_to": "2026-02-28"})
    assert response.status_code == 200
    assert 'filename="charges-acme-2026-01-01-2026-02-28.csv"' in response["Content-Disposition"]
    assert rows(response) == [
        {
            "client": "Smile Dental",
            "client_slug": "smile-dental",
            "period_start": start,
            "period_end": end,
            "billable_minutes": minutes,
            "plan_price": "99.00",
            "minute_price": "0.2500",
            "markup": markup,
            "total": total,
            "currency": "usd",
        }
        for start, end, minutes, markup, total in (
            ("2026-01-01", "2026-01-31", "3", "0.75", "99.75"),
            ("2026-02-01", "2026-02-28", "2", "0.50", "99.50"),
        )
    ]  # Globex's client Sunny Homes is not in it


def test_a_client_name_that_looks_like_a_formula_is_exported_as_text(api, alice, acme_agency, smile):
    smile.name = '=HYPERLINK("http://evil.example")'
    smile.save(update_fields=["name"])
    response = api(alice, acme_agency).get(CHARGES, {"date_from": "2026-01-01", "date_to": "2026-01-31"})
    assert rows(response)[0]["client"] == '\'=HYPERLINK("http://evil.example")'


def test_the_charges_csv_is_for_agencies_only(api, bob, globex):
    response = api(bob, globex).get(CHARGES)
    assert (response.status_code, response.json()["error_code"]) == (403, "not_an_agency")


def test_a_backwards_period_is_a_400_naming_the_field(api, alice, acme_agency):
    response = api(alice, acme_agency).get(CHARGES, {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert (response.status_code, list(response.json()["errors"])) == (400, ["date_to"])


def test_the_agency_console_links_the_charges_of_its_period_and_serves_them(alice, acme_agency, priced_usage):
    browser = Client(HTTP_HOST=f"acme.{django_settings.BASE_DOMAIN}")
    browser.force_login(alice)
    page = browser.get("/agency/clients", {"date_from": "2026-01-01", "date_to": "2026-01-31"}).content.decode()
    assert 'href="/agency/charges.csv?date_from=2026-01-01&amp;date_to=2026-01-31"' in page
    [row] = rows(browser.get("/agency/charges.csv", {"date_from": "2026-01-01", "date_to": "2026-01-31"}))
    assert (row["client_slug"], row["total"]) == ("smile-dental", "99.75")
