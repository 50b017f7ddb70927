"""Test data for compliance (make it inside `tenant_context`)."""

from datetime import time

import factory

from compliance.models import ComplianceSettings, DncEntry
from config.weekly_hours import WEEKDAYS


class DncEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DncEntry

    number = factory.Sequence(lambda n: f"+1212555{n % 10000:04d}")
    source = DncEntry.Source.MANUAL


class ComplianceSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ComplianceSettings
        django_get_or_create = ("singleton",)

    singleton = True
    calling_window_start = time(8, 0)
    calling_window_end = time(21, 0)
    calling_days = factory.LazyFunction(lambda: list(WEEKDAYS))


def allow_calling_all_day(*tenants):
    """Tests that dial at whatever hour they run use an all-day window; the default window is tested here."""
    from django_tenants.utils import tenant_context

    for tenant in tenants:
        with tenant_context(tenant):
            ComplianceSettings.objects.update_or_create(
                singleton=True,
                defaults={
                    "calling_window_start": time(0, 0),
                    "calling_window_end": time(0, 0),
                    "calling_days": list(WEEKDAYS),
                },
            )
