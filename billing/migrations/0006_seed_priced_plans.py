from decimal import Decimal

from django.db import migrations

# The plans as priced (issue 22); operators edit them in the admin afterwards. A blank limit is unlimited.
PLANS = {
    "starter": {
        "name": "Starter", "monthly_price": Decimal("49.00"), "overage_price_per_minute": None,
        "monthly_minutes": 500, "max_agents": 1, "max_concurrent_calls": 2, "max_campaign_contacts": None,
        "branching_templates": False, "calendar_integrations": False, "campaigns": False, "api_access": False,
        "white_label": False,
    },
    "pro": {
        "name": "Pro", "monthly_price": Decimal("199.00"), "overage_price_per_minute": Decimal("0.0800"),
        "monthly_minutes": 2000, "max_agents": 3, "max_concurrent_calls": 10, "max_campaign_contacts": 1000,
        "branching_templates": True, "calendar_integrations": True, "campaigns": True, "api_access": True,
        "white_label": False,
    },
    "enterprise": {
        "name": "Enterprise", "monthly_price": None, "overage_price_per_minute": None,
        "monthly_minutes": None, "max_agents": None, "max_concurrent_calls": 100, "max_campaign_contacts": None,
        "branching_templates": True, "calendar_integrations": True, "campaigns": True, "api_access": True,
        "white_label": True,
    },
}


def seed_plans(apps, schema_editor):
    """Starter (still the default plan, the one new tenants try) gets its price and limits; Pro and Enterprise
    are added. Tenants on a custom plan keep it."""
    Plan = apps.get_model("billing", "Plan")
    for slug, fields in PLANS.items():
        Plan.objects.update_or_create(slug=slug, defaults={**fields, "is_listed": True})


class Migration(migrations.Migration):

    dependencies = [
        ("billing", "0005_plans_as_priced"),
    ]

    operations = [
        migrations.RunPython(seed_plans, migrations.RunPython.noop),
    ]
