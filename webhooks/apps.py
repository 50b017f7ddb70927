from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        """Every domain event becomes one delivery per endpoint subscribed to its type (config.events sits below
        this app, so it takes a subscription instead of importing it)."""
        from config import events
        from webhooks.services import deliveries

        events.subscribe(deliveries.record_event)
