from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts import receivers  # noqa: F401  (connects to tenants' signals)
        from accounts.selectors import api_key_of_request
        from tenants import middleware

        # On the shared API host, a request without X-Tenant acts in the tenant of its API key. The key is looked up
        # once per request: the rate limit and DRF's authentication reuse it.
        middleware.register_tenant_source(
            "api_key", lambda request: getattr(api_key_of_request(request), "tenant", None)
        )
