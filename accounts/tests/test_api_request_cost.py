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
