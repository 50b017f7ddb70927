import zoneinfo

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import metering, selectors
from billing.api.serializers import TenantPlanSerializer, UsageQuerySerializer
from config.api.validation import validated_query


class UsageView(APIView):
    """GET the tenant's metered call seconds per day of a period, with totals."""

    required_permission = "billing.view"

    @extend_schema(parameters=[UsageQuerySerializer], responses={200: {"type": "object"}})
    def get(self, request):
        tz = zoneinfo.ZoneInfo(request.tenant.timezone)
        query = validated_query(UsageQuerySerializer, request, context={"today": timezone.localdate(timezone=tz)})
        return Response(selectors.usage_summary(request.tenant, **query, tz=tz))


class PlanView(APIView):
    """GET the tenant's plan: its limits (lines, monthly minutes), the lines in use now and the minutes used this
    month, as the line and minute checks of calls and dials count them."""

    # Every member dials and takes calls under these limits, and sees them on the dashboard already.
    required_permission = "tenant.view"

    @extend_schema(responses={200: TenantPlanSerializer})
    def get(self, request):
        plan = selectors.plan_of(request.tenant)
        return Response(
            TenantPlanSerializer(
                {
                    "name": plan.name,
                    "slug": plan.slug,
                    "max_concurrent_calls": plan.max_concurrent_calls,
                    "monthly_minutes": plan.monthly_minutes,
                    "lines_in_use": metering.lines_in_use(),
                    "minutes_used_this_month": round(metering.minutes_used_this_month(), 2),
                }
            ).data
        )


class SubscriptionView(APIView):
    """GET the tenant's subscription: its plan with every limit and feature, how it stands with Stripe (trial,
    period, a failed payment and why outbound calls stopped), the use of this month, and the listed plans."""

    required_permission = "billing.view"

    @extend_schema(responses={200: {"type": "object"}})
    def get(self, request):
        return Response(selectors.subscription_summary(request.tenant))
