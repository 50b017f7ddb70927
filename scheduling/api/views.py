from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_tenants.utils import tenant_context
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, OpenApiTypes, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.errors import domain_error_response, error_response
from config.api.schema import ErrorSerializer
from config.api.validation import validated, validated_query
from config.errors import DomainError, NotFound
from scheduling import selectors
from scheduling.api import serializers as s
from scheduling.models import Appointment, CalendarIntegration
from scheduling.services import (
    appointments,
    availability,
    calendars,
    calendly,
    confirmations,
    feeds,
    integrations,
)
from tenants.selectors import is_public, tenant_by_slug


def _feed_url(request):
    return lambda calendar: request.build_absolute_uri(
        reverse("calendar-feed", kwargs={"token": feeds.feed_token(calendar)})
    )


# Calendars ----------------------------------------------------------------------------------


class CalendarsView(generics.ListAPIView):
    """The tenant's default calendar (no agent) and agents' own calendars, each with its ICS feed URL."""

    required_permission = {"GET": "scheduling.view", "POST": "scheduling.manage"}
    serializer_class = s.CalendarSerializer

    def get_queryset(self):
        return selectors.calendars()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "feed_url": _feed_url(self.request)}

    @extend_schema(request=s.CalendarSerializer, responses={201: s.CalendarSerializer})
    def post(self, request):
        calendar = calendars.create_calendar(**validated(s.CalendarSerializer, request))
        return Response(
            s.CalendarSerializer(calendar, context={"feed_url": _feed_url(request)}).data,
            status=status.HTTP_201_CREATED,
        )


class CalendarView(APIView):
    required_permission = {"GET": "scheduling.view", "*": "scheduling.manage"}

    def _out(self, request, calendar):
        return Response(s.CalendarSerializer(calendar, context={"feed_url": _feed_url(request)}).data)

    @extend_schema(responses={200: s.CalendarSerializer})
    def get(self, request, calendar_id):
        return self._out(request, selectors.get_calendar(calendar_id))

    @extend_schema(request=s.CalendarSerializer, responses={200: s.CalendarSerializer})
    def patch(self, request, calendar_id):
        calendar = selectors.get_calendar(calendar_id)
        fields = validated(s.CalendarSerializer, request, instance=calendar, partial=True)
        return self._out(request, calendars.update_calendar(calendar, **fields))


class CalendarFeedRotateView(APIView):
    """A new feed URL; every URL handed out before stops working."""

    required_permission = "scheduling.manage"

    @extend_schema(request=None, responses={200: s.CalendarSerializer})
    def post(self, request, calendar_id):
        calendar = calendars.rotate_feed_key(selectors.get_calendar(calendar_id))
        return Response(s.CalendarSerializer(calendar, context={"feed_url": _feed_url(request)}).data)


