from django.urls import path

from scheduling.api import views

urlpatterns = [
    path("calendar/calendars", views.CalendarsView.as_view(), name="calendar-calendars"),
    path("calendar/calendars/<id:calendar_id>", views.CalendarView.as_view(), name="calendar-calendar"),
    path(
        "calendar/calendars/<id:calendar_id>/feed/rotate",
        views.CalendarFeedRotateView.as_view(),
        name="calendar-feed-rotate",
    ),
    path("calendar/feed/<str:token>.ics", views.CalendarFeedView.as_view(), name="calendar-feed"),
    path("calendar/appointments", views.AppointmentsView.as_view(), name="calendar-appointments"),
    path("calendar/appointments/<id:appointment_id>", views.AppointmentView.as_view(), name="calendar-appointment"),
    path(
        "calendar/appointments/<id:appointment_id>/reschedule",
        views.AppointmentRescheduleView.as_view(),
        name="calendar-appointment-reschedule",
    ),
    path(
        "calendar/appointments/<id:appointment_id>/cancel",
        views.AppointmentCancelView.as_view(),
        name="calendar-appointment-cancel",
    ),
    path("calendar/manage/<str:token>", views.AttendeeAppointmentView.as_view(), name="calendar-attendee"),
    path("calendar/manage/<str:token>/cancel", views.AttendeeCancelView.as_view(), name="calendar-attendee-cancel"),
    path(
        "calendar/manage/<str:token>/reschedule",
        views.AttendeeRescheduleView.as_view(),
        name="calendar-attendee-reschedule",
    ),
    path("calendar/availability", views.AvailabilityView.as_view(), name="calendar-availability"),
    path("calendar/stats", views.StatsView.as_view(), name="calendar-stats"),
    path("calendar/auth-url/<str:provider>", views.AuthUrlView.as_view(), name="calendar-auth-url"),
    path("calendar/connect", views.ConnectView.as_view(), name="calendar-connect"),
    path("calendar/integrations", views.IntegrationsView.as_view(), name="calendar-integrations"),
    path("calendar/integrations/<id:integration_id>", views.IntegrationView.as_view(), name="calendar-integration"),
    path("calendar/calendly/event-types", views.CalendlyEventTypesView.as_view(), name="calendar-calendly-event-types"),
    path(
        "calendar/calendly/scheduling-links",
        views.CalendlySchedulingLinksView.as_view(),
        name="calendar-calendly-scheduling-links",
    ),
    path("webhooks/calendly/<slug:tenant_slug>", views.calendly_webhook, name="calendly-webhook"),
]
