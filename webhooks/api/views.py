from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.validation import validated
from config.events import EVENT_TYPES
from webhooks import selectors
from webhooks.api import serializers as s
from webhooks.services import deliveries, endpoints

# Endpoints receive the tenant's data and hold signing secrets: owners and admins only.
PERMISSION = "tenant.manage"


class EndpointsView(generics.ListAPIView):
    """The tenant's webhook endpoints; POST adds one and shows its secret once."""

    required_permission = PERMISSION
    serializer_class = s.EndpointSerializer

    def get_queryset(self):
        return selectors.endpoints()

    @extend_schema(request=s.EndpointWriteSerializer, responses={201: s.EndpointCreatedSerializer})
    def post(self, request):
        endpoint = endpoints.create_endpoint(**validated(s.EndpointWriteSerializer, request))
        return Response(s.EndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class EndpointView(APIView):
    required_permission = PERMISSION

    @extend_schema(responses={200: s.EndpointSerializer})
    def get(self, request, endpoint_id):
        return Response(s.EndpointSerializer(selectors.get_endpoint(endpoint_id)).data)

    @extend_schema(request=s.EndpointWriteSerializer, responses={200: s.EndpointSerializer})
    def patch(self, request, endpoint_id):
        endpoint = selectors.get_endpoint(endpoint_id)
        changes = validated(s.EndpointWriteSerializer, request, partial=True)
        return Response(s.EndpointSerializer(endpoints.update_endpoint(endpoint, **changes)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, endpoint_id):
        endpoints.delete_endpoint(selectors.get_endpoint(endpoint_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RotateSecretView(APIView):
    required_permission = PERMISSION

    @extend_schema(request=None, responses={200: s.EndpointCreatedSerializer})
    def post(self, request, endpoint_id):
        """A new signing secret, shown this once; deliveries are signed with it from now on."""
        endpoint = endpoints.rotate_secret(selectors.get_endpoint(endpoint_id))
        return Response(s.EndpointCreatedSerializer(endpoint).data)


class DeliveriesView(generics.ListAPIView):
    """The endpoint's delivery log, newest first: each delivery with its attempts (request headers, response code
    and start of the answer, latency, error)."""

    required_permission = PERMISSION
    serializer_class = s.DeliverySerializer

    def get_queryset(self):
        return selectors.deliveries_of(selectors.get_endpoint(self.kwargs["endpoint_id"]))


class RedeliverView(APIView):
    required_permission = PERMISSION

    @extend_schema(request=None, responses={202: s.DeliverySerializer})
    def post(self, request, endpoint_id, delivery_id):
        """Sends the delivery again now, with a new retry window and the same event id."""
        delivery = deliveries.redeliver(selectors.get_endpoint(endpoint_id), delivery_id)
        return Response(s.DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class EventTypesView(APIView):
    required_permission = PERMISSION

    @extend_schema(responses={200: s.EventTypeSerializer(many=True)})
    def get(self, request):
        return Response([{"type": name, "description": EVENT_TYPES[name]} for name in sorted(EVENT_TYPES)])
