from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from calls import selectors
from calls.api import serializers as s
from calls.services import telephony
from config.api.errors import NotFound
from config.api.validation import validated

# Twilio account and phone numbers -----------------------------------------------------------


class TwilioAccountView(APIView):
    """The tenant's Twilio account: PUT checks the credentials with Twilio; the auth token is never shown."""

    required_permission = "calls.manage"

    def _account(self):
        account = selectors.twilio_account()
        if account is None:
            raise NotFound("No Twilio account is connected.")
        return account

    @extend_schema(responses={200: s.TwilioAccountSerializer})
    def get(self, request):
        return Response(s.TwilioAccountSerializer(self._account()).data)

    @extend_schema(request=s.TwilioAccountSerializer, responses={200: s.TwilioAccountSerializer})
    def put(self, request):
        account = telephony.connect_twilio_account(**validated(s.TwilioAccountSerializer, request))
        return Response(s.TwilioAccountSerializer(account).data)

    @extend_schema(request=s.TwilioLimitsSerializer, responses={200: s.TwilioAccountSerializer})
    def patch(self, request):
        self._account()
        account = telephony.update_limits(**validated(s.TwilioLimitsSerializer, request, partial=True))
        return Response(s.TwilioAccountSerializer(account).data)

    @extend_schema(responses={204: None})
    def delete(self, request):
        telephony.disconnect_twilio_account()
        return Response(status=status.HTTP_204_NO_CONTENT)


class PhoneNumbersView(generics.ListAPIView):
    """GET lists the tenant's numbers; POST imports a number the tenant owns in its Twilio account."""

    required_permission = {"GET": "calls.view", "POST": "calls.manage"}
    serializer_class = s.PhoneNumberSerializer

    def get_queryset(self):
        return selectors.phone_numbers()

    @extend_schema(request=s.PhoneNumberSerializer, responses={201: s.PhoneNumberSerializer})
    def post(self, request):
        phone = telephony.import_number(request.tenant, **validated(s.PhoneNumberSerializer, request))
        return Response(s.PhoneNumberSerializer(phone).data, status=status.HTTP_201_CREATED)


class AvailableNumbersView(APIView):
    required_permission = "calls.manage"

    @extend_schema(parameters=[s.NumberSearchSerializer], responses={200: s.AvailableNumberSerializer(many=True)})
    def get(self, request):
        query = s.NumberSearchSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response({"results": s.AvailableNumberSerializer(telephony.search_numbers(**query.validated_data),
                                                                many=True).data})


class BuyNumberView(APIView):
    required_permission = "calls.manage"

    @extend_schema(request=s.PhoneNumberSerializer, responses={201: s.PhoneNumberSerializer})
    def post(self, request):
        phone = telephony.buy_number(request.tenant, **validated(s.PhoneNumberSerializer, request))
        return Response(s.PhoneNumberSerializer(phone).data, status=status.HTTP_201_CREATED)


class PhoneNumberView(APIView):
    required_permission = {"GET": "calls.view", "*": "calls.manage"}

    @extend_schema(responses={200: s.PhoneNumberSerializer})
    def get(self, request, number_id):
        return Response(s.PhoneNumberSerializer(selectors.get_phone_number(number_id)).data)

    @extend_schema(request=s.PhoneNumberUpdateSerializer, responses={200: s.PhoneNumberSerializer})
    def patch(self, request, number_id):
        phone = selectors.get_phone_number(number_id)
        phone = telephony.update_number(phone, **validated(s.PhoneNumberUpdateSerializer, request, partial=True))
        return Response(s.PhoneNumberSerializer(phone).data)

    @extend_schema(responses={204: None})
    def delete(self, request, number_id):
        telephony.remove_number(selectors.get_phone_number(number_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
