import zoneinfo
from datetime import UTC

from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiKey
from billing import gateway, metering, selectors, services
from billing.api.serializers import (
    CheckoutSerializer,
    InvoicesQuerySerializer,
    PlatformMetricsQuerySerializer,
    SessionUrlSerializer,
    TenantPlanSerializer,
    UsageQuerySerializer,
)
from config import metrics
from config.api.errors import domain_error_response
from config.api.validation import validated, validated_query
from config.errors import DomainError


class UsageView(APIView):
    """GET the tenant's metered call seconds per day of a period, with totals."""

    required_permission = "billing.view"

    @extend_schema(parameters=[UsageQuerySerializer], responses={200: {"type": "object"}})
    def get(self, request):
        tz = zoneinfo.ZoneInfo(request.tenant.timezone)
        query = validated_query(UsageQuerySerializer, request, context={"today": timezone.localdate(timezone=tz)})
        return Response(selectors.usage_summary(request.tenant, **query, tz=tz))


class IsPlatformStaff(BasePermission):
    """Platform operators: a staff user logged in (a JWT or the admin's session), never an API key, which belongs to
    a tenant."""

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user and user.is_authenticated and user.is_active and user.is_staff and not isinstance(request.auth, ApiKey)
        )


class PlatformMetricsView(APIView):
    """GET, for the platform's operators (staff) only: tenants by status and plan, calls and minutes per UTC day,
    the tenants using the most minutes, and error rates (HTTP 4xx/5xx, webhook attempts, Celery task failures) since
    this host's processes started."""

    permission_classes = [IsPlatformStaff]

    @extend_schema(parameters=[PlatformMetricsQuerySerializer], responses={200: {"type": "object"}})
    def get(self, request):
        query = validated_query(
            PlatformMetricsQuerySerializer, request, context={"today": timezone.now().astimezone(UTC).date()}
        )
        return Response(selectors.platform_metrics(**query) | {"errors": metrics.error_rates()})


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


class CheckoutView(APIView):
    """POST {plan}: a Stripe Checkout session subscribing the tenant to the plan; send the browser to its `url`."""

    required_permission = "billing.manage"

    @extend_schema(request=CheckoutSerializer, responses={201: SessionUrlSerializer})
    def post(self, request):
        data = validated(CheckoutSerializer, request)
        url = services.checkout_url(request.tenant, plan_slug=data["plan"], user=request.user)
        return Response({"url": url}, status=status.HTTP_201_CREATED)


class PortalView(APIView):
    """POST: a Stripe Customer Portal session (change plan, payment method, cancel); send the browser to its `url`."""

    required_permission = "billing.manage"

    @extend_schema(request=None, responses={201: SessionUrlSerializer})
    def post(self, request):
        return Response({"url": services.portal_url(request.tenant)}, status=status.HTTP_201_CREATED)


class InvoicesView(APIView):
    """GET the tenant's latest invoices from Stripe, newest first, each with its hosted page and PDF."""

    required_permission = "billing.view"

    @extend_schema(parameters=[InvoicesQuerySerializer], responses={200: {"type": "object"}})
    def get(self, request):
        query = validated_query(InvoicesQuerySerializer, request)
        return Response({"results": selectors.invoices_of(request.tenant, limit=query["per_page"])})


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's events, on the shared public host: the signature (our endpoint's secret, within the tolerance)
    authenticates them; each is applied once, whatever Stripe retries."""
    try:
        event = gateway.verified_event(request.body, request.headers.get("Stripe-Signature", ""))
        applied = services.apply_stripe_event(event)
    except DomainError as exc:
        return domain_error_response(request, exc)
    return JsonResponse({"received": True, "duplicate": not applied})
