"""On a call's page, what staff add after the fact through the calls app's services: tags, a rating with a comment,
and share links (made by staff with `calls.manage`, shown once, revocable)."""

import re
from urllib.parse import urlsplit

import pytest
from django_tenants.utils import tenant_context

from calls.models import Call, CallFeedback
from calls.tests.factories import CallFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(acme):
    with tenant_context(acme):
        return CallFactory(tags=["new"])


def tags_of(tenant, call):
    with tenant_context(tenant):
        return Call.objects.get(pk=call.pk).tags


def share_url(response):
    return re.search(r"<code x-ref=\"text\" data-share-url>([^<]+)</code>", response.content.decode()).group(1)


def test_a_member_edits_the_tags_as_a_comma_separated_list(browser, mike, acme, call):
    response = browser(mike, acme).post(f"/calls/{call.pk}/tags", {"tags": "Urgent, follow-up, , urgent"}, follow=True)
    assert "The tags are saved." in response.content.decode()
    assert tags_of(acme, call) == ["follow-up", "urgent"]
    assert 'name="tags" type="text" value="follow-up, urgent"' in response.content.decode()


def test_a_bad_tag_is_named_beside_the_field_and_nothing_changes(browser, mike, acme, call):
    response = browser(mike, acme).post(f"/calls/{call.pk}/tags", {"tags": "call back!"})
    assert response.status_code == 400 and 'id="id_tags_errors"' in response.content.decode()
    assert 'value="call back!"' in response.content.decode()
    assert tags_of(acme, call) == ["new"]


def test_a_member_rates_a_call_with_a_comment(browser, mike, acme, call):
    response = browser(mike, acme).post(f"/calls/{call.pk}/feedback", {"rating": "4", "comment": "Polite, but slow."})
    assert response.status_code == 302
    with tenant_context(acme):
        feedback = CallFeedback.objects.get(call=call)
    assert (feedback.rating, feedback.comment, feedback.author_id) == (4, "Polite, but slow.", mike.pk)
    assert "<strong>4/5</strong> · Polite, but slow." in browser(mike, acme).get(f"/calls/{call.pk}").content.decode()


def test_feedback_needs_a_rating_or_a_comment(browser, mike, acme, call):
    response = browser(mike, acme).post(f"/calls/{call.pk}/feedback", {"rating": "", "comment": ""})
    assert response.status_code == 400
    assert "Give a rating, a comment or a correction." in response.content.decode()
    with tenant_context(acme):
        assert not CallFeedback.objects.exists()


def test_a_rating_beyond_five_is_named_beside_its_field(browser, mike, acme, call):
    response = browser(mike, acme).post(f"/calls/{call.pk}/feedback", {"rating": "9", "comment": "Great"})
    assert response.status_code == 400 and 'id="id_rating_errors"' in response.content.decode()


def test_an_admin_makes_a_share_link_shown_once_that_opens_the_call(browser, amy, acme, call):
    client = browser(amy, acme)
    response = client.post(f"/calls/{call.pk}/share", {"expires_in_hours": "24"})
    assert response.status_code == 201
    url = urlsplit(share_url(response))
    shared = browser(None).get(url.path, HTTP_HOST=url.hostname)
    assert shared.status_code == 200 and shared.json()["id"] == call.pk
    page = client.get(f"/calls/{call.pk}").content.decode()
    assert "data-share-url" not in page and "open until" in page


def test_a_revoked_share_link_opens_nothing(browser, amy, acme, call):
    client = browser(amy, acme)
    url = urlsplit(share_url(client.post(f"/calls/{call.pk}/share", {"expires_in_hours": "24"})))
    with tenant_context(acme):
        link = call.share_links.get()
    response = client.post(f"/calls/{call.pk}/share/{link.pk}/revoke", follow=True)
    assert "The share link is revoked" in response.content.decode()
    assert browser(None).get(url.path, HTTP_HOST=url.hostname).status_code == 404


def test_a_share_link_lasts_at_most_thirty_days(browser, amy, acme, call):
    response = browser(amy, acme).post(f"/calls/{call.pk}/share", {"expires_in_hours": "721"})
    assert response.status_code == 400 and 'id="id_expires_in_hours_errors"' in response.content.decode()


def test_a_member_neither_sees_nor_makes_share_links(browser, mike, acme, call):
    client = browser(mike, acme)
    assert 'id="share-title"' not in client.get(f"/calls/{call.pk}").content.decode()
    assert client.post(f"/calls/{call.pk}/share", {"expires_in_hours": "24"}).status_code == 403


def test_bob_can_neither_tag_nor_rate_nor_share_acmes_call(browser, bob, acme, globex, call):
    for action, data in (("tags", {"tags": "mine"}), ("feedback", {"rating": "1"}), ("share", {})):
        assert browser(bob, acme).post(f"/calls/{call.pk}/{action}", data).status_code == 403
        assert browser(bob, globex).post(f"/calls/{call.pk}/{action}", data).status_code == 404
    assert tags_of(acme, call) == ["new"]
