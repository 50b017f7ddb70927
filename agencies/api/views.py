import zoneinfo

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, renderers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies import selectors, services
from agencies.api import serializers as s
from agencies.exports import charges_csv_response
from billing.api.serializers import UsageQuerySerializer
from config.api.validation import validated, validated_query
from tenants.api.serializers import LogoUploadSerializer
from tenants.selectors import clients_of


def _period(request) -> dict:
    """The query's date range in the agency's calendar days (default: this month up to today)."""
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(request.tenant.timezone))
    return validated_query(UsageQuerySerializer, request, context={"today": today})


class ClientsView(generics.ListAPIView):
    """An agency's client tenants; the agency's owners become owners of each new client."""

    required_permission = {"GET": "tenant.view", "POST": "tenant.manage"}
    serializer_class = s.ClientSerializer

    def get_queryset(self):
        return clients_of(services.agency_of(self.request.tenant)).prefetch_related("domains").order_by("name", "id")

    @extend_schema(request=s.AgencyClientCreateSerializer, responses={201: s.ClientSerializer})
    def post(self, request):
        data = validated(s.AgencyClientCreateSerializer, request)
        client = services.create_client(request.tenant, actor=request.user, **data)
        return Response(s.ClientSerializer(client).data, status=status.HTTP_201_CREATED)


class ClientView(APIView):
    """One client: GET; PATCH its name, time zone, branding, plan, price or status (suspend, resume); DELETE closes
    it (suspended at once, deleted after the grace period unless resumed)."""

    required_permission = {"GET": "tenant.view", "PATCH": "tenant.manage", "DELETE": "tenant.manage"}

    @extend_schema(responses={200: s.ClientSerializer})
    def get(self, request, client_id):
        return Response(s.ClientSerializer(services.client_of(request.tenant, client_id)).data)

    @extend_schema(request=s.AgencyClientUpdateSerializer, responses={200: s.ClientSerializer})
    def patch(self, request, client_id):
        client = services.client_of(request.tenant, client_id)
        data = validated(s.AgencyClientUpdateSerializer, request)
        client = services.update_client(request.tenant, client, actor=request.user, **data)
        return Response(s.ClientSerializer(client).data)

    @extend_schema(responses={202: s.ClientClosedSerializer})
    def delete(self, request, client_id):
        client = services.client_of(request.tenant, client_id)
        client = services.delete_client(request.tenant, client, actor=request.user)
        return Response(s.ClientClosedSerializer(client).data, status=status.HTTP_202_ACCEPTED)


class ClientStatsView(APIView):
    """One client's calls, minutes, bookings, costs and the agency's charge over a date range."""

    required_permission = "tenant.view"

    @extend_schema(parameters=[UsageQuerySerializer], responses={200: {"type": "object"}})
    def get(self, request, client_id):
        client = services.client_of(request.tenant, client_id)
        tz = zoneinfo.ZoneInfo(request.tenant.timezone)
        return Response(selectors.client_stats(client, **_period(request), tz=tz))


class UsageView(APIView):
    """Every client's figures over a date range, and their totals."""

    required_permission = "tenant.view"

    @extend_schema(parameters=[UsageQuerySerializer], responses={200: {"type": "object"}})
    def get(self, request):
        return Response(selectors.agency_usage(services.agency_of(request.tenant), **_period(request)))


class ChargesExportView(APIView):
    """GET /api/agency/charges.csv?date_from&date_to: what the agency charges each client per calendar month (plan
    price, minutes, markup, total), the lines it invoices its clients with; every cell through `config.csv`."""

    required_permission = "tenant.view"

    def perform_content_negotiation(self, request, force=False):
        """Errors are JSON; the export itself is CSV."""
        return renderers.JSONRenderer(), renderers.JSONRenderer.media_type

    @extend_schema(parameters=[UsageQuerySerializer], responses={(200, "text/csv"): str})
    def get(self, request):
        agency = services.agency_of(request.tenant)
        return charges_csv_response(agency, _period(request))


class ClientLogoView(APIView):
    """PUT the client's own logo (multipart `logo`: PNG, JPEG or WebP, no SVG); DELETE it (it shows the agency's)."""

    required_permission = "tenant.manage"
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": LogoUploadSerializer}, responses={200: s.ClientSerializer})
    def put(self, request, client_id):
        client = services.client_of(request.tenant, client_id)
        upload = validated(LogoUploadSerializer, request)["logo"]
        services.set_client_logo(request.tenant, client, upload, actor=request.user)
        return Response(s.ClientSerializer(client).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, client_id):
        client = services.client_of(request.tenant, client_id)
        services.remove_client_logo(request.tenant, client, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ImpersonationView(APIView):
    """An agency user starts acting inside a client: recorded in the client's audit log, which its staff read."""

    required_permission = "tenant.manage"

    @extend_schema(request=None, responses={201: s.ImpersonationSerializer})
    def post(self, request, client_id):
        client = services.client_of(request.tenant, client_id)
        host = services.impersonate(request.tenant, client, actor=request.user)
        return Response({"host": host}, status=status.HTTP_201_CREATED)
