from django.urls import path

from webhooks.api import views

urlpatterns = [
    path("settings/webhooks", views.EndpointsView.as_view(), name="webhooks"),
    path("settings/webhooks/event-types", views.EventTypesView.as_view(), name="webhook-event-types"),
    path("settings/webhooks/<id:endpoint_id>", views.EndpointView.as_view(), name="webhook"),
    path(
        "settings/webhooks/<id:endpoint_id>/rotate-secret",
        views.RotateSecretView.as_view(),
        name="webhook-rotate-secret",
    ),
    path("settings/webhooks/<id:endpoint_id>/deliveries", views.DeliveriesView.as_view(), name="webhook-deliveries"),
    path(
        "settings/webhooks/<id:endpoint_id>/deliveries/<id:delivery_id>/redeliver",
        views.RedeliverView.as_view(),
        name="webhook-redeliver",
    ),
]
