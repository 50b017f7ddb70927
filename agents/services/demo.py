"""The demo tenant's receptionist, so a fresh install has an agent to talk to, and its clinic FAQ."""

from pathlib import Path

from agents import library
from agents.knowledge import services as knowledge
from agents.models import Agent, KnowledgeFile
from agents.services.agents import create_agent
from agents.services.templates import install_library_template, update_template

DEMO_TEMPLATE = "medical-receptionist"
DEMO_AGENT_NAME = "Mia"
DEMO_FAQ = Path(library.__file__).resolve().parent / "knowledge" / "clinic-faq.md"


def seed_demo_agent(tenant) -> Agent:
    """Idempotent (run inside the tenant's schema): the library's medical receptionist template (its flow kept up
    to date with the library's until someone edits it) and an offline agent on it (Festival voice, flow only,
    knowledge base by full-text search)."""
    template, created = install_library_template(DEMO_TEMPLATE)
    if not created and template.latest_version.created_by_id is None:
        # Nobody has edited the seeded flow: bring it up to the library's wording (calls made keep their version).
        update_template(template, flow=library.template(DEMO_TEMPLATE)["flow"])
    agent = Agent.objects.filter(template=template, name=DEMO_AGENT_NAME).first()
    if agent is not None:
        return agent
    return create_agent(
        name=DEMO_AGENT_NAME,
        template=template,
        tts_provider="festival",
        voice_id="slt",
        system_prompt=f"You are {DEMO_AGENT_NAME}, the friendly receptionist of {tenant.name}. Be brief and warm.",
        tools_enabled=["transfer", "end_call", "lookup_knowledge"],
        voicemail_message=f"You've reached {tenant.name}. Please leave your name and number after the tone.",
    )


def seed_demo_knowledge(agent: Agent) -> KnowledgeFile:
    """Idempotent: the clinic FAQ (hours, address, parking, insurance, cancellation policy) as the demo agent's own
    knowledge file, indexed now so the first call can answer from it without a worker running."""
    current = KnowledgeFile.objects.filter(name=DEMO_FAQ.name, is_current=True).first()
    if current is not None and current.status == KnowledgeFile.Status.READY:
        return current
    [stored] = (
        [current]
        if current is not None
        else knowledge.store_files([(DEMO_FAQ.name, DEMO_FAQ.read_bytes())], agent_ids=[agent.pk])
    )
    return knowledge.index_file(stored.pk)
