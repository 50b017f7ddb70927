"""Hostile knowledge-base files: refused at upload when what they would expand to shows up front, and
otherwise stopped while extracting (a child process with a memory and time limit), the worker unharmed."""

import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from pypdf import PdfWriter

from agents.knowledge import services as knowledge
from agents.knowledge.limits import file_limits
from agents.models import KnowledgeChunk, KnowledgeFile
from agents.tests.factories import docx_bytes, pdf_bytes
from agents.tests.hostile_files import docx_expanding_to, xlsx_expanding_to, zip_with_entries
from billing.tests.factories import put_on_plan

pytestmark = pytest.mark.django_db

UPLOAD = "/api/agents/knowledge-base/upload"
MB = 1024 * 1024


def upload(client, name, content):
    return client.post(UPLOAD, {"files": [SimpleUploadedFile(name, content)]}, format="multipart")


def refused(response):
    assert (response.status_code, response.json()["error_code"]) == (413, "file_too_large"), response.json()
    [problem] = response.json()["errors"]["files"]
    return problem


def with_limits(settings, **values):
    settings.KNOWLEDGE_FILE_LIMITS = {**settings.KNOWLEDGE_FILE_LIMITS, **values}


def many_pages(count):
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def workbook():
    book = openpyxl.Workbook()
    book.active.append(["Service", "Price"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def stored(tenant):
    with tenant_context(tenant):
        return KnowledgeFile.objects.count()


# At upload --------------------------------------------------------------------------------------


def test_a_docx_expanding_past_the_limit_is_413_naming_the_file_and_the_limit(api, alice, acme, settings):
    with_limits(settings, max_uncompressed_bytes=2 * MB)
    problem = refused(upload(api(alice, acme), "bomb.docx", docx_expanding_to(3 * MB)))
    assert problem.startswith("bomb.docx: Expands to 3.") and problem.endswith("the limit is 2.0 MB.")
    assert stored(acme) == 0


def test_a_docx_of_highly_compressed_text_is_413_naming_the_ratio(api, alice, acme):
    problem = refused(upload(api(alice, acme), "bomb.docx", docx_expanding_to(3 * MB)))
    assert problem.startswith("bomb.docx: word/document.xml is compressed") and "the limit is 100 to 1" in problem


def test_a_zip_of_100k_entries_is_413_before_it_is_listed(api, alice, acme):
    problem = refused(upload(api(alice, acme), "entries.docx", zip_with_entries(100_000)))
    assert problem == "entries.docx: The archive has 100,000 entries; the limit is 2,000."


def test_an_xlsx_bomb_is_413(api, alice, acme):
    problem = refused(upload(api(alice, acme), "prices.xlsx", xlsx_expanding_to(workbook(), 3 * MB)))
    assert problem.startswith("prices.xlsx: xl/worksheets/sheet1.xml is compressed")


def test_a_pdf_with_too_many_pages_is_413_naming_the_count(api, alice, acme):
    problem = refused(upload(api(alice, acme), "pages.pdf", many_pages(501)))
    assert problem == "pages.pdf: The PDF has 501 pages; the limit is 500."


def test_a_text_file_with_too_much_text_is_413(api, alice, acme, settings):
    with_limits(settings, max_text_chars=1000)
    problem = refused(upload(api(alice, acme), "notes.txt", b"word " * 300))
    assert problem == "notes.txt: The file holds more than 1,000 characters of text (the limit)."


def test_json_nested_too_deeply_is_400(api, alice, acme):
    response = upload(api(alice, acme), "deep.json", b"[" * 100_000 + b"]" * 100_000)
    assert response.status_code == 400
    assert response.json()["errors"]["files"] == ["deep.json: The JSON is nested too deeply to read."]


def test_a_plan_may_allow_more(api, alice, acme, settings):
    plan = put_on_plan(acme, max_concurrent_calls=5)
    settings.KNOWLEDGE_FILE_LIMITS_BY_PLAN = {plan.slug: {"max_pdf_pages": 600}}
    assert file_limits(acme).max_pdf_pages == 600
    assert upload(api(alice, acme), "pages.pdf", many_pages(501)).status_code == 201


def test_a_file_within_the_limits_next_to_a_bomb_is_not_stored_either(api, alice, acme):
    response = api(alice, acme).post(
        UPLOAD,
        {
            "files": [
                SimpleUploadedFile("ok.docx", docx_bytes("Open at nine.")),
                SimpleUploadedFile("entries.docx", zip_with_entries(5_000)),
            ]
        },
        format="multipart",
    )
    assert refused(response).startswith("entries.docx:") and stored(acme) == 0


# While indexing ---------------------------------------------------------------------------------


def index(tenant, name, content):
    with tenant_context(tenant):
        [stored_file] = knowledge.store_files([(name, content)])
        return knowledge.index_file(stored_file.pk)


def test_extraction_over_the_memory_limit_fails_the_file_and_the_worker_goes_on(acme, settings):
    # 2M array items: a 4 MB file, well within the upload limits, whose text needs hundreds of MB to build.
    numbers = json.dumps([0] * 2_000_000, separators=(",", ":")).encode()
    with_limits(settings, extraction_memory_bytes=96 * MB)
    failed = index(acme, "numbers.json", numbers)
    assert failed.status == "failed" and "more than 96.0 MB of memory (the limit)" in failed.failure_reason
    assert index(acme, "faq.txt", b"We open at nine.").status == "ready"


def test_extraction_over_the_time_limit_fails_the_file(acme, settings):
    with tenant_context(acme):
        [stored_file] = knowledge.store_files([("hours.pdf", pdf_bytes("Open 8am to 6pm."))])
        with_limits(settings, extraction_seconds=0.001)
        failed = knowledge.index_file(stored_file.pk)
    assert failed.status == "failed" and failed.failure_reason.startswith("Reading the file took longer than 0.001 s")


def test_extracted_text_past_the_limit_fails_the_file_without_chunks(acme, settings):
    with_limits(settings, max_text_chars=50_000)
    failed = index(acme, "long.docx", docx_bytes(*["A sentence of the long document."] * 3000))
    assert failed.status == "failed"
    assert failed.failure_reason == "The file holds more than 50,000 characters of text (the limit)."
    with tenant_context(acme):
        assert not KnowledgeChunk.objects.exists()
