from django.urls import path

from billing.api import views

urlpatterns = [
    path("billing/plan", views.PlanView.as_view(), name="billing-plan"),
    path("billing/usage", views.UsageView.as_view(), name="billing-usage"),
    path("billing/subscription", views.SubscriptionView.as_view(), name="billing-subscription"),
]
