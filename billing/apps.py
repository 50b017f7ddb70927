from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts.services import register_api_key_check
        from billing import quotas, receivers  # noqa: F401  (receivers: connects to tenants' signals)

        register_api_key_check("billing.api_access", lambda tenant: quotas.check_feature(tenant, "api_access"))
