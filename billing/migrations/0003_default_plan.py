from django.db import migrations

# The limits every tenant had unless it changed them on its Twilio account (calls.TwilioAccount's old defaults).
DEFAULT_LINES, DEFAULT_MINUTES = 5, None


def create_default_plan(apps, schema_editor):
    """The default plan ("Starter"), and a plan of its own for each tenant whose Twilio account had other limits,
    so that moving the limits to plans changes no tenant's lines or minutes. Read before calls 0007 drops the
    columns: migrate_platform migrates the public schema before the tenants'."""
    Plan = apps.get_model("billing", "Plan")
    Subscription = apps.get_model("billing", "Subscription")
    Tenant = apps.get_model("tenants", "Tenant")
    Plan.objects.get_or_create(slug="starter", defaults={
        "name": "Starter", "max_concurrent_calls": DEFAULT_LINES, "monthly_minutes": DEFAULT_MINUTES,
        "is_default": True})
    with schema_editor.connection.cursor() as cursor:
        for tenant in Tenant.objects.order_by("id"):
            cursor.execute("SELECT 1 FROM information_schema.columns WHERE table_schema = %s"
                           " AND table_name = 'calls_twilioaccount' AND column_name = 'max_concurrent_calls'",
                           [tenant.schema_name])
            if cursor.fetchone() is None:
                continue
            cursor.execute("SELECT max_concurrent_calls, monthly_minutes_limit"
                           f' FROM "{tenant.schema_name}".calls_twilioaccount')
            row = cursor.fetchone()
            if row is None or row == (DEFAULT_LINES, DEFAULT_MINUTES):
                continue
            lines, minutes = row
            plan = Plan.objects.create(slug=f"custom-{tenant.slug}", name=f"{tenant.name} (custom)",
                                       max_concurrent_calls=max(lines, 1), monthly_minutes=minutes)
            Subscription.objects.create(tenant=tenant, plan=plan)


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0002_plans_subscriptions'),
    ]

    operations = [
        migrations.RunPython(create_default_plan, migrations.RunPython.noop),
    ]
