from django.core.management.base import BaseCommand

from billing.services import sync_stripe_plans


class Command(BaseCommand):
    help = "Creates or updates a Stripe product and monthly price for every listed plan (safe to run again)."

    def handle(self, *args, **options):
        for plan in sync_stripe_plans():
            price = plan.stripe_price_id or "no price (custom)"
            minutes = f", minutes {plan.stripe_minutes_price_id}" if plan.stripe_minutes_price_id else ""
            self.stdout.write(f"{plan.slug}: product {plan.stripe_product_id}, {price}{minutes}")
