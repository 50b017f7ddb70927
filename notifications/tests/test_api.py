"""GET /api/notifications, unread count, mark read, and GET/PUT /api/settings/notifications: each user sees and changes
only their own, on the tenant they are on."""

import pytest
from django_tenants.utils import tenant_context

from notifications.models import Notification

pytestmark = pytest.mark.django_db

LIST, COUNT, READ_ALL, PREFERENCES = (
    "/api/notifications",
    "/api/notifications/unread-count",
    "/api/notifications/read-all",
    "/api/settings/notifications",
)


@pytest.fixture
def notify():
    def make(user, tenant, title="Campaign finished", kind="campaign.completed", **fields):
        return Notification.objects.create(
            user=user, tenant=tenant, kind=kind, title=title, event_id=f"evt-{title}-{user.pk}", **fields
        )

    return make


def test_the_user_lists_their_notifications_newest_first(api, alice, acme, notify):
    notify(alice, acme, "first")
    notify(alice, acme, "second")
    response = api(alice, acme).get(LIST)
    assert response.status_code == 200
    assert [n["title"] for n in response.json()["results"]] == ["second", "first"]
    assert set(response.json()["results"][0]) == {
        "id",
        "kind",
        "title",
        "body",
        "link",
        "data",
        "read",
        "read_at",
        "created_at",
    }


def test_the_list_holds_no_other_users_notification(api, alice, amy, acme, notify):
    notify(amy, acme, "for amy")
    assert api(alice, acme).get(LIST).json()["results"] == []


def test_a_notification_about_another_tenant_is_not_listed_on_this_one(api, alice, acme, globex, notify):
    notify(alice, globex, "globex's")  # were Alice ever a member there
    assert api(alice, acme).get(LIST).json()["results"] == []


def test_a_notification_about_the_users_account_shows_on_every_tenant(api, alice, acme, notify):
    notify(alice, None, "New sign-in", kind="account.new_sign_in")
    assert [n["title"] for n in api(alice, acme).get(LIST).json()["results"]] == ["New sign-in"]


def test_unread_only_when_asked(api, alice, acme, notify):
    notify(alice, acme, "unread")
    read = notify(alice, acme, "read")
    api(alice, acme).post(f"{LIST}/{read.pk}/read")
    assert [n["title"] for n in api(alice, acme).get(LIST, {"unread": "true"}).json()["results"]] == ["unread"]


def test_a_bad_unread_filter_is_a_400_naming_it(api, alice, acme):
    response = api(alice, acme).get(LIST, {"unread": "maybe"})
    assert response.status_code == 400 and "unread" in response.json()["errors"]


def test_the_unread_count_counts_the_users_unread_on_this_tenant(api, alice, amy, acme, notify):
    notify(alice, acme, "one")
    notify(alice, acme, "two")
    notify(amy, acme, "amy's")
    assert api(alice, acme).get(COUNT).json() == {"count": 2}


def test_marking_one_read_sets_when(api, alice, acme, notify):
    notification = notify(alice, acme)
    response = api(alice, acme).post(f"{LIST}/{notification.pk}/read")
    assert response.status_code == 200 and response.json()["read"] is True and response.json()["read_at"]
    assert api(alice, acme).get(COUNT).json() == {"count": 0}


def test_marking_another_users_notification_read_is_a_404(api, alice, amy, acme, notify):
    notification = notify(amy, acme)
    assert api(alice, acme).post(f"{LIST}/{notification.pk}/read").status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_marks_only_this_tenants_and_the_users(api, alice, amy, acme, globex, notify):
    notify(alice, acme, "one")
    other_tenant = notify(alice, globex, "globex's")
    amys = notify(amy, acme, "amy's")
    assert api(alice, acme).post(READ_ALL).json() == {"marked": 1}
    other_tenant.refresh_from_db()
    amys.refresh_from_db()
    assert other_tenant.read_at is None and amys.read_at is None


def test_notifications_need_a_login(api, acme):
    assert api(None, acme).get(LIST).status_code == 401


def test_notifications_need_a_member_of_the_tenant(api, charlie, bob, acme):
    assert api(charlie, acme).get(LIST).status_code == 403
    assert api(bob, acme).get(COUNT).status_code == 403


# Preferences ------------------------------------------------------------------------------------------


def test_preferences_list_every_kind_with_its_defaults(api, mike, acme):
    response = api(mike, acme).get(PREFERENCES)
    assert response.status_code == 200
    kinds = {p["kind"]: (p["in_app"], p["email"]) for p in response.json()["preferences"]}
    assert kinds["campaign.completed"] == (True, True) and kinds["call.follow_up"] == (True, False)
    assert len(kinds) == 6


def test_put_changes_the_kinds_it_names_and_keeps_the_rest(api, mike, acme):
    body = {"preferences": [{"kind": "call.follow_up", "in_app": True, "email": True}]}
    response = api(mike, acme).put(PREFERENCES, body, format="json")
    assert response.status_code == 200
    kinds = {p["kind"]: (p["in_app"], p["email"]) for p in response.json()["preferences"]}
    assert kinds["call.follow_up"] == (True, True) and kinds["campaign.completed"] == (True, True)


def test_preferences_are_the_users_own(api, mike, amy, acme):
    api(mike, acme).put(
        PREFERENCES, {"preferences": [{"kind": "call.follow_up", "in_app": False, "email": False}]}, format="json"
    )
    amys = {p["kind"]: p["in_app"] for p in api(amy, acme).get(PREFERENCES).json()["preferences"]}
    assert amys["call.follow_up"] is True


def test_an_unknown_kind_is_a_400_naming_the_field(api, mike, acme):
    body = {"preferences": [{"kind": "lottery.won", "in_app": True, "email": True}]}
    response = api(mike, acme).put(PREFERENCES, body, format="json")
    assert response.status_code == 400 and "preferences.0.kind" in response.json()["errors"]


def test_a_kind_given_twice_is_a_400(api, mike, acme):
    choice = {"kind": "call.follow_up", "in_app": True, "email": True}
    response = api(mike, acme).put(PREFERENCES, {"preferences": [choice, choice]}, format="json")
    assert response.status_code == 400 and "preferences" in response.json()["errors"]


def test_a_missing_channel_is_a_400(api, mike, acme):
    response = api(mike, acme).put(PREFERENCES, {"preferences": [{"kind": "call.follow_up"}]}, format="json")
    assert response.status_code == 400


def test_the_tenants_schema_is_left_alone(acme, alice):
    # Notifications live beside the users, in the public schema: reachable from a tenant's connection too.
    with tenant_context(acme):
        assert Notification.objects.filter(user=alice).count() == 0
