from django.urls import path

from calls.api import views

urlpatterns = [
    path("twilio-account", views.TwilioAccountView.as_view(), name="twilio-account"),
    path("phone-numbers", views.PhoneNumbersView.as_view(), name="phone-numbers"),
    path("phone-numbers/available", views.AvailableNumbersView.as_view(), name="phone-numbers-available"),
    path("phone-numbers/buy", views.BuyNumberView.as_view(), name="phone-numbers-buy"),
    path("phone-numbers/<int:number_id>", views.PhoneNumberView.as_view(), name="phone-number"),
]
