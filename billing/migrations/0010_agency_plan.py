from decimal import Decimal

from django.db import migrations, models

# The self-serve agency plan (issue 22): its own calls as Pro, white-label, and each billable minute of its
# clients' calls at the client minute price. Operators edit it in the admin afterwards.
AGENCY = {
    "name": "Agency", "monthly_price": Decimal("299.00"), "overage_price_per_minute": Decimal("0.0800"),
    "monthly_minutes": 2000, "max_agents": 5, "max_concurrent_calls": 10, "max_campaign_contacts": 1000,
    "branching_templates": True, "calendar_integrations": True, "campaigns": True, "api_access": True,
    "white_label": True, "client_minute_price": Decimal("0.0600"), "is_listed": True,
}


def seed_agency_plan(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    Plan.objects.update_or_create(slug="agency", defaults=AGENCY)


class Migration(migrations.Migration):

    dependencies = [
        ("billing", "0009_client_price"),
    ]

    operations = [
        migrations.AddField(
            model_name="plan",
            name="client_minute_price",
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=7, null=True),
        ),
        migrations.AddField(
            model_name="plan",
            name="stripe_client_minutes_price_id",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.RunPython(seed_agency_plan, migrations.RunPython.noop),
    ]
