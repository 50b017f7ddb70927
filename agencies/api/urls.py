from django.urls import path

from agencies.api import views

urlpatterns = [
    path("agency/clients", views.ClientsView.as_view(), name="agency-clients"),
    path("agency/clients/<int:client_id>", views.ClientView.as_view(), name="agency-client"),
    path("agency/clients/<int:client_id>/logo", views.ClientLogoView.as_view(), name="agency-client-logo"),
    path("agency/clients/<int:client_id>/stats", views.ClientStatsView.as_view(), name="agency-client-stats"),
    path(
        "agency/clients/<int:client_id>/impersonation",
        views.ImpersonationView.as_view(),
        name="agency-client-impersonation",
    ),
    path("agency/usage", views.UsageView.as_view(), name="agency-usage"),
    path("agency/charges.csv", views.ChargesExportView.as_view(), name="agency-charges-csv"),
]
