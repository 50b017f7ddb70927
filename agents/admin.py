from django.contrib import admin

from agents.models import Agent, AgentTest, AgentTestRun, CallTemplate, FlowVersion, KnowledgeFile, KnowledgeQuery
from config.admin import TenantSchemaAdmin

# Provider credentials are deliberately absent: secrets are set through the API and never shown.


@admin.register(Agent)
class AgentAdmin(TenantSchemaAdmin):
    list_display = ["name", "template", "llm_provider", "tts_provider", "is_active", "updated_at"]
    list_filter = ["is_active", "llm_provider", "tts_provider"]
    search_fields = ["name"]


class FlowVersionInline(admin.TabularInline):
    model = FlowVersion
    fields = ["number", "schema_version", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CallTemplate)
class CallTemplateAdmin(TenantSchemaAdmin):
    list_display = ["name", "industry", "library_key", "updated_at"]
    search_fields = ["name", "industry"]
    inlines = [FlowVersionInline]


@admin.register(KnowledgeFile)
class KnowledgeFileAdmin(TenantSchemaAdmin):
    list_display = ["name", "version", "is_current", "kind", "size", "status", "chunk_count", "created_at"]
    list_filter = ["status", "kind", "is_current"]
    search_fields = ["name"]
    exclude = ["content"]
    readonly_fields = [
        "name",
        "kind",
        "size",
        "sha256",
        "version",
        "is_current",
        "status",
        "failure_reason",
        "chunk_count",
        "uploaded_by_id",
        "indexed_at",
    ]


@admin.register(KnowledgeQuery)
class KnowledgeQueryAdmin(TenantSchemaAdmin):
    list_display = ["created_at", "agent", "source", "method", "query"]
    list_filter = ["source", "method"]
    search_fields = ["query"]


class AgentTestRunInline(admin.TabularInline):
    model = AgentTestRun
    fields = ["created_at", "passed", "report", "call"]
    readonly_fields = fields
    extra = 0


@admin.register(AgentTest)
class AgentTestAdmin(TenantSchemaAdmin):
    list_display = ["name", "agent", "updated_at"]
    search_fields = ["name"]
    inlines = [AgentTestRunInline]
