"""The audit log: every sensitive change writes an entry in the same transaction (who, through which API key, from
which IP and user agent, under which request id, did what to what), and owners and admins read it through
`GET /api/compliance/audit-logs`, filtered, or as CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Membership
from compliance.models import AuditEvent
from compliance.services import add_dnc_entry, record_audit_event
from contacts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

LOGS = "/api/compliance/audit-logs"
NUMBER = "+14155550123"


def entries(tenant, action=None):
    with tenant_context(tenant):
        found = AuditEvent.objects.order_by("id")
        return list(found.filter(action=action) if action else found)


def log_in(api, email, password, **headers):
    return api(headers=headers).post("/api/auth/login", {"email": email, "password": password}, format="json")


# What is audited ------------------------------------------------------------------------------


def test_a_login_is_audited_with_its_ip_user_agent_and_request_id(api, alice, acme, password):
    response = log_in(api, "alice@example.com", password, user_agent="Firefox/140", x_request_id="req-login-0001")
    assert response.status_code == 200
    [entry] = entries(acme, "auth.login")
    assert (entry.actor_id, entry.actor_label, entry.target) == (alice.pk, "alice@example.com", f"user:{alice.pk}")
    assert (entry.ip, entry.user_agent, entry.request_id) == ("127.0.0.1", "Firefox/140", "req-login-0001")


def test_the_client_ip_behind_a_trusted_proxy_is_recorded(api, alice, acme, password, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    log_in(api, "alice@example.com", password, x_forwarded_for="203.0.113.9")
    assert entries(acme, "auth.login")[0].ip == "203.0.113.9"


def test_a_failed_login_is_audited_in_the_accounts_tenants_without_an_actor(api, alice, acme):
    assert log_in(api, "alice@example.com", "wrong password").status_code == 401
    [entry] = entries(acme, "auth.login_failed")
    assert (entry.actor_id, entry.target, entry.data) == (None, f"user:{alice.pk}", {"email": "alice@example.com"})


def test_a_failed_login_for_an_unknown_address_is_audited_nowhere(api, acme):
    assert log_in(api, "nobody@example.com", "wrong password").status_code == 401
    assert entries(acme) == []


def test_refreshing_and_logging_out_are_audited(api, alice, acme, password):
    tokens = log_in(api, "alice@example.com", password).json()["tokens"]
    refreshed = api().post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 200
    assert api().post("/api/auth/logout", {"refresh": refreshed.json()["refresh"]}, format="json").status_code == 204
    assert [entry.action for entry in entries(acme)] == ["auth.login", "auth.token_refreshed", "auth.logout"]


def test_a_refused_refresh_writes_nothing(api, acme):
    assert api().post("/api/auth/refresh", {"refresh": "not-a-token"}, format="json").status_code == 401
    assert entries(acme) == []


def test_a_role_change_is_audited_with_before_and_after(api, alice, mike, acme):
    assert (
        api(alice, acme).put(f"/api/team/members/{mike.pk}/role", {"role": "admin"}, format="json").status_code == 200
    )
    [entry] = entries(acme, "team.role_changed")
    assert (entry.actor_label, entry.target) == ("alice@example.com", f"user:{mike.pk}")
    assert entry.data == {"email": "mike@example.com", "from": "member", "to": "admin"}


def test_a_refused_role_change_writes_nothing(api, mike, alice, acme):
    assert (
        api(mike, acme).put(f"/api/team/members/{alice.pk}/role", {"role": "member"}, format="json").status_code == 403
    )
    assert entries(acme, "team.role_changed") == []


def test_removing_a_member_is_audited(api, alice, mike, acme):
    assert api(alice, acme).delete(f"/api/team/members/{mike.pk}").status_code == 204
    [entry] = entries(acme, "team.member_removed")
    assert entry.data["email"] == "mike@example.com" and not Membership.objects.filter(user=mike, tenant=acme)


def test_invitations_sent_and_revoked_are_audited(api, amy, acme):
    invited = api(amy, acme).post("/api/team/invite", {"email": "new@example.com", "role": "member"}, format="json")
    assert invited.status_code == 201
    assert api(amy, acme).delete(f"/api/team/invitations/{invited.json()['id']}").status_code == 204
    sent, revoked = entries(acme)
    assert (sent.action, sent.data) == ("team.invited", {"email": "new@example.com", "role": "member"})
    assert (revoked.action, revoked.target) == ("team.invitation_revoked", f"invitation:{invited.json()['id']}")


def test_api_keys_created_used_and_revoked_are_audited_and_the_keys_actions_name_it(api, alice, acme):
    created = api(alice, acme).post(
        "/api/settings/api-keys", {"name": "CRM", "scopes": ["read", "write"]}, format="json"
    )
    key_id, secret = created.json()["id"], created.json()["key"]
    assert api(api_key=secret).post("/api/compliance/dnc", {"number": NUMBER}, format="json").status_code == 201
    assert api(alice, acme).delete(f"/api/settings/api-keys/{key_id}").status_code == 204
    made, used, listed, revoked = entries(acme)
    assert (made.action, made.data["scopes"], made.target) == (
        "api_key.created",
        ["read", "write"],
        f"api_key:{key_id}",
    )
    assert (used.action, used.actor_id, used.api_key_id) == ("api_key.used", alice.pk, key_id)
    assert (listed.action, listed.actor_label, listed.api_key_id) == ("dnc.added", "alice@example.com", key_id)
    assert listed.api_key_label.startswith("API key vk_") and listed.api_key_label.endswith("(CRM)")
    assert (revoked.action, revoked.actor_label, revoked.api_key_id) == ("api_key.revoked", "alice@example.com", None)


def test_dnc_changes_are_audited(api, amy, acme):
    added = api(amy, acme).post("/api/compliance/dnc", {"number": NUMBER, "reason": "Asked"}, format="json")
    assert api(amy, acme).delete(f"/api/compliance/dnc/{added.json()['id']}").status_code == 204
    assert [(entry.action, entry.target) for entry in entries(acme)] == [("dnc.added", NUMBER), ("dnc.removed", NUMBER)]


def test_deleting_a_contact_is_audited(api, mike, acme):
    with tenant_context(acme):
        contact = ContactFactory()
    assert api(mike, acme).delete(f"/api/contacts/{contact.pk}").status_code == 204
    [entry] = entries(acme, "contact.deleted")
    assert (entry.actor_label, entry.target) == ("mike@example.com", f"contact:{contact.pk}")


def test_viewing_a_contact_is_audited(api, mike, acme):
    with tenant_context(acme):
        contact = ContactFactory()
    assert api(mike, acme).get(f"/api/contacts/{contact.pk}").status_code == 200
    [entry] = entries(acme, "contact.viewed")
    assert (entry.actor_id, entry.target) == (mike.pk, f"contact:{contact.pk}")


def test_viewing_a_call_and_its_transcript_is_audited(api, mike, acme):
    from calls.tests.factories import CallFactory

    with tenant_context(acme):
        call = CallFactory(transcript="Caller: hello")
    assert api(mike, acme).get(f"/api/calls/{call.pk}").status_code == 200
    [entry] = entries(acme, "call.viewed")
    assert (entry.actor_id, entry.target) == (mike.pk, f"call:{call.pk}")


def test_exporting_calls_is_audited(api, mike, acme):
    response = api(mike, acme).get("/api/analytics/export?format=csv")
    assert response.status_code == 200 and b"".join(response.streaming_content)
    [entry] = entries(acme, "calls.exported")
    assert (entry.actor_label, entry.data["format"]) == ("mike@example.com", "csv")


def test_an_audit_entry_rolls_back_with_its_change(acme):
    with tenant_context(acme), pytest.raises(RuntimeError):
        from django.db import transaction

        with transaction.atomic():
            add_dnc_entry(NUMBER)
            raise RuntimeError("the change failed after its entry was written")
    assert entries(acme) == []


# Reading it -----------------------------------------------------------------------------------


@pytest.fixture
def history(acme, alice, amy):
    with tenant_context(acme):
        record_audit_event(action="dnc.added", actor=alice, target=NUMBER)
        record_audit_event(action="dnc.removed", actor=amy, target=NUMBER)
        record_audit_event(action="team.invited", actor=amy, target="invitation:1")


@pytest.mark.parametrize("persona", ["alice", "amy"])
def test_owners_and_admins_read_the_log_newest_first(api, persona, request, acme, history):
    response = api(request.getfixturevalue(persona), acme).get(LOGS)
    assert response.status_code == 200
    assert [entry["action"] for entry in response.json()["results"]] == ["team.invited", "dnc.removed", "dnc.added"]


def test_members_cannot_read_the_log(api, mike, acme, history):
    assert api(mike, acme).get(LOGS).status_code == 403


def test_another_tenants_owner_sees_none_of_it(api, bob, globex, history):
    assert api(bob, globex).get(LOGS).json()["results"] == []


@pytest.mark.parametrize(
    "query, expected",
    [
        ("actor=amy@example.com", ["team.invited", "dnc.removed"]),
        ("action=dnc.", ["dnc.removed", "dnc.added"]),
        ("action=dnc.added", ["dnc.added"]),
        (f"target=%2B{NUMBER[1:]}", ["dnc.removed", "dnc.added"]),
    ],
)
def test_the_log_filters_by_actor_action_and_target(api, alice, acme, history, query, expected):
    assert [entry["action"] for entry in api(alice, acme).get(f"{LOGS}?{query}").json()["results"]] == expected


def test_the_log_filters_by_actor_id(api, alice, acme, history):
    results = api(alice, acme).get(f"{LOGS}?actor={alice.pk}").json()["results"]
    assert [entry["action"] for entry in results] == ["dnc.added"]


def test_the_log_filters_by_date_range(api, alice, acme, history):
    now = timezone.now()
    after = (now + timedelta(minutes=1)).isoformat()
    before = (now - timedelta(minutes=1)).isoformat()
    assert api(alice, acme).get(LOGS, {"since": after}).json()["results"] == []
    assert len(api(alice, acme).get(LOGS, {"since": before, "until": after}).json()["results"]) == 3


@pytest.mark.parametrize(
    "query, field", [("since=yesterday", "since"), ("since=2026-12-02T00:00Z&until=2026-12-01T00:00Z", "until")]
)
def test_bad_filters_are_400_naming_the_field(api, alice, acme, query, field):
    response = api(alice, acme).get(f"{LOGS}?{query}")
    assert response.status_code == 400 and field in response.json()["errors"]


def test_the_log_exports_as_csv_and_the_export_is_audited(api, alice, acme, history):
    response = api(alice, acme).get(f"{LOGS}?format=csv&action=dnc.")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(row["action"], row["actor_label"], row["target"]) for row in rows] == [
        ("dnc.removed", "amy@example.com", NUMBER),
        ("dnc.added", "alice@example.com", NUMBER),
    ]
    [export] = entries(acme, "audit_log.exported")
    assert (export.actor_label, export.data) == ("alice@example.com", {"action": "dnc."})
