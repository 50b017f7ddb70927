from django.urls import path

from compliance.api import views

urlpatterns = [
    path("compliance/dnc", views.DncListView.as_view(), name="compliance-dnc"),
    path("compliance/dnc/import", views.DncImportView.as_view(), name="compliance-dnc-import"),
    path("compliance/dnc/imports", views.DncImportJobsView.as_view(), name="compliance-dnc-import-jobs"),
    path("compliance/dnc/imports/<id:job_id>", views.DncImportJobView.as_view(), name="compliance-dnc-import-job"),
    path("compliance/dnc/check", views.DncCheckView.as_view(), name="compliance-dnc-check"),
    path("compliance/dnc/<id:entry_id>", views.DncEntryView.as_view(), name="compliance-dnc-entry"),
    path("compliance/audit-logs", views.AuditLogView.as_view(), name="compliance-audit-logs"),
    path("compliance/exports", views.ExportsView.as_view(), name="compliance-exports"),
    path("compliance/exports/<id:export_id>", views.ExportView.as_view(), name="compliance-export"),
    path(
        "compliance/exports/<id:export_id>/download",
        views.ExportDownloadView.as_view(),
        name="compliance-export-download",
    ),
    path("compliance/erasures", views.ErasuresView.as_view(), name="compliance-erasures"),
    path("compliance/settings", views.ComplianceSettingsView.as_view(), name="compliance-settings"),
]
