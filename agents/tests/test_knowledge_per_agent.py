"""Knowledge files belong to agents: a receptionist and a sales agent of one tenant do not mix their facts; a file
with no agent chosen is shared with every agent; retrieval for a call searches only its agent's files."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from agents.knowledge import services as knowledge
from agents.knowledge.chunking import chunk_text
from agents.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db
UPLOAD = "/api/agents/knowledge-base/upload"


@pytest.fixture
def desk(acme):
    """Acme's receptionist and sales agent."""
    with tenant_context(acme):
        return AgentFactory(name="Reception"), AgentFactory(name="Sales")


def upload(client, tenant, name, content, agents=None):
    body = {"files": [SimpleUploadedFile(name, content)]}
    if agents is not None:
        body["agents"] = [agent.pk for agent in agents]
    response = client.post(UPLOAD, body, format="multipart")
    if response.status_code == 201:
        with tenant_context(tenant):
            for item in response.json():
                knowledge.index_file(item["id"])
    return response


def files_found(tenant, agent, query):
    with tenant_context(tenant):
        return [hit["file_name"] for hit in knowledge.search(query, agent=agent)]


def test_an_agent_finds_its_own_files_and_not_another_agents(api, alice, acme, desk):
    reception, sales = desk
    client = api(alice, acme)
    upload(client, acme, "clinic.txt", b"A cleaning costs 90 dollars.", agents=[reception])
    upload(client, acme, "pricing.txt", b"The software costs 40 dollars a month.", agents=[sales])
    assert files_found(acme, reception, "how much does it cost") == ["clinic.txt"]
    assert files_found(acme, sales, "how much does it cost") == ["pricing.txt"]


def test_a_file_without_agents_is_shared_with_every_agent(api, alice, acme, desk):
    reception, sales = desk
    upload(api(alice, acme), acme, "address.txt", b"We are at 120 Main Street.")
    assert files_found(acme, reception, "main street") == files_found(acme, sales, "main street") == ["address.txt"]


def test_a_file_shared_with_two_agents_is_found_once(api, alice, acme, desk):
    reception, sales = desk
    upload(api(alice, acme), acme, "address.txt", b"We are at 120 Main Street.", agents=[reception, sales])
    assert files_found(acme, reception, "main street") == ["address.txt"]


def test_the_upload_answer_names_the_files_agents(api, alice, acme, desk):
    reception, _ = desk
    [stored] = upload(api(alice, acme), acme, "clinic.txt", b"Parking is free.", agents=[reception]).json()
    assert stored["agents"] == [reception.pk]


def test_a_new_version_keeps_the_agents_of_the_one_it_replaces(api, alice, acme, desk):
    reception, sales = desk
    client = api(alice, acme)
    upload(client, acme, "clinic.txt", b"A cleaning costs 80 dollars.", agents=[reception])
    [newer] = upload(client, acme, "clinic.txt", b"A cleaning costs 95 dollars.").json()
    assert newer["agents"] == [reception.pk]
    assert files_found(acme, sales, "cleaning") == []


def test_staff_choose_which_agents_use_a_document(api, alice, acme, desk):
    reception, sales = desk
    client = api(alice, acme)
    [stored] = upload(client, acme, "clinic.txt", b"Parking is free.", agents=[reception]).json()
    response = client.patch(f"/api/agents/knowledge-base/{stored['id']}", {"agents": [sales.pk]}, format="json")
    assert response.status_code == 200 and response.json()["agents"] == [sales.pk]
    assert files_found(acme, reception, "parking") == [] and files_found(acme, sales, "parking") == ["clinic.txt"]


def test_an_empty_list_shares_a_document_with_every_agent(api, alice, acme, desk):
    reception, sales = desk
    client = api(alice, acme)
    [stored] = upload(client, acme, "clinic.txt", b"Parking is free.", agents=[reception]).json()
    client.patch(f"/api/agents/knowledge-base/{stored['id']}", {"agents": []}, format="json")
    assert files_found(acme, sales, "parking") == ["clinic.txt"]


def test_choosing_agents_needs_the_agents_field(api, alice, acme, desk):
    reception, _ = desk
    client = api(alice, acme)
    [stored] = upload(client, acme, "clinic.txt", b"Parking is free.", agents=[reception]).json()
    response = client.patch(f"/api/agents/knowledge-base/{stored['id']}", {}, format="json")
    assert response.status_code == 400 and "agents" in response.json()["errors"]


def test_an_unknown_agent_is_a_400_naming_the_field_and_stores_nothing(api, alice, acme, desk):
    response = upload(api(alice, acme), acme, "clinic.txt", b"Parking is free.", agents=[AgentFactory.build(pk=999999)])
    assert response.status_code == 400 and response.json()["errors"]["agents"] == ["No agent with id 999999."]
    assert api(alice, acme).get("/api/agents/knowledge-base/files").json()["results"] == []


def test_bob_cannot_give_his_file_to_alices_agent(api, bob, globex, desk):
    reception, _ = desk
    response = upload(api(bob, globex), globex, "globex.txt", b"Open houses on Sundays.", agents=[reception])
    assert response.status_code == 400 and "agents" in response.json()["errors"]


def test_members_cannot_choose_a_files_agents(api, alice, mike, acme, desk):
    reception, sales = desk
    [stored] = upload(api(alice, acme), acme, "clinic.txt", b"Parking is free.", agents=[reception]).json()
    response = api(mike, acme).patch(
        f"/api/agents/knowledge-base/{stored['id']}", {"agents": [sales.pk]}, format="json"
    )
    assert response.status_code == 403


def test_a_markdown_heading_starts_a_chunk_read_as_its_first_sentence():
    text = "# FAQ\n\nIntro.\n\n## Parking\nParking is free.\n\n## Opening hours\nWe open at 9 am.\n"
    assert chunk_text(text) == ["FAQ. Intro.", "Parking. Parking is free.", "Opening hours. We open at 9 am."]
