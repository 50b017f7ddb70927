from django.urls import path

from calls.twilio.views import twilio_webhook

urlpatterns = [
    path("webhooks/twilio/<slug:tenant_slug>/<slug:kind>", twilio_webhook, name="twilio-webhook"),
]
