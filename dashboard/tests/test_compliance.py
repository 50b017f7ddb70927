"""Compliance: owners and admins search, add, remove and upload Do-Not-Call numbers (an upload is followed as it is
imported) and set the calling hours; members get the 403 page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from compliance.models import ComplianceSettings, DncEntry, DncImport
from compliance.services import add_dnc_entry, run_dnc_import

pytestmark = pytest.mark.django_db


def test_an_admin_adds_a_number_in_any_format_stored_in_e164(browser, amy, acme):
    response = browser(amy, acme).post(
        "/compliance/dnc", {"number": "+1 (415) 555-0150", "reason": "asked"}, follow=True
    )
    assert "+14155550150 is added to the list." in response.content.decode()
    with tenant_context(acme):
        assert DncEntry.objects.get().reason == "asked"


def test_a_number_listed_already_is_said_so(browser, amy, acme):
    client = browser(amy, acme)
    client.post("/compliance/dnc", {"number": "+14155550150"})
    response = client.post("/compliance/dnc", {"number": "+14155550150"}, follow=True)
    assert "+14155550150 is already on the list." in response.content.decode()


def test_a_bad_number_is_named_beside_its_field(browser, amy, acme):
    response = browser(amy, acme).post("/compliance/dnc", {"number": "12"})
    assert response.status_code == 400
    assert 'id="id_number_errors"' in response.content.decode()


def test_the_list_is_searched_by_the_start_of_the_number(browser, amy, acme):
    with tenant_context(acme):
        add_dnc_entry("+14155550150")
        add_dnc_entry("+442071234567")
    page = browser(amy, acme).get("/compliance/dnc?search=%2B44").content.decode()
    assert "+442071234567" in page and "+14155550150" not in page


def test_an_admin_removes_a_number(browser, amy, acme):
    with tenant_context(acme):
        entry, _ = add_dnc_entry("+14155550150")
    browser(amy, acme).post(f"/compliance/dnc/{entry.pk}/remove")
    with tenant_context(acme):
        assert not DncEntry.objects.exists()


def test_a_member_gets_the_403_page(browser, mike, acme):
    assert browser(mike, acme).get("/compliance/dnc").status_code == 403
    assert browser(mike, acme).post("/compliance/dnc", {"number": "+14155550150"}).status_code == 403


def test_another_tenants_entry_cannot_be_removed(browser, bob, acme, globex):
    with tenant_context(acme):
        entry, _ = add_dnc_entry("+14155550150")
    assert browser(bob, globex).post(f"/compliance/dnc/{entry.pk}/remove").status_code == 404
    with tenant_context(acme):
        assert DncEntry.objects.exists()


# Uploads, followed as they are imported --------------------------------------------------------------------------

NUMBERS_CSV = b"number,reason\n+14155550150,asked\nnot a number,\n+14155550150,twice\n"


def upload(client, content=NUMBERS_CSV, name="numbers.csv"):
    return client.post("/compliance/dnc/import", {"file": SimpleUploadedFile(name, content, "text/csv")})


def test_an_upload_is_queued_and_its_page_asks_again_until_it_is_imported(browser, amy, acme):
    client = browser(amy, acme)
    response = upload(client)
    with tenant_context(acme):
        job = DncImport.objects.get()
    assert response["Location"] == f"/compliance/dnc/imports/{job.pk}"
    page = client.get(response["Location"]).content.decode()
    assert 'data-job-status="pending"' in page
    assert f'hx-get="/compliance/dnc/imports/{job.pk}" hx-trigger="every 1s"' in page


def test_an_imported_upload_shows_its_report_and_stops_asking(browser, amy, acme):
    client = browser(amy, acme)
    upload(client)
    with tenant_context(acme):
        job = run_dnc_import(DncImport.objects.get().pk)
    page = client.get(f"/compliance/dnc/imports/{job.pk}").content.decode()
    assert 'data-job-status="done"' in page and "hx-trigger" not in page
    assert 'data-stat="added">1<' in page and 'data-stat="already-listed">1<' in page
    assert '<th scope="row">3</th><td>not a number</td>' in page


def test_an_upload_without_a_file_is_named_beside_the_field(browser, amy, acme):
    response = browser(amy, acme).post("/compliance/dnc/import", {})
    assert response.status_code == 400 and 'id="id_file_errors"><li>Choose a CSV file.' in response.content.decode()


def test_a_member_cannot_upload_numbers(browser, mike, acme):
    assert upload(browser(mike, acme)).status_code == 403


def test_another_tenants_upload_is_not_found(browser, amy, bob, acme, globex):
    upload(browser(amy, acme))
    with tenant_context(acme):
        job = DncImport.objects.get()
    assert browser(bob, globex).get(f"/compliance/dnc/imports/{job.pk}").status_code == 404


# Calling hours -----------------------------------------------------------------------------------------------------

HOURS = {"calling_window_start": "09:00", "calling_window_end": "17:30", "calling_days": ["mon", "tue"]}


def test_the_calling_hours_page_shows_the_saved_window(browser, amy, acme):
    page = browser(amy, acme).get("/compliance/calling-hours").content.decode()
    assert 'name="calling_window_start" type="time" value="' in page and 'id="day-mon" value="mon"' in page


def test_an_admin_saves_the_calling_hours(browser, amy, acme):
    response = browser(amy, acme).post("/compliance/calling-hours", {**HOURS, "opt_out_digit": "7"}, follow=True)
    assert "The calling hours are saved." in response.content.decode()
    with tenant_context(acme):
        saved = ComplianceSettings.objects.get()
    assert (f"{saved.calling_window_start:%H:%M}", f"{saved.calling_window_end:%H:%M}") == ("09:00", "17:30")
    assert (saved.calling_days, saved.opt_out_digit) == (["mon", "tue"], "7")


def test_a_window_that_ends_before_it_starts_is_named_beside_its_field(browser, amy, acme):
    response = browser(amy, acme).post("/compliance/calling-hours", {**HOURS, "calling_window_end": "08:00"})
    assert response.status_code == 400
    assert 'id="id_calling_window_end_errors"><li>Must be after the start' in response.content.decode()


def test_calling_hours_need_a_day(browser, amy, acme):
    response = browser(amy, acme).post("/compliance/calling-hours", {**HOURS, "calling_days": []})
    assert response.status_code == 400 and "This list may not be empty." in response.content.decode()


def test_a_member_cannot_change_the_calling_hours(browser, mike, acme):
    assert browser(mike, acme).post("/compliance/calling-hours", HOURS).status_code == 403
