from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class PlatformConfig(AppConfig):
    """The platform's conventions that must be in place before any app's URLs are read."""

    name = "config"

    def ready(self):
        from django.urls import register_converter

        from config import sentry
        from config.api.converters import IdConverter

        register_converter(IdConverter, "id")
        # Every process (web, media, Celery) loads the apps: errors go to Sentry from its start, if SENTRY_DSN is set.
        sentry.init()


class PlatformAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.PlatformAdminSite"
