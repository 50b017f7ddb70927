"""CSV import (service level): normalisation, de-duplication, custom fields and the per-row report."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from config.api.errors import status_of
from config.errors import DomainError
from contacts import services
from contacts.models import Contact, ContactImport
from contacts.tests.factories import ContactFactory, ContactListFactory

pytestmark = pytest.mark.django_db

GOOD_AND_BAD = (
    "Phone,First Name,Last Name,Email,Company,Favorite Color,Plan\n"
    "+1 415 555 0101,Ann,Lee,ann@example.com,Acme,blue,gold\n"  # 2 good, with custom columns
    "not a number,Ben,Ng,ben@example.com,,,\n"  # 3 invalid phone
    "(415) 555-0103,Cy,Oh,cy@example,,,\n"  # 4 bad email
    ",Di,Po,di@example.com,,,\n"  # 5 missing phone
    "4155550101,Ann,Again,,,,\n"  # 6 duplicate of row 2 (national format)
    "415.555.0106,Ed,Wu,,,green,\n"  # 7 good
)


def test_good_rows_are_imported_and_bad_rows_reported_per_row(acme):
    with tenant_context(acme):
        report = services.import_contacts(GOOD_AND_BAD.encode(), default_region="US")

        assert (report["created"], report["updated"], report["duplicates_in_file"]) == (2, 0, 1)
        assert report["total_rows"] == 6
        assert [(e["row"], e["field"]) for e in report["errors"]] == [
            (3, "phone"),
            (4, "email"),
            (5, "phone"),
            (6, "phone"),
        ]
        assert "not a number" in report["errors"][0]["reason"]
        assert "row 2" in report["errors"][3]["reason"]
        ann = Contact.objects.get(phone="+14155550101")
        assert (ann.first_name, ann.last_name, ann.company, ann.source) == ("Ann", "Lee", "Acme", "import")
        assert ann.fields == {"favorite_color": "blue", "plan": "gold"}
        assert ann.variables()["favorite_color"] == "blue"
        assert Contact.objects.get(phone="+14155550106").fields == {"favorite_color": "green"}
        assert ContactImport.objects.get(pk=report["id"]).errors == report["errors"]


def test_existing_contacts_get_non_blank_values_and_merged_fields_and_tags(acme):
    with tenant_context(acme):
        ContactFactory(phone="+14155550101", first_name="Ann", company="Old", fields={"plan": "gold"}, tags=["vip"])
        report = services.import_contacts(
            b'phone,first_name,company,plan,size,tags\n+14155550101,,New,silver,10,"vip,new"\n'
        )
        assert (report["created"], report["updated"]) == (0, 1)
        ann = Contact.objects.get(phone="+14155550101")
        assert (ann.first_name, ann.company) == ("Ann", "New")
        assert ann.fields == {"plan": "silver", "size": "10"}
        assert ann.tags == ["vip", "new"]
        assert ann.source == "manual"


def test_without_update_existing_known_numbers_are_skipped_untouched(acme):
    with tenant_context(acme):
        ContactFactory(phone="+14155550101", company="Old")
        report = services.import_contacts(
            b"phone,company\n+14155550101,New\n+14155550102,Other\n", update_existing=False
        )
        assert (report["created"], report["updated"], report["skipped"]) == (1, 0, 1)
        assert Contact.objects.get(phone="+14155550101").company == "Old"


def test_every_contact_of_the_file_joins_the_list_new_or_existing(acme):
    with tenant_context(acme):
        known = ContactFactory(phone="+14155550101")
        leads = ContactListFactory(name="Leads")
        for update_existing in (True, False):
            services.import_contacts(
                b"phone\n+14155550101\n+14155550102\n", contact_list=leads, update_existing=update_existing
            )
            assert set(leads.contacts.values_list("phone", flat=True)) == {known.phone, "+14155550102"}


def test_name_column_splits_into_first_and_last_name(acme):
    with tenant_context(acme):
        services.import_contacts(b"mobile,name\n+14155550101,Ann Marie Lee\n")
        ann = Contact.objects.get()
        assert (ann.first_name, ann.last_name, ann.name) == ("Ann", "Marie Lee", "Ann Marie Lee")


def test_an_unknown_time_zone_is_reported_and_a_known_one_kept(acme):
    with tenant_context(acme):
        report = services.import_contacts(b"phone,timezone\n+14155550101,Mars/Olympus\n+14155550102,Europe/Paris\n")
        assert [(e["row"], e["field"]) for e in report["errors"]] == [(2, "timezone")]
        assert Contact.objects.get().timezone == "Europe/Paris"


def test_a_semicolon_separated_latin1_file_is_read_and_accented_headers_become_field_names(acme):
    with tenant_context(acme):
        report = services.import_contacts("phone;Prénom;Ville\n+33 1 42 68 53 00;Zoé;Paris\n".encode("latin-1"))
        assert report["created"] == 1
        zoe = Contact.objects.get()
        assert (zoe.phone, zoe.fields) == ("+33142685300", {"prenom": "Zoé", "ville": "Paris"})


def test_separators_inside_quoted_headers_do_not_decide_the_delimiter(acme):
    with tenant_context(acme):
        services.import_contacts(b'phone;"Notes, private";"Source, first"\n+14155550101;x, y;fair\n')
        assert Contact.objects.get().fields == {"notes_private": "x, y", "source_first": "fair"}


def test_utf8_with_bom_and_tabs_is_read(acme):
    with tenant_context(acme):
        services.import_contacts("\ufeffphone\tfirst_name\n+14155550101\tÅsa\n".encode())
        assert Contact.objects.get().first_name == "Åsa"


def test_a_row_with_more_cells_than_the_header_is_reported(acme):
    with tenant_context(acme):
        report = services.import_contacts(b"phone,first_name\n+14155550101,Ann,extra\n+14155550102,Ben\n")
        assert [(e["row"], e["field"]) for e in report["errors"]] == [(2, "row")]
        assert report["created"] == 1


@pytest.mark.parametrize(
    "content, code",
    [
        (b"", "empty_file"),
        (b"phone,name\n", "empty_file"),
        (b"first_name,email\nAnn,ann@example.com\n", "missing_phone_column"),
        (b"phone,Phone\n+14155550101,+14155550102\n", "duplicate_column"),
        (b'phone,name\n+14155550101,"Ann\n', "malformed_csv"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "not_csv"),
    ],
)
def test_a_file_that_is_not_a_usable_table_is_refused_naming_the_file(acme, content, code):
    with tenant_context(acme), pytest.raises(DomainError) as refused:
        services.import_contacts(content)
    assert (refused.value.error_code, list(refused.value.errors)) == (code, ["file"])
    with tenant_context(acme):
        assert not Contact.objects.exists() and not ContactImport.objects.exists()


def test_a_file_over_the_size_limit_is_refused_with_413(acme, monkeypatch):
    monkeypatch.setattr(services, "MAX_IMPORT_BYTES", 100)
    with tenant_context(acme), pytest.raises(DomainError) as refused:
        services.import_contacts(b"phone\n" + b"+14155550101\n" * 20)
    assert (status_of(refused.value), refused.value.error_code) == (413, "file_too_large")


def test_a_file_over_the_row_limit_is_refused(acme, monkeypatch):
    monkeypatch.setattr(services, "MAX_IMPORT_ROWS", 2)
    with tenant_context(acme), pytest.raises(DomainError) as refused:
        services.import_contacts(b"phone\n+14155550101\n+14155550102\n+14155550103\n")
    assert refused.value.error_code == "too_many_rows"


def test_an_unknown_default_region_is_refused_naming_it(acme):
    with tenant_context(acme), pytest.raises(DomainError) as refused:
        services.import_contacts(b"phone\n4155550101\n", default_region="XX")
    assert list(refused.value.errors) == ["default_region"]


def test_ten_thousand_leads_import_in_a_few_set_based_queries(acme):
    lines = ["phone,first_name,plan"] + [f"+1415555{n:04d},Lead{n},p{n % 3}" for n in range(10_000)]
    content = "\n".join(lines).encode()
    with tenant_context(acme):
        leads = ContactListFactory()
        with CaptureQueriesContext(connection) as queries:
            report = services.import_contacts(content, contact_list=leads)
        assert (report["created"], report["errors"]) == (10_000, [])
        assert leads.contacts.count() == 10_000
        assert len(queries) < 25
