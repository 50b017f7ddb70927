"""The Do-Not-Call list: owners and admins search, add and remove numbers; members get the 403 page."""

import pytest
from django_tenants.utils import tenant_context

from compliance.models import DncEntry
from compliance.services import add_dnc_entry

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
