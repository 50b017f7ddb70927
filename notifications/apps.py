from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        """What needs someone's attention comes from the domain events (config.events sits below every producer and
        this app, so the producers import nothing of it)."""
        from config import events
        from notifications import services

        events.subscribe(services.on_tenant_event)
        events.subscribe_account(services.on_account_event)