class CalendarFeedView(APIView):
    """The ICS feed of a calendar. Calendar apps cannot log in: the signed URL is the credential, and it opens
    only on its own tenant's host."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses={(200, "text/calendar"): OpenApiTypes.STR})
    def get(self, request, token):
        if is_public(getattr(request, "tenant", None)):
            raise NotFound("No such feed.")
        calendar = feeds.calendar_of_token(token)
        response = HttpResponse(feeds.render(calendar), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="calendar-{calendar.pk}.ics"'
        response["Cache-Control"] = "private, max-age=300"
        return response


# Appointments -------------------------------------------------------------------------------


class AppointmentsView(generics.ListAPIView):
    required_permission = {"GET": "scheduling.view", "POST": "scheduling.manage"}
    serializer_class = s.AppointmentSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=Appointment.Status.values),
            OpenApiParameter("calendar", int),
            OpenApiParameter("contact", int),
            OpenApiParameter("from", OpenApiTypes.DATETIME, description="Appointments starting at or after."),
            OpenApiParameter("to", OpenApiTypes.DATETIME, description="Appointments starting before."),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = validated_query(s.AppointmentFilterSerializer, self.request)
        return selectors.appointments(
            calendar_id=filters.get("calendar"),
            contact_id=filters.get("contact"),
            status=filters.get("status"),
            start_from=filters.get("from"),
            start_to=filters.get("to"),
        )

    @extend_schema(request=s.AppointmentWriteSerializer, responses={201: s.AppointmentSerializer})
    def post(self, request):
        data = validated(s.AppointmentWriteSerializer, request)
        calendar = data.pop("calendar", None) or calendars.default_calendar()
        appointment = appointments.book(calendar, source=Appointment.Source.API, **data)
        return Response(s.AppointmentSerializer(appointment).data, status=status.HTTP_201_CREATED)


class AppointmentView(APIView):
    required_permission = {"GET": "scheduling.view", "*": "scheduling.manage"}

    @extend_schema(responses={200: s.AppointmentSerializer})
    def get(self, request, appointment_id):
        return Response(s.AppointmentSerializer(selectors.get_appointment(appointment_id)).data)

    @extend_schema(request=s.AppointmentWriteSerializer, responses={200: s.AppointmentSerializer})
    def put(self, request, appointment_id):
        appointment = selectors.get_appointment(appointment_id)
        appointment = appointments.replace(appointment, **validated(s.AppointmentWriteSerializer, request))
        return Response(s.AppointmentSerializer(appointment).data)

    @extend_schema(responses={204: None})
    def delete(self, request, appointment_id):
        appointments.delete(selectors.get_appointment(appointment_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AppointmentRescheduleView(APIView):
    required_permission = "scheduling.manage"

    @extend_schema(request=s.RescheduleSerializer, responses={200: s.AppointmentSerializer})
    def post(self, request, appointment_id):
        appointment = selectors.get_appointment(appointment_id)
        appointment = appointments.reschedule(appointment, **validated(s.RescheduleSerializer, request))
        return Response(s.AppointmentSerializer(appointment).data)


class AppointmentCancelView(APIView):
    required_permission = "scheduling.manage"

    @extend_schema(request=s.CancelSerializer, responses={200: s.AppointmentSerializer})
    def post(self, request, appointment_id):
        appointment = selectors.get_appointment(appointment_id)
        appointment = appointments.cancel(appointment, **validated(s.CancelSerializer, request))
        return Response(s.AppointmentSerializer(appointment).data)


class AttendeeLinkView(APIView):
    """The attendee's own link (in their confirmation): signed, expiring, on the tenant's host only. The link is the
    credential, as for the ICS feed."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def appointment(self, request, token):
        if is_public(getattr(request, "tenant", None)):
            raise NotFound("No such appointment.")
        return confirmations.appointment_of_token(token)


class AttendeeAppointmentView(AttendeeLinkView):
    @extend_schema(responses={200: s.AttendeeAppointmentSerializer})
    def get(self, request, token):
        return Response(s.AttendeeAppointmentSerializer(self.appointment(request, token)).data)


class AttendeeCancelView(AttendeeLinkView):
    @extend_schema(request=s.CancelSerializer, responses={200: s.AttendeeAppointmentSerializer})
    def post(self, request, token):
        appointment = appointments.cancel(self.appointment(request, token), **validated(s.CancelSerializer, request))
        return Response(s.AttendeeAppointmentSerializer(appointment).data)


class AttendeeRescheduleView(AttendeeLinkView):
    @extend_schema(request=s.AttendeeRescheduleSerializer, responses={200: s.AttendeeAppointmentSerializer})
    def post(self, request, token):
        appointment = self.appointment(request, token)
        start = validated(s.AttendeeRescheduleSerializer, request)["start"]
        appointment = appointments.reschedule_within_hours(appointment, start=start)
        return Response(s.AttendeeAppointmentSerializer(appointment).data)


# Availability and stats ---------------------------------------------------------------------


class AvailabilityView(APIView):
    """Free slots of a calendar (default: the tenant's default calendar), in the calendar's time zone."""

    required_permission = "scheduling.view"

    @extend_schema(request=s.AvailabilityRequestSerializer, responses={200: s.AvailabilitySerializer})
    def post(self, request):
        data = validated(s.AvailabilityRequestSerializer, request)
        calendar = data.get("calendar") or calendars.default_calendar()
        duration = timedelta(minutes=data["duration_minutes"]) if data.get("duration_minutes") else None
        slots = availability.free_slots(
            calendar, data["date_from"], data.get("date_to") or data["date_from"], duration=duration
        )
        zone = ZoneInfo(calendar.timezone)
        return Response(
            {
                "calendar": calendar.pk,
                "timezone": calendar.timezone,
                "slots": [
                    {"start": slot.start.astimezone(zone).isoformat(), "end": slot.end.astimezone(zone).isoformat()}
                    for slot in slots
                ],
            }
        )


class StatsView(APIView):
    """Appointments per status and source (agent, staff, Calendly), upcoming ones and the no-show rate, over the
    appointments starting in [from, to)."""

    required_permission = "scheduling.view"

    @extend_schema(parameters=[s.StatsQuerySerializer], responses={200: s.StatsSerializer})
    def get(self, request):
        query = validated_query(s.StatsQuerySerializer, request)
        return Response(selectors.stats(start_from=query.get("from"), start_to=query.get("to")))


