"""What one authenticated API request costs in queries, so that the cost cannot creep back unseen."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def api_key_queries(captured):
    return [query["sql"] for query in captured.captured_queries if '"accounts_apikey"' in query["sql"]]


def test_an_api_key_is_looked_up_once_per_request_on_the_api_host(api, acme, alice, make_api_key):
    _, secret = make_api_key(acme, alice)
    with CaptureQueriesContext(connection) as captured:
        assert api(api_key=secret).get("/api/agents").status_code == 200
    assert len([sql for sql in api_key_queries(captured) if sql.startswith("SELECT")]) == 1


def test_an_api_key_request_on_the_api_host_stays_within_its_queries(
    api, acme, alice, make_api_key, django_assert_max_num_queries
):
    # The schema switches, the key (with its tenant, creator and the creator's membership), the view's own query.
    _, secret = make_api_key(acme, alice)
    client = api(api_key=secret)
    client.get("/api/agents")
    with django_assert_max_num_queries(4):
        assert client.get("/api/agents").status_code == 200


def test_a_logged_in_request_on_the_tenants_host_stays_within_its_queries(
    api, acme, alice, django_assert_max_num_queries
):
    # The schema switch, the user, their membership, the view's own query.
    client = api(alice, acme)
    client.get("/api/agents")
    with django_assert_max_num_queries(4):
        assert client.get("/api/agents").status_code == 200
