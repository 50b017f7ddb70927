"""Knowledge-base uploads: checked by content, stored as versions, indexed, listed and deleted."""

import base64
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from agents.knowledge import services as knowledge
from agents.knowledge.files import MAX_FILE_BYTES
from agents.models import KnowledgeFile
from agents.tests.factories import pdf_bytes
from config.celery import app, queue_key
from config.redis import get_redis

pytestmark = pytest.mark.django_db

UPLOAD = "/api/agents/knowledge-base/upload"
FILES = "/api/agents/knowledge-base/files"


def upload(client, *files):
    return client.post(
        UPLOAD, {"files": [SimpleUploadedFile(name, content) for name, content in files]}, format="multipart"
    )


def index_all(tenant):
    with tenant_context(tenant):
        for file_id in KnowledgeFile.objects.filter(status="pending").values_list("id", flat=True):
            knowledge.index_file(file_id)


def test_admin_uploads_several_files_and_each_starts_pending(api, amy, acme):
    response = upload(api(amy, acme), ("hours.pdf", pdf_bytes("Open 8am to 6pm.")), ("notes.md", b"# Parking\nFree."))
    assert response.status_code == 201
    assert [(f["name"], f["kind"], f["status"], f["version"]) for f in response.json()] == [
        ("hours.pdf", "pdf", "pending", 1),
        ("notes.md", "md", "pending", 1),
    ]


def test_upload_queues_indexing_in_the_tenant_schema(api, alice, acme, django_capture_on_commit_callbacks):
    redis, queue = get_redis(), queue_key(app.amqp.router.route({}, "agents.index_knowledge_file")["queue"].name)
    redis.delete(queue)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api(alice, acme), ("faq.txt", b"We open at nine."))
    messages = [json.loads(raw) for raw in redis.lrange(queue, 0, -1)]
    redis.delete(queue)
    assert [(m["headers"]["task"], m["headers"]["_schema_name"]) for m in messages] == [
        ("agents.index_knowledge_file", "t_acme")
    ]
    assert json.loads(base64.b64decode(messages[0]["body"]))[0] == [response.json()[0]["id"]]


def test_indexing_a_pdf_makes_it_ready_with_chunks(api, alice, acme):
    upload(api(alice, acme), ("hours.pdf", pdf_bytes("Opening hours: Monday to Friday 8am to 6pm.")))
    index_all(acme)
    [listed] = api(alice, acme).get(FILES).json()["results"]
    assert (listed["status"], listed["chunk_count"], listed["failure_reason"]) == ("ready", 1, "")


def test_a_file_without_extractable_text_fails_with_the_reason(api, alice, acme):
    upload(api(alice, acme), ("scan.pdf", pdf_bytes()))
    index_all(acme)
    [listed] = api(alice, acme).get(FILES).json()["results"]
    assert listed["status"] == "failed"
    assert "No text could be extracted" in listed["failure_reason"]


def test_oversize_file_is_rejected_naming_the_limit(api, alice, acme):
    response = upload(api(alice, acme), ("big.txt", b"a" * (MAX_FILE_BYTES + 1)))
    assert (response.status_code, response.json()["error_code"]) == (413, "file_too_large")
    assert response.json()["errors"] == {"files": ["big.txt: File is 10.0 MB; the limit is 10 MB."]}


def test_binary_disguised_as_a_pdf_is_rejected(api, alice, acme):
    response = upload(api(alice, acme), ("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"))
    assert response.status_code == 400
    assert response.json()["errors"] == {"files": ["invoice.pdf: Content is not a PDF document."]}


def test_binary_disguised_as_text_is_rejected(api, alice, acme):
    response = upload(api(alice, acme), ("notes.txt", b"\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe"))
    assert response.json()["errors"] == {"files": ["notes.txt: Content is not UTF-8 text (binary data?)."]}


def test_zip_disguised_as_a_docx_is_rejected(api, alice, acme):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("readme.txt", "not a document")
    response = upload(api(alice, acme), ("policy.docx", archive.getvalue()))
    assert response.json()["errors"] == {"files": ["policy.docx: Content is not a Word (.docx) document."]}


