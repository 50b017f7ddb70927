"""An agency's roll-ups: each client's calls, minutes, bookings, what the calls cost and what the agency charges for
them, over a date range, read in each client's own schema, from the analytics database (`config.databases`)."""

import zoneinfo
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import DecimalField, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing.selectors import rebilling
from calls.selectors import analytics_calls, call_stats
from config.databases import analytics_database
from scheduling.models import Appointment
from scheduling.selectors import appointments
from tenants.selectors import clients_of


def _bounds(date_from, date_to, tz):
    start = timezone.make_aware(datetime.combine(date_from, time.min), tz)
    return start, timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min), tz)


def client_stats(client, *, date_from, date_to, tz) -> dict:
    """One client's figures for the calendar days [date_from, date_to] of `tz` (the agency's time zone)."""
    start, end = _bounds(date_from, date_to, tz)
    with tenant_context(client):
        calls = analytics_calls(date_from=date_from, date_to=date_to, tz=tz)
        figures = call_stats(calls)
        cost = calls.aggregate(total=Sum(Cast(KT("cost__total"), DecimalField(max_digits=14, decimal_places=4))))[
            "total"
        ] or Decimal(0)
        bookings = (
            appointments()
            .using(analytics_database())
            .filter(created_at__gte=start, created_at__lt=end)
            .exclude(status=Appointment.Status.CANCELLED)
            .count()
        )
    return {
        "client": {"id": client.pk, "name": client.name, "slug": client.slug, "status": client.status},
        "calls": figures["total"],
        "answered": figures["answered"],
        "minutes": figures["billable_minutes"],
        "bookings": bookings,
        "cost": str(cost.quantize(Decimal("0.0001"))),
        "charge": rebilling(client, start=start, end=end),
    }


CHARGE_COLUMNS = [
    "client",
    "client_slug",
    "period_start",
    "period_end",
    "billable_minutes",
    "plan_price",
    "minute_price",
    "markup",
    "total",
    "currency",
]


def _months(date_from, date_to):
    """The calendar months the days [date_from, date_to] touch, each as its first and last day within them."""
    start = date_from
    while start <= date_to:
        following = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
        end = min(date_to, following - timedelta(days=1))
        yield start, end
        start = following


def charge_rows(agency, *, date_from, date_to):
    """What the agency charges each client (CHARGE_COLUMNS), one row per client and calendar month of the agency's
    days [date_from, date_to]: the month's plan price (the client's monthly price, whole for any part of a month)
    and its markup, the billable minutes of the days asked for at the client's minute price. A row is an invoice
    line the agency bills from its own accounts."""
    tz = zoneinfo.ZoneInfo(agency.timezone)
    for client in clients_of(agency).order_by("name", "id"):
        for first, last in _months(date_from, date_to):
            start, end = _bounds(first, last, tz)
            charge = rebilling(client, start=start, end=end)
            yield [
                client.name,
                client.slug,
                first.isoformat(),
                last.isoformat(),
                charge["billable_minutes"],
                Decimal(charge["monthly_price"]),
                Decimal(charge["minute_price"]),
                Decimal(charge["minutes_amount"]),
                Decimal(charge["total"]),
                charge["currency"],
            ]


def agency_usage(agency, *, date_from, date_to) -> dict:
    """Every client's figures and their totals, in the agency's time zone."""
    tz = zoneinfo.ZoneInfo(agency.timezone)
    clients = [
        client_stats(client, date_from=date_from, date_to=date_to, tz=tz)
        for client in clients_of(agency).order_by("name", "id")
    ]
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "clients": clients,
        "total": {
            "calls": sum(row["calls"] for row in clients),
            "minutes": round(sum(row["minutes"] for row in clients), 2),
            "bookings": sum(row["bookings"] for row in clients),
            "cost": str(sum((Decimal(row["cost"]) for row in clients), Decimal("0.0000"))),
            "charge": str(sum((Decimal(row["charge"]["total"]) for row in clients), Decimal("0.00"))),
        },
    }
