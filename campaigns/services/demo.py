"""The demo tenant's leads and a draft recall campaign, so a fresh install shows the outbound side too.

Numbers are from the 555-01xx range reserved for fiction: a demo can never call a real person."""

from django.db import connection

from campaigns.models import Campaign
from config.weekly_hours import WEEKDAYS
from contacts.services import import_contacts, list_named

DEMO_LIST = "Demo leads"
DEMO_CAMPAIGN = "Six-month check-up recall"
DEMO_LEADS = """phone,first_name,last_name,email,last_visit
+1 415 555 0101,Ada,Lovelace,ada@example.com,March
+1 415 555 0102,Alan,Turing,alan@example.com,April
+1 415 555 0103,Grace,Hopper,grace@example.com,May
"""


def seed_demo_campaign(agent) -> Campaign:
    """Idempotent: the leads are upserted and the campaign is made once (kept as it is after)."""
    leads = list_named(DEMO_LIST)
    import_contacts(DEMO_LEADS, contact_list=leads, file_name="demo-leads.csv")
    campaign, _ = Campaign.objects.get_or_create(
        name=DEMO_CAMPAIGN,
        defaults={
            "agent": agent,
            "contact_list": leads,
            "calls_per_minute": 2,
            "max_concurrent_calls": 1,
            "max_attempts": 2,
            "retry_delay_minutes": 120,
            "retry_on": [Campaign.RetryOutcome.NO_ANSWER, Campaign.RetryOutcome.BUSY],
            "hours": {day: [["09:00", "17:00"]] for day in WEEKDAYS[:5]},
            "timezone": connection.tenant.timezone,
        },
    )
    return campaign
