"""/api/compliance/dnc: list, search, add, delete, check; owners and admins only; each tenant sees its own list."""

import pytest
from django_tenants.utils import tenant_context

from compliance.models import AuditEvent, DncEntry
from compliance.tests.factories import DncEntryFactory
from tenants.models import Tenant
from tenants.services import create_tenant

pytestmark = pytest.mark.django_db

DNC = "/api/compliance/dnc"
NUMBER = "+14155550123"


def entries_in(tenant):
    with tenant_context(tenant):
        return list(DncEntry.objects.values_list("number", "source"))


def test_an_admin_adds_a_number_in_any_format_stored_in_e164(api, amy, acme):
    response = api(amy, acme).post(DNC, {"number": "+1 (415) 555-0123", "reason": "Asked by e-mail"}, format="json")
    assert response.status_code == 201
    assert response.json() | {"id": None, "created_at": None} == {
        "id": None,
        "number": NUMBER,
        "source": "manual",
        "reason": "Asked by e-mail",
        "call_id": None,
        "created_at": None,
    }
    with tenant_context(acme):
        assert AuditEvent.objects.get(action="dnc.added").actor_label == "amy@example.com"


def test_adding_a_listed_number_again_returns_the_entry_with_200(api, alice, acme):
    first = api(alice, acme).post(DNC, {"number": NUMBER}, format="json")
    second = api(alice, acme).post(DNC, {"number": NUMBER}, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]


def test_a_number_added_with_an_api_key_is_marked_api(api, alice, acme, make_api_key):
    _, secret = make_api_key(acme, alice)
    assert api(tenant=acme, api_key=secret).post(DNC, {"number": NUMBER}, format="json").status_code == 201
    assert entries_in(acme) == [(NUMBER, "api")]


@pytest.mark.parametrize("bad", ["555", "+1234", "call me", ""])
def test_an_invalid_number_is_400_naming_the_field(api, alice, acme, bad):
    response = api(alice, acme).post(DNC, {"number": bad}, format="json")
    assert response.status_code == 400
    assert response.json()["error_code"] == "validation_error" and "number" in response.json()["errors"]
    assert entries_in(acme) == []


def test_the_list_is_paginated_newest_first(api, alice, acme):
    with tenant_context(acme):
        for n in range(3):
            DncEntryFactory(number=f"+1212555010{n}")
    body = api(alice, acme).get(DNC, {"per_page": 2}).json()
    assert body["count"] == 3 and body["next"]
    assert [e["number"] for e in body["results"]] == ["+12125550102", "+12125550101"]


def test_search_matches_the_start_of_the_number_however_typed(api, alice, acme):
    with tenant_context(acme):
        DncEntryFactory(number="+12125550101")
        DncEntryFactory(number=NUMBER)
    for search in ("1415", "+1 415", "(1) 415-555"):
        results = api(alice, acme).get(DNC, {"search": search}).json()["results"]
        assert [e["number"] for e in results] == [NUMBER]


def test_deleting_an_entry_unblocks_the_number_and_is_audited(api, alice, acme):
    with tenant_context(acme):
        entry = DncEntryFactory(number=NUMBER, source="opt_out_spoken", reason="Said stop")
    assert api(alice, acme).delete(f"{DNC}/{entry.pk}").status_code == 204
    assert entries_in(acme) == []
    with tenant_context(acme):
        event = AuditEvent.objects.get(action="dnc.removed")
    assert (event.target, event.actor_id, event.actor_label) == (NUMBER, alice.pk, "alice@example.com")
    assert event.data == {"source": "opt_out_spoken", "reason": "Said stop"}


def test_an_unknown_entry_is_404(api, alice, acme):
    assert api(alice, acme).delete(f"{DNC}/999999").status_code == 404
    assert api(alice, acme).get(f"{DNC}/999999").json()["error_code"] == "not_found"


def test_members_cannot_see_or_change_the_list(api, mike, acme):
    client = api(mike, acme)
    responses = [
        client.get(DNC),
        client.post(DNC, {"number": NUMBER}, format="json"),
        client.get(f"{DNC}/check", {"number": NUMBER}),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403]
    assert {r.json()["error_code"] for r in responses} == {"role_forbidden"}
    assert entries_in(acme) == []


def test_anonymous_is_401(api, acme):
    assert api(tenant=acme).get(DNC).status_code == 401


def test_a_read_only_api_key_cannot_add(api, alice, acme, make_api_key):
    _, secret = make_api_key(acme, alice, scopes=("read",))
    response = api(tenant=acme, api_key=secret).post(DNC, {"number": NUMBER}, format="json")
    assert (response.status_code, response.json()["error_code"]) == (403, "missing_scope")


def test_another_tenants_list_is_invisible(api, alice, bob, acme, globex):
    with tenant_context(globex):
        theirs = DncEntryFactory(number=NUMBER)
    assert api(alice, acme).get(DNC).json()["results"] == []
    assert api(alice, acme).delete(f"{DNC}/{theirs.pk}").status_code == 404
    assert api(alice, globex).get(DNC).status_code == 403  # not a member there
    assert api(bob, globex).get(DNC).json()["count"] == 1


def test_check_reports_the_list_and_the_calling_hours(api, alice, acme):
    with tenant_context(acme):
        DncEntryFactory(number=NUMBER)
    body = api(alice, acme).get(f"{DNC}/check", {"number": "+1 415 555 0123"}).json()
    assert (body["number"], body["blocked"], body["lists"], body["timezones"]) == (
        NUMBER,
        True,
        ["own"],
        ["America/Los_Angeles"],
    )
    assert body["next_allowed_at"] and isinstance(body["calling_hours_now"], bool)


def test_check_of_a_free_number_in_the_contacts_zone(api, alice, acme):
    body = api(alice, acme).get(f"{DNC}/check", {"number": NUMBER, "timezone": "Europe/Paris"}).json()
    assert (body["blocked"], body["lists"], body["timezones"]) == (False, [], ["Europe/Paris"])


@pytest.mark.parametrize(
    "query, field",
    [({"number": "555"}, "number"), ({}, "number"), ({"number": NUMBER, "timezone": "Mars/Olympus"}, "timezone")],
)
def test_check_with_bad_input_is_400_naming_the_field(api, alice, acme, query, field):
    response = api(alice, acme).get(f"{DNC}/check", query)
    assert response.status_code == 400 and field in response.json()["errors"]


def test_an_agency_manages_the_agency_wide_list_on_its_own_host_and_it_blocks_clients(api, alice):
    agency = create_tenant(name="Voice Agency", slug="voice-agency", kind=Tenant.Kind.AGENCY, owner=alice)
    client = create_tenant(
        name="Smile Dental", slug="smile-dental", kind=Tenant.Kind.CLIENT, parent=agency, owner=alice
    )
    assert api(alice, agency).post(DNC, {"number": NUMBER}, format="json").status_code == 201
    check = api(alice, client).get(f"{DNC}/check", {"number": NUMBER}).json()
    assert (check["blocked"], check["lists"]) == (True, ["agency"])
    assert api(alice, client).get(DNC).json()["count"] == 0  # the client's own list stays its own
