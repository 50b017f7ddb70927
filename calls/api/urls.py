from django.urls import path

from calls.api import live_views, views

urlpatterns = [
    path("twilio-account", views.TwilioAccountView.as_view(), name="twilio-account"),
    path("phone-numbers", views.PhoneNumbersView.as_view(), name="phone-numbers"),
    path("phone-numbers/available", views.AvailableNumbersView.as_view(), name="phone-numbers-available"),
    path("phone-numbers/buy", views.BuyNumberView.as_view(), name="phone-numbers-buy"),
    path("phone-numbers/<id:number_id>", views.PhoneNumberView.as_view(), name="phone-number"),
    path("calls", views.CallsView.as_view(), name="calls"),
    path("calls/stats/summary", views.CallStatsView.as_view(), name="call-stats"),
    path("calls/<id:call_id>", views.CallView.as_view(), name="call"),
    path("calls/<id:call_id>/end", views.EndCallView.as_view(), name="call-end"),
    path("calls/<id:call_id>/control", live_views.CallControlView.as_view(), name="call-control"),
    path("webhook-secret", live_views.WebhookSecretView.as_view(), name="webhook-secret"),
    path("calls/<id:call_id>/notes", views.CallNotesView.as_view(), name="call-notes"),
    path("calls/<id:call_id>/tags", views.CallTagsView.as_view(), name="call-tags"),
    path("agents/<id:agent_id>/analysis-profile", views.AnalysisProfileView.as_view(), name="analysis-profile"),
    path("calls/<id:call_id>/feedback", views.CallFeedbackView.as_view(), name="call-feedback"),
    path("calls/log", views.CallLogView.as_view(), name="call-log"),
    path("calls/<id:call_id>/recording", views.RecordingView.as_view(), name="call-recording"),
    path("calls/<id:call_id>/share", views.ShareLinksView.as_view(), name="call-share-links"),
    path("calls/<id:call_id>/share/<id:link_id>", views.ShareLinkView.as_view(), name="call-share-link"),
    path("shared/calls/<str:token>", views.SharedCallView.as_view(), name="shared-call"),
    path("training/feedback", views.TrainingFeedbackView.as_view(), name="training-feedback"),
    path("training/feedback/<id:correction_id>/apply", views.ApplyCorrectionView.as_view(), name="training-apply"),
    path("agents/<id:agent_id>/training-examples", views.TrainingExamplesView.as_view(), name="training-examples"),
    path("analytics/dashboard", views.DashboardView.as_view(), name="analytics-dashboard"),
    path("analytics/calls-per-day", views.CallsPerDayView.as_view(), name="analytics-calls-per-day"),
    path("analytics/sentiment", views.SentimentView.as_view(), name="analytics-sentiment"),
    path("analytics/agents", views.AgentStatsView.as_view(), name="analytics-agents"),
    path("analytics/export", views.ExportView.as_view(), name="analytics-export"),
]
