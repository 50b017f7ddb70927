from django.urls import path

from agents.api import views

urlpatterns = [
    path("agents/knowledge-base/upload", views.KnowledgeUploadView.as_view(), name="knowledge-upload"),
    path("agents/knowledge-base/files", views.KnowledgeFilesView.as_view(), name="knowledge-files"),
    path("agents/knowledge-base/queries", views.KnowledgeQueriesView.as_view(), name="knowledge-queries"),
    path("agents/knowledge-base/<int:file_id>", views.KnowledgeFileView.as_view(), name="knowledge-file"),
    path("agents/<int:agent_id>/knowledge-base/search", views.KnowledgeSearchView.as_view(), name="knowledge-search"),
]
