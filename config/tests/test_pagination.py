"""Page-number pagination of every list: a first page with room to spare is counted from its own rows; any other
page is counted by the database."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from contacts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

CONTACTS = "/api/contacts"


def counts(queries) -> int:
    return sum("COUNT(" in query["sql"].upper() for query in queries)


def test_a_first_page_with_room_to_spare_is_counted_without_a_count_query(api, alice, acme):
    with tenant_context(acme):
        ContactFactory.create_batch(3)
    client = api(alice, acme)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(CONTACTS, {"per_page": 5}).json()
    assert (body["count"], len(body["results"]), body["next"]) == (3, 3, None)
    assert counts(queries) == 0


def test_an_empty_list_is_one_page_of_nothing(api, alice, acme):
    body = api(alice, acme).get(CONTACTS).json()
    assert (body["count"], body["results"], body["next"], body["previous"]) == (0, [], None, None)


def test_a_full_first_page_is_counted_by_the_database_and_links_the_next(api, alice, acme):
    with tenant_context(acme):
        ContactFactory.create_batch(3)
    client = api(alice, acme)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(CONTACTS, {"per_page": 2}).json()
    assert (body["count"], len(body["results"])) == (3, 2) and body["next"].endswith("page=2&per_page=2")
    assert counts(queries) == 1


def test_a_first_page_exactly_full_has_no_next_page(api, alice, acme):
    with tenant_context(acme):
        ContactFactory.create_batch(2)
    body = api(alice, acme).get(CONTACTS, {"per_page": 2}).json()
    assert (body["count"], len(body["results"]), body["next"]) == (2, 2, None)


@pytest.mark.parametrize("page", ["2", "last"])
def test_later_pages_are_counted_by_the_database(api, alice, acme, page):
    with tenant_context(acme):
        ContactFactory.create_batch(3)
    body = api(alice, acme).get(CONTACTS, {"per_page": 2, "page": page}).json()
    assert (body["count"], len(body["results"]), body["next"]) == (3, 1, None) and body["previous"]


@pytest.mark.parametrize("page", ["3", "0", "x", "99999999999999999999999"])
def test_a_page_beyond_the_list_or_not_a_page_is_404(api, alice, acme, page):
    with tenant_context(acme):
        ContactFactory.create_batch(3)
    response = api(alice, acme).get(CONTACTS, {"per_page": 2, "page": page})
    assert response.status_code == 404 and response.json()["error_code"] == "not_found"
