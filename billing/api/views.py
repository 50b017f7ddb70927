import zoneinfo

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors
from billing.api.serializers import UsageQuerySerializer


class UsageView(APIView):
    """GET the tenant's metered call seconds per day of a period, with totals."""

    required_permission = "billing.view"

    @extend_schema(parameters=[UsageQuerySerializer], responses={200: {"type": "object"}})
    def get(self, request):
        tz = zoneinfo.ZoneInfo(request.tenant.timezone)
        serializer = UsageQuerySerializer(data=request.query_params, context={"today": timezone.localdate(timezone=tz)})
        serializer.is_valid(raise_exception=True)
        return Response(selectors.usage_summary(request.tenant, **serializer.validated_data, tz=tz))
