from django.urls import path

from notifications.api import views

urlpatterns = [
    path("notifications", views.NotificationsView.as_view(), name="notifications"),
    path("notifications/unread-count", views.UnreadCountView.as_view(), name="notifications-unread-count"),
    path("notifications/read-all", views.MarkAllReadView.as_view(), name="notifications-read-all"),
    path("notifications/<id:notification_id>/read", views.MarkReadView.as_view(), name="notification-read"),
    path("settings/notifications", views.PreferencesView.as_view(), name="notification-preferences"),
]
