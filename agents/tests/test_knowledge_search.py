"""Retrieval: indexed PDF and DOCX facts are found, ranked, scoped to current files and logged."""

import io

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from agents.knowledge import services as knowledge
from agents.knowledge.files import FileLimits, extract_text
from agents.models import KnowledgeChunk, KnowledgeFile
from agents.tests.factories import AgentFactory, docx_bytes, pdf_bytes

pytestmark = pytest.mark.django_db
LIMITS = FileLimits(**settings.KNOWLEDGE_FILE_LIMITS)


@pytest.fixture
def acme_agent(acme):
    with tenant_context(acme):
        return AgentFactory(name="Reception")


def upload_and_index(client, tenant, *files):
    stored = client.post(
        "/api/agents/knowledge-base/upload",
        {"files": [SimpleUploadedFile(name, content) for name, content in files]},
        format="multipart",
    )
    assert stored.status_code == 201, stored.json()
    with tenant_context(tenant):
        for item in stored.json():
            knowledge.index_file(item["id"])


def search(client, agent, query, **extra):
    return client.post(f"/api/agents/{agent.id}/knowledge-base/search", {"query": query, **extra}, format="json")


def test_facts_from_an_uploaded_pdf_and_docx_are_retrieved(api, alice, acme, acme_agent):
    client = api(alice, acme)
    upload_and_index(
        client,
        acme,
        ("hours.pdf", pdf_bytes("Opening hours: Monday to Friday from 8am to 6pm.", "Saturdays we open 9am to noon.")),
        (
            "insurance.docx",
            docx_bytes("We accept Delta Dental and Cigna insurance plans.", "A cleaning costs 90 dollars."),
        ),
    )
    hours = search(client, acme_agent, "What are your opening hours on Saturday?").json()["results"]
    insurance = search(client, acme_agent, "Do you take Cigna insurance?").json()["results"]
    assert hours[0]["file_name"] == "hours.pdf" and "Saturdays we open 9am to noon" in hours[0]["text"]
    assert insurance[0]["file_name"] == "insurance.docx" and "Cigna" in insurance[0]["text"]
    assert 0 < insurance[0]["score"] <= 1


def test_results_are_ranked_best_first_and_limited(api, alice, acme, acme_agent):
    client = api(alice, acme)
    upload_and_index(
        client,
        acme,
        ("a.txt", b"Parking is free."),
        ("b.txt", b"Parking is free behind the parking garage."),
        ("c.txt", b"Nothing relevant here."),
    )
    results = search(client, acme_agent, "parking", limit=1).json()["results"]
    assert [r["file_name"] for r in results] == ["b.txt"]


def test_a_query_matching_nothing_returns_no_results(api, alice, acme, acme_agent):
    client = api(alice, acme)
    upload_and_index(client, acme, ("a.txt", b"Parking is free."))
    assert search(client, acme_agent, "xylophone").json()["results"] == []


def test_only_the_current_version_of_a_file_is_searched(api, alice, acme, acme_agent):
    client = api(alice, acme)
    upload_and_index(client, acme, ("prices.txt", b"A cleaning costs 80 dollars."))
    upload_and_index(client, acme, ("prices.txt", b"A cleaning costs 95 dollars."))
    results = search(client, acme_agent, "cleaning cost").json()["results"]
    assert [r["text"] for r in results] == ["A cleaning costs 95 dollars."]


def test_pending_files_are_not_searched(api, alice, acme, acme_agent):
    client = api(alice, acme)
    client.post(
        "/api/agents/knowledge-base/upload",
        {"files": [SimpleUploadedFile("a.txt", b"Parking is free.")]},
        format="multipart",
    )
    assert search(client, acme_agent, "parking").json()["results"] == []


def test_embeddings_search_when_the_agent_has_an_embeddings_provider(api, alice, acme):
    with tenant_context(acme):
        agent = AgentFactory(embeddings_provider="hashing")
    client = api(alice, acme)
    upload_and_index(
        client,
        acme,
        ("a.txt", b"Book an appointment by calling the front desk."),
        ("b.txt", b"Our dentists studied in Lyon."),
    )
    results = search(client, agent, "how do I book an appointment").json()["results"]
    assert results[0]["file_name"] == "a.txt"
    with tenant_context(acme):
        assert set(KnowledgeChunk.objects.values_list("embedding_provider", flat=True)) == {"hashing"}
        assert knowledge.search("book", agent=agent)[0]["file_name"] == "a.txt"


def test_searches_are_logged_for_review(api, alice, acme, acme_agent):
    client = api(alice, acme)
    upload_and_index(client, acme, ("a.txt", b"Parking is free."))
    search(client, acme_agent, "Is parking free?")
    [logged] = client.get(f"/api/agents/knowledge-base/queries?agent={acme_agent.id}").json()["results"]
    assert (logged["query"], logged["method"], logged["source"]) == ("Is parking free?", "fulltext", "api")
    assert logged["results"][0]["file_name"] == "a.txt"


def test_empty_query_is_rejected_naming_the_field(api, alice, acme, acme_agent):
    response = search(api(alice, acme), acme_agent, "")
    assert response.status_code == 400
    assert "query" in response.json()["errors"]


def test_search_with_an_unknown_agent_is_404(api, alice, acme):
    assert (
        api(alice, acme).post("/api/agents/999999/knowledge-base/search", {"query": "x"}, format="json").status_code
        == 404
    )


def test_bob_cannot_search_alices_knowledge_base(api, alice, bob, acme, globex, acme_agent):
    upload_and_index(api(alice, acme), acme, ("a.txt", b"Parking is free."))
    assert search(api(bob, acme), acme_agent, "parking").status_code == 403
    assert search(api(bob, globex), acme_agent, "parking").status_code == 404


def test_csv_rows_keep_their_column_names():
    assert extract_text("csv", b"service,price\ncleaning,90\n", LIMITS) == "service: cleaning; price: 90"


def test_json_values_keep_their_paths():
    assert (
        extract_text("json", b'{"hours": {"mon": "8-6"}, "tags": ["kids"]}', LIMITS) == "hours.mon: 8-6\ntags[0]: kids"
    )


def test_xlsx_rows_are_extracted():
    workbook = openpyxl.Workbook()
    workbook.active.title = "Prices"
    workbook.active.append(["Whitening", 250])
    out = io.BytesIO()
    workbook.save(out)
    assert "Whitening | 250" in extract_text("xlsx", out.getvalue(), LIMITS)


def test_a_deleted_file_is_skipped_by_the_indexer(acme):
    with tenant_context(acme):
        assert knowledge.index_file(999999) is None
        assert not KnowledgeFile.objects.exists()
