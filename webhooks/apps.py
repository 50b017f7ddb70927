from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        """Every domain event becomes one delivery per endpoint subscribed to its type (config.events sits below
        this app, so it takes a subscription instead of importing it); compliance learns what deliveries hold about
        a person the same way."""
        from compliance import subject_data
        from config import events
        from webhooks.services import deliveries, privacy

        events.subscribe(deliveries.record_event)
        subject_data.register(privacy.HOLDER)
