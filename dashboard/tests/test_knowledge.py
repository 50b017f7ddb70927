"""The knowledge base page: uploads checked by content, each file's indexing followed until it is ready."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from agents.knowledge import services as knowledge
from agents.models import KnowledgeFile

pytestmark = pytest.mark.django_db


def upload(client, *files):
    return client.post("/knowledge", {"files": [SimpleUploadedFile(name, content) for name, content in files]})


def status_of(page, name):
    return re.search(rf"{re.escape(name)}.*?data-status=\"(\w+)\"", page, re.S).group(1)


def test_an_admin_uploads_and_the_page_polls_until_the_file_is_indexed(browser, amy, acme):
    client = browser(amy, acme)
    response = upload(client, ("parking.md", b"# Parking\nFree parking behind the clinic."))
    assert response["Location"] == "/knowledge"
    page = client.get("/knowledge").content.decode()
    assert status_of(page, "parking.md") == "pending" and 'hx-trigger="every 2s"' in page
    with tenant_context(acme):
        knowledge.index_file(KnowledgeFile.objects.get().pk)
    page = client.get("/knowledge").content.decode()
    assert status_of(page, "parking.md") == "ready" and 'hx-trigger="every 2s"' not in page


def test_a_file_that_is_not_what_its_name_says_is_refused_and_nothing_is_stored(browser, amy, acme):
    response = upload(browser(amy, acme), ("notes.md", b"fine"), ("hours.pdf", b"not a pdf"))
    assert response.status_code == 400
    assert 'id="id_files_errors"><li>hours.pdf:' in response.content.decode()
    with tenant_context(acme):
        assert not KnowledgeFile.objects.exists()


def test_an_upload_without_files_is_named(browser, amy, acme):
    response = browser(amy, acme).post("/knowledge", {})
    assert response.status_code == 400 and "No file was sent." in response.content.decode()


def test_a_member_sees_the_files_but_cannot_upload_or_delete(browser, amy, mike, acme):
    upload(browser(amy, acme), ("parking.md", b"Free parking."))
    client = browser(mike, acme)
    page = client.get("/knowledge").content.decode()
    assert "parking.md" in page and 'type="file"' not in page
    assert upload(client, ("x.md", b"x")).status_code == 403
    with tenant_context(acme):
        file_id = KnowledgeFile.objects.get().pk
    assert client.post(f"/knowledge/{file_id}/delete").status_code == 403


def test_an_admin_deletes_a_file(browser, amy, acme):
    client = browser(amy, acme)
    upload(client, ("parking.md", b"Free parking."))
    with tenant_context(acme):
        file_id = KnowledgeFile.objects.get().pk
    client.post(f"/knowledge/{file_id}/delete")
    with tenant_context(acme):
        assert not KnowledgeFile.objects.exists()


def test_another_tenants_file_cannot_be_deleted(browser, amy, bob, acme, globex):
    upload(browser(amy, acme), ("parking.md", b"Free parking."))
    with tenant_context(acme):
        file_id = KnowledgeFile.objects.get().pk
    assert browser(bob, globex).post(f"/knowledge/{file_id}/delete").status_code == 404
