from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns import selectors
from campaigns.api import serializers as s
from campaigns.models import Campaign
from campaigns.services import calls, lifecycle
from config.api.validation import validated, validated_query
from config.errors import NotFound


class CampaignsView(generics.ListAPIView):
    """GET lists campaigns (`?kind=single_call` lists calls scheduled for a time); POST makes a draft."""

    required_permission = {"GET": "campaigns.view", "POST": "campaigns.manage"}
    serializer_class = s.CampaignSerializer

    @extend_schema(parameters=[s.CampaignFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no tenant
            return Campaign.objects.none()
        filters = validated_query(s.CampaignFilterSerializer, self.request)
        queryset = selectors.campaigns(kind=filters["kind"])
        return queryset.filter(status=filters["status"]) if filters.get("status") else queryset

    @extend_schema(request=s.CampaignSerializer, responses={201: s.CampaignSerializer})
    def post(self, request):
        campaign = lifecycle.create_campaign(**validated(s.CampaignSerializer, request))
        return Response(s.CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


class CampaignView(APIView):
    """A campaign; it can be changed or deleted while it is a draft (409 `campaign_not_draft` after)."""

    required_permission = {"GET": "campaigns.view", "*": "campaigns.manage"}

    @extend_schema(responses={200: s.CampaignSerializer})
    def get(self, request, campaign_id):
        return Response(s.CampaignSerializer(selectors.get_campaign(campaign_id)).data)

    @extend_schema(request=s.CampaignSerializer, responses={200: s.CampaignSerializer})
    def patch(self, request, campaign_id):
        campaign = selectors.get_campaign(campaign_id)
        serializer = s.CampaignSerializer(campaign, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        campaign = lifecycle.update_campaign(campaign, **serializer.validated_data)
        return Response(s.CampaignSerializer(campaign).data)

    @extend_schema(responses={204: None})
    def delete(self, request, campaign_id):
        lifecycle.delete_campaign(selectors.get_campaign(campaign_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CampaignTransitionView(APIView):
    """POST /api/campaigns/{id}/schedule|start|pause|resume|cancel; from a status that does not allow it, 409
    `illegal_transition`. `schedule` takes `starts_at` (future) unless the campaign has one."""

    required_permission = "campaigns.manage"

    @extend_schema(
        request=s.ScheduleSerializer, responses={200: s.CampaignSerializer}, operation_id="api_campaigns_transition"
    )
    def post(self, request, campaign_id, action):
        if action not in lifecycle.TRANSITIONS:
            raise NotFound(f"Unknown action '{action}'.")
        campaign = selectors.get_campaign(campaign_id)
        starts_at = validated(s.ScheduleSerializer, request).get("starts_at") if action == "schedule" else None
        campaign = lifecycle.transition(campaign, action, starts_at=starts_at)
        return Response(s.CampaignSerializer(campaign).data)


class CampaignStatsView(APIView):
    required_permission = "campaigns.view"

    @extend_schema(responses={200: {"type": "object"}})
    def get(self, request, campaign_id):
        return Response(selectors.campaign_stats(selectors.get_campaign(campaign_id)))


class CampaignAttemptsView(generics.ListAPIView):
    required_permission = "campaigns.view"
    serializer_class = s.AttemptSerializer

    @extend_schema(parameters=[s.AttemptFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Campaign.objects.none()
        campaign = selectors.get_campaign(self.kwargs["campaign_id"])
        return selectors.attempts(
            campaign, status=validated_query(s.AttemptFilterSerializer, self.request).get("status")
        )


class BulkCallsView(APIView):
    """Dial a list of numbers (or contacts): a campaign running now, or scheduled with `schedule`."""

    required_permission = "calls.place"
    required_scope = "calls"

    @extend_schema(request=s.BulkCallsSerializer, responses={201: s.CampaignSerializer})
    def post(self, request):
        campaign = calls.bulk_calls(**validated(s.BulkCallsSerializer, request))
        return Response(s.CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


class ScheduleCallView(APIView):
    """One call at a future time, dialed by the campaign dispatcher."""

    required_permission = "calls.place"
    required_scope = "calls"

    @extend_schema(request=s.ScheduleCallSerializer, responses={201: s.ScheduledCallSerializer})
    def post(self, request):
        campaign = calls.schedule_call(**validated(s.ScheduleCallSerializer, request))
        return Response(s.ScheduledCallSerializer(campaign).data, status=status.HTTP_201_CREATED)
