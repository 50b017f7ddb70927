"""POST /api/contacts/import: the acceptance test (good rows imported, bad rows reported per row) and bad uploads."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from contacts import services
from contacts.models import Contact, ContactList
from contacts.tests.factories import ContactListFactory

pytestmark = pytest.mark.django_db

IMPORT = "/api/contacts/import"
IMPORTS = "/api/contacts/imports"

LEADS = (
    "phone,first_name,last_name,email,favorite_color,budget\n"
    "+14155550101,Ann,Lee,ann@example.com,blue,5000\n"  # 2 good, custom columns
    "12345,Ben,Ng,ben@example.com,,\n"  # 3 invalid phone
    "+14155550103,Cy,Oh,cy@@example.com,,\n"  # 4 bad email
    ",Di,Po,di@example.com,,\n"  # 5 missing phone
    "+1 (415) 555-0101,Ann,Dup,,,\n"  # 6 duplicate of row 2
    "+442079460958,Ed,Wu,ed@example.co.uk,green,\n"  # 7 good
)


def upload(client, content: bytes, name="leads.csv", **form):
    return client.post(
        IMPORT, {"file": SimpleUploadedFile(name, content, content_type="text/csv"), **form}, format="multipart"
    )


def test_csv_import_imports_good_rows_and_reports_bad_ones_per_row(api, alice, acme):
    response = upload(api(alice, acme), LEADS.encode(), list_name="Spring leads")

    assert response.status_code == 201, response.json()
    report = response.json()
    assert (report["created"], report["updated"], report["duplicates_in_file"], report["total_rows"]) == (2, 0, 1, 6)
    assert [(e["row"], e["field"]) for e in report["errors"]] == [
        (3, "phone"),
        (4, "email"),
        (5, "phone"),
        (6, "phone"),
    ]
    assert all(e["reason"] for e in report["errors"])
    with tenant_context(acme):
        assert set(Contact.objects.values_list("phone", flat=True)) == {"+14155550101", "+442079460958"}
        ann = Contact.objects.get(phone="+14155550101")
        assert ann.variables()["favorite_color"] == "blue" and ann.variables()["budget"] == "5000"
        spring = ContactList.objects.get(name="Spring leads")
        assert spring.contacts.count() == 2 and report["contact_list"] == spring.pk


def test_the_report_can_be_fetched_again(api, alice, acme):
    client = api(alice, acme)
    report = upload(client, LEADS.encode(), name="spring.csv").json()
    again = client.get(f"{IMPORTS}/{report['id']}").json()
    assert again == report and again["file_name"] == "spring.csv"
    assert [item["id"] for item in client.get(IMPORTS).json()["results"]] == [report["id"]]


def test_import_into_an_existing_list_by_id(api, alice, acme):
    with tenant_context(acme):
        leads = ContactListFactory()
    upload(api(alice, acme), b"phone\n+14155550101\n", list=leads.pk)
    with tenant_context(acme):
        assert leads.contacts.count() == 1


def test_national_numbers_are_read_in_the_default_region(api, alice, acme):
    report = upload(api(alice, acme), b"phone\n020 7946 0958\n", default_region="GB").json()
    assert report["created"] == 1
    with tenant_context(acme):
        assert Contact.objects.get().phone == "+442079460958"


def test_without_update_existing_known_contacts_are_skipped(api, alice, acme):
    client = api(alice, acme)
    upload(client, b"phone,company\n+14155550101,Old\n")
    report = upload(client, b"phone,company\n+14155550101,New\n", update_existing="false").json()
    assert (report["created"], report["updated"], report["skipped"]) == (0, 0, 1)


@pytest.mark.parametrize(
    "form, field",
    [
        ({}, "file"),
        ({"file": "phone\n+14155550101\n"}, "file"),
        ({"list": 999999}, "list"),
        ({"default_region": "USA"}, "default_region"),
    ],
)
def test_bad_import_requests_are_400_naming_the_field(api, alice, acme, form, field):
    if field != "file":
        form = {"file": SimpleUploadedFile("a.csv", b"phone\n+14155550101\n"), **form}
    response = api(alice, acme).post(IMPORT, form, format="multipart")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_list_and_a_list_name_together_are_400(api, alice, acme):
    with tenant_context(acme):
        leads = ContactListFactory()
    response = upload(api(alice, acme), b"phone\n+14155550101\n", list=leads.pk, list_name="Other")
    assert response.status_code == 400 and "list_name" in response.json()["errors"]


@pytest.mark.parametrize(
    "content, code",
    [
        (b"", "validation_error"),
        (b"phone\n\n", "empty_file"),
        (b"first_name\nAnn\n", "missing_phone_column"),
        (b'phone,first_name\n+14155550101,"Ann\n', "malformed_csv"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x00", "not_csv"),
    ],
)
def test_an_unusable_file_is_400_naming_file(api, alice, acme, content, code):
    response = upload(api(alice, acme), content)
    assert (response.status_code, response.json()["error_code"]) == (400, code)
    assert "file" in response.json()["errors"]


def test_an_oversized_file_is_413(api, alice, acme, monkeypatch):
    monkeypatch.setattr(services, "MAX_IMPORT_BYTES", 1024)
    response = upload(api(alice, acme), b"phone\n" + b"+14155550101\n" * 100)
    assert (response.status_code, response.json()["error_code"]) == (413, "file_too_large")


def test_a_json_body_is_415(api, alice, acme):
    response = api(alice, acme).post(IMPORT, {"file": "phone"}, format="json")
    assert response.status_code == 415


def test_imports_need_a_member_of_the_tenant_and_stay_in_it(api, alice, bob, charlie, acme, globex):
    assert upload(api(charlie, acme), b"phone\n+14155550101\n").status_code == 403
    report = upload(api(alice, acme), b"phone\n+14155550101\n").json()
    assert api(bob, globex).get(f"{IMPORTS}/{report['id']}").status_code == 404
    assert api(bob, globex).get(IMPORTS).json()["count"] == 0


def test_a_read_only_api_key_cannot_import(api, make_api_key, alice, acme):
    _, secret = make_api_key(acme, alice, scopes=["read"])
    response = upload(api(api_key=secret, tenant=acme), b"phone\n+14155550101\n")
    assert (response.status_code, response.json()["error_code"]) == (403, "missing_scope")


@pytest.mark.parametrize(
    ("content", "error_code"),
    [
        (b'phone\n"' + b"x" * 200_000 + b'"\n', "malformed_csv"),
        (b"phone,name\n+14155550101,A\x00nn\n", "not_csv"),
        (b"phone\n+14155550101" + b"," * 1_000_000 + b"\n", "too_many_columns"),
    ],
    ids=["huge-field", "nul-byte", "million-columns"],
)
def test_a_hostile_csv_is_400_naming_the_file(api, alice, acme, content, error_code):
    response = upload(api(alice, acme), content)
    assert (response.status_code, response.json()["error_code"]) == (400, error_code)
    assert "file" in response.json()["errors"]