def test_empty_file_is_rejected(api, alice, acme):
    response = upload(api(alice, acme), ("empty.md", b""))
    assert response.status_code == 400
    assert response.json()["errors"] == {"files": ["empty.md: File is empty."]}


def test_unsupported_extension_is_rejected(api, alice, acme):
    response = upload(api(alice, acme), ("run.exe", b"MZ"))
    assert response.json()["errors"]["files"][0].startswith("run.exe: Unsupported file type '.exe'")


def test_invalid_json_is_rejected_with_its_position(api, alice, acme):
    response = upload(api(alice, acme), ("prices.json", b'{"cleaning": 90,'))
    assert response.json()["errors"]["files"][0].startswith("prices.json: Content is not valid JSON")


def test_one_rejected_file_stores_none_and_reports_each_rejection(api, alice, acme):
    response = upload(api(alice, acme), ("ok.txt", b"fine"), ("empty.txt", b""), ("fake.pdf", b"hello"))
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "files": ["empty.txt: File is empty.", "fake.pdf: Content is not a PDF document."]
    }
    assert api(alice, acme).get(FILES).json()["count"] == 0


def test_upload_without_files_names_the_field(api, alice, acme):
    response = api(alice, acme).post(UPLOAD, {}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"] == {"files": ["No file was sent."]}


def test_reuploading_a_name_keeps_the_earlier_version(api, alice, acme):
    client = api(alice, acme)
    upload(client, ("faq.txt", b"Old answer."))
    upload(client, ("faq.txt", b"New answer."))
    listed = client.get(FILES).json()["results"]
    assert [(f["name"], f["version"], f["is_current"]) for f in listed] == [("faq.txt", 2, True), ("faq.txt", 1, False)]
    assert [f["version"] for f in client.get(FILES + "?current=true").json()["results"]] == [2]


def test_deleting_the_current_version_removes_the_document_and_its_history(api, alice, acme):
    client = api(alice, acme)
    upload(client, ("faq.txt", b"Old answer."))
    current = upload(client, ("faq.txt", b"New answer.")).json()[0]
    assert client.delete(f"/api/agents/knowledge-base/{current['id']}").status_code == 204
    assert client.get(FILES).json()["count"] == 0


def test_deleting_an_earlier_version_keeps_the_current_one(api, alice, acme):
    client = api(alice, acme)
    earlier = upload(client, ("faq.txt", b"Old answer.")).json()[0]
    upload(client, ("faq.txt", b"New answer."))
    assert client.delete(f"/api/agents/knowledge-base/{earlier['id']}").status_code == 204
    assert [f["version"] for f in client.get(FILES).json()["results"]] == [2]


def test_deleting_an_unknown_file_is_404(api, alice, acme):
    assert api(alice, acme).delete("/api/agents/knowledge-base/999999").status_code == 404


def test_member_can_list_but_not_upload_or_delete(api, alice, mike, acme):
    stored = upload(api(alice, acme), ("faq.txt", b"Answer.")).json()[0]
    member = api(mike, acme)
    assert member.get(FILES).json()["count"] == 1
    assert upload(member, ("more.txt", b"More.")).status_code == 403
    assert member.delete(f"/api/agents/knowledge-base/{stored['id']}").status_code == 403


def test_anonymous_cannot_upload(api, acme):
    assert upload(api(tenant=acme), ("faq.txt", b"Answer.")).status_code == 401


def test_bob_cannot_list_alices_files_on_her_host(api, alice, bob, acme):
    upload(api(alice, acme), ("faq.txt", b"Answer."))
    assert api(bob, acme).get(FILES).status_code == 403


def test_bob_sees_none_of_alices_files_in_his_tenant(api, alice, bob, acme, globex):
    upload(api(alice, acme), ("faq.txt", b"Answer."))
    assert api(bob, globex).get(FILES).json()["count"] == 0


def test_bob_cannot_delete_alices_file_by_id(api, alice, bob, acme, globex):
    stored = upload(api(alice, acme), ("faq.txt", b"Answer.")).json()[0]
    assert api(bob, globex).delete(f"/api/agents/knowledge-base/{stored['id']}").status_code == 404
    assert api(alice, acme).get(FILES).json()["count"] == 1
