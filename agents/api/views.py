from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from agents import selectors
from agents.api import serializers as s
from agents.knowledge import services as knowledge
from agents.models import AgentTest, FlowVersion
from agents.providers import registry
from agents.services import agent_tests as agent_test_services
from agents.services import agents as agent_services
from agents.services import conversations
from agents.services import credentials as credential_services
from agents.services import templates as template_services
from config.api.schema import results
from config.api.validation import validated, validated_query
from config.errors import DomainError

# Knowledge base -----------------------------------------------------------------------------


class KnowledgeUploadView(APIView):
    """Several files in the multipart field `files`; each is checked by content and indexed in the background.
    `agents` (repeated): the agents whose calls use them; left out, every agent (a new version keeps the agents of
    the one it replaces)."""

    required_permission = "agents.manage"
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {
                    "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    "agents": {"type": "array", "items": {"type": "integer"}},
                },
            }
        },
        responses={201: s.KnowledgeFileSerializer(many=True)},
    )
    def post(self, request):
        agent_ids = validated(s.KnowledgeAgentsSerializer, request).get("agents")
        uploads = [(upload.name, upload.read()) for upload in request.FILES.getlist("files")]
        stored = knowledge.store_files(uploads, uploaded_by=request.user, agent_ids=agent_ids)
        return Response(s.KnowledgeFileSerializer(stored, many=True).data, status=status.HTTP_201_CREATED)


