from django.urls import path

from agents.api import views

urlpatterns = [
    path("agents", views.AgentsView.as_view(), name="agents"),
    path("agents/<int:agent_id>", views.AgentView.as_view(), name="agent"),
    path("providers", views.ProvidersView.as_view(), name="providers"),
    path("provider-credentials", views.ProviderCredentialsView.as_view(), name="provider-credentials"),
    path("provider-credentials/<str:provider>", views.ProviderCredentialView.as_view(), name="provider-credential"),
    path("agents/knowledge-base/upload", views.KnowledgeUploadView.as_view(), name="knowledge-upload"),
    path("agents/knowledge-base/files", views.KnowledgeFilesView.as_view(), name="knowledge-files"),
    path("agents/knowledge-base/queries", views.KnowledgeQueriesView.as_view(), name="knowledge-queries"),
    path("agents/knowledge-base/<int:file_id>", views.KnowledgeFileView.as_view(), name="knowledge-file"),
    path("agents/<int:agent_id>/knowledge-base/search", views.KnowledgeSearchView.as_view(), name="knowledge-search"),
]
