from django.urls import path

from agents.api import views

urlpatterns = [
    path("agents", views.AgentsView.as_view(), name="agents"),
    path("agents/<id:agent_id>", views.AgentView.as_view(), name="agent"),
    path("templates", views.TemplatesView.as_view(), name="templates"),
    path("templates/library", views.LibraryView.as_view(), name="template-library"),
    path("templates/library/<slug:key>/install", views.LibraryInstallView.as_view(), name="template-library-install"),
    path("templates/<id:template_id>", views.TemplateView.as_view(), name="template"),
    path("templates/<id:template_id>/versions", views.TemplateVersionsView.as_view(), name="template-versions"),
    path("templates/<id:template_id>/validate", views.TemplateValidateView.as_view(), name="template-validate"),
    path("templates/<id:template_id>/duplicate", views.TemplateDuplicateView.as_view(), name="template-duplicate"),
    path("providers", views.ProvidersView.as_view(), name="providers"),
    path("provider-credentials", views.ProviderCredentialsView.as_view(), name="provider-credentials"),
    path("provider-credentials/<str:provider>", views.ProviderCredentialView.as_view(), name="provider-credential"),
    path("agents/knowledge-base/upload", views.KnowledgeUploadView.as_view(), name="knowledge-upload"),
    path("agents/knowledge-base/files", views.KnowledgeFilesView.as_view(), name="knowledge-files"),
    path("agents/knowledge-base/queries", views.KnowledgeQueriesView.as_view(), name="knowledge-queries"),
    path("agents/knowledge-base/<id:file_id>", views.KnowledgeFileView.as_view(), name="knowledge-file"),
    path("agents/<id:agent_id>/tests", views.AgentTestsView.as_view(), name="agent-tests"),
    path("agents/<id:agent_id>/tests/run", views.AgentTestsRunView.as_view(), name="agent-tests-run"),
    path("agents/<id:agent_id>/tests/<id:test_id>", views.AgentTestView.as_view(), name="agent-test"),
    path("agents/<id:agent_id>/sandbox", views.SandboxView.as_view(), name="agent-sandbox"),
    path("agents/<id:agent_id>/knowledge-base/search", views.KnowledgeSearchView.as_view(), name="knowledge-search"),
]