class KnowledgeFilesView(generics.ListAPIView):
    required_permission = "agents.view"
    serializer_class = s.KnowledgeFileSerializer

    @extend_schema(parameters=[s.KnowledgeFilesQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.knowledge_files(
            current_only=validated_query(s.KnowledgeFilesQuerySerializer, self.request)["current"]
        )


class KnowledgeFileView(APIView):
    required_permission = "agents.manage"

    @extend_schema(request=s.KnowledgeAgentsSerializer, responses={200: s.KnowledgeFileSerializer})
    def patch(self, request, file_id):
        """Which agents use this document (all its versions): `{"agents": [ids]}`, `[]` for every agent."""
        data = validated(s.KnowledgeAgentsSerializer, request)
        if "agents" not in data:
            raise DomainError("Say which agents use the file.", errors={"agents": ["This field is required."]})
        knowledge.share_file(file_id, data["agents"])
        return Response(s.KnowledgeFileSerializer(selectors.knowledge_files().get(pk=file_id)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, file_id):
        knowledge.delete_file(file_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class KnowledgeQueriesView(generics.ListAPIView):
    """What was searched, by callers, the sandbox or staff, with what was found."""

    required_permission = "agents.view"
    serializer_class = s.KnowledgeQuerySerializer

    @extend_schema(parameters=[s.KnowledgeQueriesQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.knowledge_queries(
            agent_id=validated_query(s.KnowledgeQueriesQuerySerializer, self.request).get("agent")
        )


class KnowledgeSearchView(APIView):
    required_permission = "agents.view"

    @extend_schema(
        request=s.KnowledgeSearchSerializer, responses={200: results("KnowledgeHits", s.KnowledgeHitSerializer)}
    )
    def post(self, request, agent_id):
        agent = selectors.get_agent(agent_id)
        data = validated(s.KnowledgeSearchSerializer, request)
        hits = knowledge.search(data["query"], agent=agent, limit=data["limit"], source="api")
        return Response({"results": s.KnowledgeHitSerializer(hits, many=True).data})


# Agents -------------------------------------------------------------------------------------


class AgentsView(generics.ListAPIView):
    required_permission = {"GET": "agents.view", "POST": "agents.manage"}
    serializer_class = s.AgentSerializer

    def get_queryset(self):
        return selectors.agents()

    @extend_schema(request=s.AgentSerializer, responses={201: s.AgentSerializer})
    def post(self, request):
        agent = agent_services.create_agent(**validated(s.AgentSerializer, request))
        return Response(s.AgentSerializer(agent).data, status=status.HTTP_201_CREATED)


class AgentView(APIView):
    required_permission = {"GET": "agents.view", "*": "agents.manage"}

    @extend_schema(responses={200: s.AgentSerializer})
    def get(self, request, agent_id):
        return Response(s.AgentSerializer(selectors.get_agent(agent_id)).data)

    @extend_schema(request=s.AgentSerializer, responses={200: s.AgentSerializer})
    def patch(self, request, agent_id):
        agent = selectors.get_agent(agent_id)
        agent = agent_services.update_agent(agent, **validated(s.AgentSerializer, request, partial=True))
        return Response(s.AgentSerializer(agent).data)

    @extend_schema(request=s.AgentSerializer, responses={200: s.AgentSerializer})
    def put(self, request, agent_id):
        agent = selectors.get_agent(agent_id)
        agent = agent_services.update_agent(agent, **validated(s.AgentSerializer, request))
        return Response(s.AgentSerializer(agent).data)

    @extend_schema(responses={204: None})
    def delete(self, request, agent_id):
        agent_services.delete_agent(selectors.get_agent(agent_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Providers ----------------------------------------------------------------------------------


class ProvidersView(APIView):
    """The providers an agent may choose, per kind, and whether this tenant has their credentials."""

    required_permission = "agents.view"

    @extend_schema(responses={200: {"type": "object"}})
    def get(self, request):
        configured = set(selectors.configured_providers().values_list("provider", flat=True))
        catalog = {
            kind: [
                {
                    "name": name,
                    "offline": registry.info(kind, name).offline,
                    "default": name == registry.default(kind),
                    "required_credentials": list(registry.required_credentials(kind, name)),
                    "configured": name in configured,
                }
                for name in registry.names(kind)
            ]
            for kind in registry.KINDS
        }
        return Response(catalog)


class ProviderCredentialsView(generics.ListAPIView):
    required_permission = "agents.manage"
    serializer_class = s.ProviderCredentialSerializer

    def get_queryset(self):
        return selectors.configured_providers()


class ProviderCredentialView(APIView):
    """PUT replaces the tenant's credentials for one provider; they are stored encrypted and never shown."""

    required_permission = "agents.manage"

    @extend_schema(request=s.ProviderCredentialWriteSerializer, responses={200: s.ProviderCredentialSerializer})
    def put(self, request, provider):
        data = validated(s.ProviderCredentialWriteSerializer, request)
        record = credential_services.set_credentials(provider, data["credentials"])
        return Response(s.ProviderCredentialSerializer(record).data)

    @extend_schema(responses={204: None})
    def delete(self, request, provider):
        credential_services.delete_credentials(provider)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Templates ----------------------------------------------------------------------------------


class TemplatesView(generics.ListAPIView):
    required_permission = {"GET": "agents.view", "POST": "agents.manage"}
    serializer_class = s.CallTemplateSerializer

    def get_queryset(self):
        return selectors.templates()

    @extend_schema(request=s.CallTemplateSerializer, responses={201: s.CallTemplateSerializer})
    def post(self, request):
        data = validated(s.CallTemplateSerializer, request)
        template = template_services.create_template(user=request.user, **data)
        return Response(
            s.CallTemplateSerializer(selectors.get_template(template.id)).data, status=status.HTTP_201_CREATED
        )


class TemplateView(APIView):
    required_permission = {"GET": "agents.view", "*": "agents.manage"}

    @extend_schema(responses={200: s.CallTemplateSerializer})
    def get(self, request, template_id):
        return Response(s.CallTemplateSerializer(selectors.get_template(template_id)).data)

    @extend_schema(request=s.CallTemplateSerializer, responses={200: s.CallTemplateSerializer})
    def patch(self, request, template_id):
        template = selectors.get_template(template_id)
        data = validated(s.CallTemplateSerializer, request, partial=True)
        template_services.update_template(template, user=request.user, **data)
        return Response(s.CallTemplateSerializer(selectors.get_template(template_id)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, template_id):
        template_services.delete_template(selectors.get_template(template_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TemplateVersionsView(generics.ListAPIView):
    required_permission = "agents.view"
    serializer_class = s.FlowVersionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no URL kwargs
            return FlowVersion.objects.none()
        return selectors.template_versions(selectors.get_template(self.kwargs["template_id"]))


class TemplateValidateView(APIView):
    """Checks the saved flow, or a draft sent as `flow`; 200 either way, with every problem by node."""

    required_permission = "agents.view"

    @extend_schema(request=s.FlowCheckSerializer, responses={200: {"type": "object"}})
    def post(self, request, template_id):
        template = selectors.get_template(template_id)
        draft = validated(s.FlowCheckSerializer, request).get("flow")
        errors = template_services.validate_template(template, flow=draft)
        return Response({"valid": not errors, "errors": errors})


class TemplateDuplicateView(APIView):
    required_permission = "agents.manage"

    @extend_schema(request=None, responses={201: s.CallTemplateSerializer})
    def post(self, request, template_id):
        copy = template_services.duplicate_template(selectors.get_template(template_id), user=request.user)
        return Response(s.CallTemplateSerializer(selectors.get_template(copy.id)).data, status=status.HTTP_201_CREATED)


class LibraryView(APIView):
    required_permission = "agents.view"

    @extend_schema(responses={200: s.LibraryTemplateSerializer(many=True)})
    def get(self, request):
        return Response(s.LibraryTemplateSerializer(template_services.library_entries(), many=True).data)


class LibraryInstallView(APIView):
    """Installs a library template into the tenant (201), or returns the copy already installed (200)."""

    required_permission = "agents.manage"

    @extend_schema(request=None, responses={201: s.CallTemplateSerializer, 200: s.CallTemplateSerializer})
    def post(self, request, key):
        template, created = template_services.install_library_template(key, user=request.user)
        return Response(
            s.CallTemplateSerializer(selectors.get_template(template.id)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


# Sandbox ------------------------------------------------------------------------------------


class SandboxView(APIView):
    """One caller turn of a text conversation; without `session_id` a new one starts with the greeting."""

    required_permission = "agents.view"

    @extend_schema(request=s.SandboxTurnSerializer, responses={200: s.SandboxReplySerializer})
    def post(self, request, agent_id):
        agent = selectors.get_agent(agent_id)
        data = validated(s.SandboxTurnSerializer, request)
        if "session_id" in data:
            if "text" not in data:
                raise DomainError("Say something: send `text`.", errors={"text": ["This field is required."]})
            turn = conversations.say(agent, conversations.get_session(agent, data["session_id"]), data["text"])
        else:
            turn = conversations.start(agent, variables=data["variables"])
            if "text" in data and not turn.result.ended:
                greeting = turn.result.utterances
                turn = conversations.say(agent, turn.call, data["text"])
                turn.result.utterances = greeting + turn.result.utterances
        return Response(s.SandboxReplySerializer(turn).data)


# Agent tests --------------------------------------------------------------------------------


class AgentTestsView(generics.ListAPIView):
    required_permission = {"GET": "agents.view", "POST": "agents.manage"}
    serializer_class = s.AgentTestSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no URL kwargs
            return AgentTest.objects.none()
        return selectors.agent_tests(selectors.get_agent(self.kwargs["agent_id"]))

    @extend_schema(request=s.AgentTestSerializer, responses={201: s.AgentTestSerializer})
    def post(self, request, agent_id):
        agent = selectors.get_agent(agent_id)
        test = agent_test_services.create_test(agent, **validated(s.AgentTestSerializer, request))
        return Response(s.AgentTestSerializer(test).data, status=status.HTTP_201_CREATED)


class AgentTestView(APIView):
    required_permission = {"GET": "agents.view", "*": "agents.manage"}

    def _test(self, agent_id, test_id):
        return selectors.get_agent_test(selectors.get_agent(agent_id), test_id)

    @extend_schema(responses={200: s.AgentTestSerializer})
    def get(self, request, agent_id, test_id):
        return Response(s.AgentTestSerializer(self._test(agent_id, test_id)).data)

    @extend_schema(request=s.AgentTestSerializer, responses={200: s.AgentTestSerializer})
    def patch(self, request, agent_id, test_id):
        test = self._test(agent_id, test_id)
        test = agent_test_services.update_test(test, **validated(s.AgentTestSerializer, request, partial=True))
        return Response(s.AgentTestSerializer(test).data)

    @extend_schema(responses={204: None})
    def delete(self, request, agent_id, test_id):
        agent_test_services.delete_test(self._test(agent_id, test_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AgentTestsRunView(APIView):
    """Runs the agent's tests (or the listed ones) now; each run is kept with its test call."""

    required_permission = "agents.view"

    @extend_schema(
        request=s.AgentTestRunRequestSerializer,
        responses={200: results("AgentTestRuns", s.AgentTestRunSerializer, passed=serializers.BooleanField())},
    )
    def post(self, request, agent_id):
        agent = selectors.get_agent(agent_id)
        data = validated(s.AgentTestRunRequestSerializer, request)
        tests = selectors.agent_tests(agent)
        if "test_ids" in data:
            tests = tests.filter(pk__in=data["test_ids"])
            missing = sorted(set(data["test_ids"]) - set(tests.values_list("pk", flat=True)))
            if missing:
                raise DomainError(
                    f"No such tests for this agent: {missing}.", errors={"test_ids": [f"Unknown: {missing}."]}
                )
        if not tests.exists():
            raise DomainError("This agent has no tests to run.", error_code="no_tests")
        runs = agent_test_services.run_tests(tests)
        return Response(
            {"passed": all(run.passed for run in runs), "results": s.AgentTestRunSerializer(runs, many=True).data}
        )