# Integrations -------------------------------------------------------------------------------


NOT_CONFIGURED = OpenApiResponse(
    ErrorSerializer, description="The OAuth provider is not configured on this platform (no client id)."
)


class AuthUrlView(APIView):
    """Where to send the user to connect a Google or Microsoft calendar; the provider sends them back to
    CALENDAR_OAUTH_REDIRECT_URI with `code` and `state`, which the front end POSTs to /api/calendar/connect."""

    required_permission = "scheduling.manage"

    @extend_schema(parameters=[s.AuthUrlQuerySerializer], responses={200: s.AuthUrlSerializer, 503: NOT_CONFIGURED})
    def get(self, request, provider):
        calendar_id = validated_query(s.AuthUrlQuerySerializer, request).get("calendar")
        calendar = selectors.get_calendar(calendar_id) if calendar_id else calendars.default_calendar()
        return Response(integrations.authorization_url(provider, user=request.user, calendar=calendar))


class ConnectView(APIView):
    required_permission = "scheduling.manage"

    @extend_schema(request=s.ConnectSerializer, responses={201: s.IntegrationSerializer, 503: NOT_CONFIGURED})
    def post(self, request):
        data = validated(s.ConnectSerializer, request)
        if data["provider"] == CalendarIntegration.Provider.CALENDLY:
            integration = calendly.connect(
                calendar=data.get("calendar") or calendars.default_calendar(),
                token=data["token"],
                scope=data["webhook_scope"],
                user=request.user,
            )
        elif data["provider"] == CalendarIntegration.Provider.CALDAV:
            integration = integrations.connect_caldav(
                calendar=data.get("calendar") or calendars.default_calendar(),
                url=data["url"],
                username=data["username"],
                password=data["password"],
                user=request.user,
                calendar_name=data["calendar_name"],
            )
        else:
            integration = integrations.connect_oauth(
                data["provider"], code=data["code"], state=data["state"], user=request.user
            )
        return Response(s.IntegrationSerializer(integration).data, status=status.HTTP_201_CREATED)


class IntegrationsView(generics.ListAPIView):
    required_permission = "scheduling.view"
    serializer_class = s.IntegrationSerializer

    def get_queryset(self):
        return selectors.integrations()


class IntegrationView(APIView):
    required_permission = "scheduling.manage"

    @extend_schema(responses={204: None})
    def delete(self, request, integration_id):
        integrations.disconnect(selectors.get_integration(integration_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


# Calendly -----------------------------------------------------------------------------------


class CalendlyEventTypesView(APIView):
    """The connected Calendly account's event types, to pick one for booking links."""

    required_permission = "scheduling.view"

    @extend_schema(
        parameters=[s.CalendlyIntegrationQuerySerializer], responses={200: s.CalendlyEventTypeSerializer(many=True)}
    )
    def get(self, request):
        query = validated_query(s.CalendlyIntegrationQuerySerializer, request)
        integration = calendly.integration_for(query.get("integration"))
        return Response(s.CalendlyEventTypeSerializer(calendly.event_types(integration), many=True).data)


class CalendlySchedulingLinksView(APIView):
    """A single-use Calendly booking link for an event type, to send to one person."""

    required_permission = "scheduling.manage"

    @extend_schema(request=s.CalendlyLinkRequestSerializer, responses={201: s.CalendlyLinkSerializer})
    def post(self, request):
        data = validated(s.CalendlyLinkRequestSerializer, request)
        link = calendly.scheduling_link(calendly.integration_for(data.get("integration")), data["event_type"])
        return Response(s.CalendlyLinkSerializer(link).data, status=status.HTTP_201_CREATED)


@csrf_exempt
@require_POST
def calendly_webhook(request, tenant_slug):
    """Calendly's invitee.created / invitee.canceled deliveries. They arrive on the shared public host, so the
    tenant comes from the URL we subscribed; the signature (a key only we and Calendly know) authenticates them."""
    tenant = tenant_by_slug(tenant_slug)
    if tenant is None:
        return error_response(request, 403, "Invalid or stale Calendly signature.", "invalid_signature")
    try:
        with tenant_context(tenant):
            calendly.receive(signature=request.headers.get("Calendly-Webhook-Signature", ""), body=request.body)
    except DomainError as exc:
        return domain_error_response(request, exc)
    finally:
        connection.set_schema_to_public()
    return HttpResponse(status=200)
