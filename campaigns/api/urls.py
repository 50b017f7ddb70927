from django.urls import path

from campaigns.api import views

urlpatterns = [
    path("campaigns", views.CampaignsView.as_view(), name="campaigns"),
    path("campaigns/<id:campaign_id>", views.CampaignView.as_view(), name="campaign"),
    path("campaigns/<id:campaign_id>/stats", views.CampaignStatsView.as_view(), name="campaign-stats"),
    path("campaigns/<id:campaign_id>/attempts", views.CampaignAttemptsView.as_view(), name="campaign-attempts"),
    path("campaigns/<id:campaign_id>/<str:action>", views.CampaignTransitionView.as_view(), name="campaign-transition"),
    path("calls/bulk", views.BulkCallsView.as_view(), name="calls-bulk"),
    path("calls/schedule", views.ScheduleCallView.as_view(), name="calls-schedule"),
]
