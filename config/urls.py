from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from config.api.docs import ApiDocsView
from config.health import HealthView
from config.metrics import metrics_view

api_patterns = [
    path("", include("accounts.api.urls")),
    path("", include("tenants.api.urls")),
    path("", include("agents.api.urls")),
    path("", include("contacts.api.urls")),
    path("", include("campaigns.api.urls")),
    path("", include("calls.api.urls")),
    path("", include("calls.twilio.urls")),
    path("", include("scheduling.api.urls")),
    path("", include("compliance.api.urls")),
    path("", include("billing.api.urls")),
    path("", include("webhooks.api.urls")),
    path("", include("agencies.api.urls")),
    path("", include("notifications.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(url_name="schema"), name="docs"),
]

urlpatterns = [
    path("health", HealthView.as_view(), name="health"),
    path("metrics", metrics_view, name="metrics"),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
    path("", include("dashboard.urls")),
]

handler400 = "config.api.errors.json_400"
handler403 = "config.api.errors.json_403"
handler404 = "config.api.errors.json_404"
handler500 = "config.api.errors.json_500"
