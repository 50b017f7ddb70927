"""Test data for campaigns (make it inside `tenant_context`)."""

import factory

from campaigns.models import Campaign


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    calls_per_minute = 60
    max_concurrent_calls = 10
