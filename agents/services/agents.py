"""Creating, changing and deleting agents, with their provider choices checked against the registry."""

from django.db import connection, transaction
from django.db.models import ProtectedError

from agents.models import Agent
from agents.providers import registry
from agents.providers.registry import ProviderConfigError
from agents.services.credentials import has_credentials
from billing import quotas
from compliance.services import record_audit_event
from config.errors import DomainError, in_use

# Agent field → provider kind it names.
PROVIDER_FIELDS = {
    "llm_provider": "llm",
    "stt_provider": "stt",
    "tts_provider": "tts",
    "embeddings_provider": "embeddings",
}


def _check_providers(agent: Agent) -> None:
    errors = {}
    for field, kind in PROVIDER_FIELDS.items():
        name = getattr(agent, field)
        if not name:
            continue
        try:
            registry.validate(kind, name)
        except ProviderConfigError as exc:
            errors[field] = [exc.detail]
            continue
        if registry.required_credentials(kind, name) and not has_credentials(registry.account(kind, name)):
            errors[field] = [
                f"Add this tenant's credentials for '{name}' first (PUT /api/provider-credentials/{name})."
            ]
    if "tts_provider" not in errors:
        try:
            registry.validate_voice(agent.tts_provider, agent.voice_id)
        except ProviderConfigError as exc:
            errors["voice_id"] = [exc.detail]
    if errors:
        field, messages = next(iter(errors.items()))
        raise DomainError(f"{field}: {messages[0]}", error_code="invalid_provider_config", errors=errors)


def _check_agent_limit() -> None:
    """The one place the plan's limit on agents is enforced. Agents are created one at a time per tenant (a lock
    held to the end of the transaction), so two requests cannot both take the last place."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{connection.schema_name}:create-agent"])
    quotas.check_agents(connection.tenant, current=Agent.objects.count())


@transaction.atomic
def create_agent(**fields) -> Agent:
    _check_agent_limit()
    agent = Agent(**fields)
    _check_providers(agent)
    agent.save()
    return agent


@transaction.atomic
def update_agent(agent: Agent, **fields) -> Agent:
    for name, value in fields.items():
        setattr(agent, name, value)
    _check_providers(agent)
    agent.save()
    return agent


def delete_agent(agent: Agent, *, actor=None) -> None:
    """Its calls stay (without the agent) for reporting; its tests go with it. Not while a campaign uses it."""
    agent_id, name = agent.pk, agent.name
    try:
        with transaction.atomic():
            agent.delete()
            record_audit_event(action="agent.deleted", actor=actor, target=f"agent:{agent_id}", data={"name": name})
    except ProtectedError as error:
        raise in_use(agent, error, error_code="agent_in_use") from None
