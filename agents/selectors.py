"""Shared reads of the agents app; every query runs in the current tenant's schema."""

from django.db.models import Prefetch

from agents.models import Agent, AgentTest, CallTemplate, FlowVersion, KnowledgeFile, KnowledgeQuery, ProviderCredential
from config.errors import NotFound


def _get(queryset, pk, label):
    item = queryset.filter(pk=pk).first()
    if item is None:
        raise NotFound(f"No such {label}.")
    return item


def agents():
    return Agent.objects.select_related("template")


def get_agent(agent_id) -> Agent:
    return _get(agents(), agent_id, "agent")


def templates():
    return CallTemplate.objects.prefetch_related(Prefetch("versions", queryset=FlowVersion.objects.order_by("-number")))


def get_template(template_id) -> CallTemplate:
    return _get(templates(), template_id, "template")


def knowledge_files(*, current_only=False):
    files = KnowledgeFile.objects.defer("content").prefetch_related("agents")
    return files.filter(is_current=True) if current_only else files


def knowledge_queries(*, agent_id=None):
    queries = KnowledgeQuery.objects.all()
    return queries.filter(agent_id=agent_id) if agent_id is not None else queries


def configured_providers():
    return ProviderCredential.objects.all()


def agent_tests(agent):
    return AgentTest.objects.filter(agent=agent)


def get_agent_test(agent, test_id) -> AgentTest:
    return _get(agent_tests(agent), test_id, "agent test")


def template_versions(template):
    return template.versions.order_by("-number")
