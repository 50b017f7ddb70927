from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.validation import validated, validated_query
from notifications import services
from notifications.api import serializers as s

# Every member reads their own notifications: the rows are chosen by user and tenant, never by role.
PERMISSION = "tenant.view"


class NotificationsView(generics.ListAPIView):
    """The user's notifications on this tenant (and those about their account), newest first; `?unread=true` for
    the unread only."""

    required_permission = PERMISSION
    serializer_class = s.NotificationSerializer

    @extend_schema(parameters=[s.NotificationQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        notifications = services.visible_to(self.request.user, self.request.tenant)
        if validated_query(s.NotificationQuerySerializer, self.request)["unread"]:
            notifications = notifications.filter(read_at__isnull=True)
        return notifications


class UnreadCountView(APIView):
    required_permission = PERMISSION

    @extend_schema(responses={200: s.UnreadCountSerializer})
    def get(self, request):
        count = services.visible_to(request.user, request.tenant).filter(read_at__isnull=True).count()
        return Response({"count": count})


class MarkReadView(APIView):
    required_permission = PERMISSION

    @extend_schema(request=None, responses={200: s.NotificationSerializer})
    def post(self, request, notification_id):
        notification = services.mark_read(request.user, request.tenant, notification_id)
        return Response(s.NotificationSerializer(notification).data)


class MarkAllReadView(APIView):
    required_permission = PERMISSION

    @extend_schema(request=None, responses={200: s.MarkedSerializer})
    def post(self, request):
        return Response({"marked": services.mark_all_read(request.user, request.tenant)})


class PreferencesView(APIView):
    """Which notifications the user gets, in the app and by email, kind by kind; PUT changes the kinds it names."""

    required_permission = PERMISSION

    @extend_schema(responses={200: s.PreferencesSerializer})
    def get(self, request):
        return Response({"preferences": services.preferences_of(request.user)})

    @extend_schema(request=s.PreferencesSerializer, responses={200: s.PreferencesSerializer})
    def put(self, request):
        choices = validated(s.PreferencesSerializer, request)["preferences"]
        return Response({"preferences": services.set_preferences(request.user, choices)})
