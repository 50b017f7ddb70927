"""Contacts: the list with search, and a CSV upload whose report names each bad row."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from contacts.models import Contact, ContactImport, ContactList
from contacts.services import create_contact

pytestmark = pytest.mark.django_db

CSV = (
    b"phone,first_name,last_name,email\n"
    b"+14155550101,Ann,Lee,ann@example.com\n"
    b"not a number,Bad,Phone,\n"
    b"+14155550102,Ben,Ng,not-an-email\n"
    b"+14155550101,Ann,Again,\n"
    b"+14155550103,Cy,Ho,\n"
)


def upload(client, content=CSV, **fields):
    return client.post("/contacts/import", {"file": SimpleUploadedFile("leads.csv", content), **fields}, follow=True)


def test_a_member_imports_a_csv_and_reads_the_report_of_bad_rows(browser, mike, acme):
    response = upload(browser(mike, acme), list_name="Spring leads", update_existing="on")
    page = response.content.decode()
    assert re.search(r'data-stat="created">2<', page) and re.search(r'data-stat="rows">5<', page)
    problems = re.findall(r'<tr><th scope="row">(\d+)</th><td>(\w+)</td>', page)
    assert problems == [("3", "phone"), ("4", "email"), ("5", "phone")]
    assert "+14155550101 is already in row 2" in page
    with tenant_context(acme):
        assert sorted(Contact.objects.values_list("first_name", flat=True)) == ["Ann", "Cy"]
        assert ContactList.objects.get(name="Spring leads").memberships.count() == 2


def test_an_upload_without_a_file_names_the_field(browser, mike, acme):
    response = browser(mike, acme).post("/contacts/import", {"list_name": "x"})
    assert response.status_code == 400
    assert 'id="id_file_errors"><li>No file was submitted.' in response.content.decode()


def test_an_empty_file_is_refused_with_the_reason(browser, mike, acme):
    response = browser(mike, acme).post("/contacts/import", {"file": SimpleUploadedFile("e.csv", b"")})
    assert response.status_code == 400
    assert (
        "The submitted file is empty." in response.content.decode() or "The file is empty." in response.content.decode()
    )


def test_an_unknown_country_code_is_named(browser, mike, acme):
    response = upload(browser(mike, acme), default_region="ZZ")
    assert response.status_code == 400
    assert 'id="id_default_region_errors"' in response.content.decode()


def test_the_list_searches_contacts(browser, mike, acme):
    with tenant_context(acme):
        create_contact(phone="+14155550199", first_name="Zoe", last_name="Quinn")
        create_contact(phone="+14155550198", first_name="Max", last_name="Ray")
    page = browser(mike, acme).get("/contacts?q=zoe").content.decode()
    assert "Zoe Quinn" in page and "Max Ray" not in page


def test_another_tenants_import_report_is_not_found(browser, mike, bob, acme, globex):
    upload(browser(mike, acme))
    with tenant_context(acme):
        record = ContactImport.objects.get()
    assert browser(bob, globex).get(f"/contacts/imports/{record.pk}").status_code == 404
