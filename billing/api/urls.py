from django.urls import path

from billing.api import views

urlpatterns = [
    path("billing/usage", views.UsageView.as_view(), name="billing-usage"),
]
