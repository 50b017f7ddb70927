from django.urls import path

from billing.api import views

urlpatterns = [
    path("billing/plan", views.PlanView.as_view(), name="billing-plan"),
    path("billing/usage", views.UsageView.as_view(), name="billing-usage"),
    path("billing/subscription", views.SubscriptionView.as_view(), name="billing-subscription"),
    path("billing/checkout", views.CheckoutView.as_view(), name="billing-checkout"),
    path("billing/portal", views.PortalView.as_view(), name="billing-portal"),
    path("billing/invoices", views.InvoicesView.as_view(), name="billing-invoices"),
    path("admin/metrics", views.PlatformMetricsView.as_view(), name="admin-metrics"),
    path("webhooks/stripe", views.stripe_webhook, name="stripe-webhook"),
]
