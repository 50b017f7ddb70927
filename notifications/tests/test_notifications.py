"""Notifications: what the domain events mean for whom, kept for the app per user and tenant, emailed (branded, once)
to those who want it, and the user's choice of channels per kind."""

import pytest
from django.core import mail
from django.db import transaction
from django_tenants.utils import tenant_context

from notifications import services
from notifications.models import Notification, Preference

pytestmark = pytest.mark.django_db

COMPLETED = {"campaign_id": 3, "name": "Spring recall", "status": "completed", "stats": {}}
NEGATIVE = {"call_id": 9, "summary": "Caller was upset about a bill.", "sentiment": "negative", "success": True}


def names(notifications):
    return sorted(n.user.name for n in notifications)


def test_a_finished_campaign_notifies_the_tenants_owners_and_admins(acme, published):
    published(acme, "campaign.completed", COMPLETED)
    notifications = Notification.objects.filter(kind="campaign.completed")
    assert names(notifications) == ["Alice", "Amy"]
    assert {n.tenant_id for n in notifications} == {acme.pk} and "Spring recall" in notifications[0].title


def test_a_call_that_went_badly_notifies_every_member(acme, published):
    published(acme, "call.analyzed", NEGATIVE)
    assert names(Notification.objects.filter(kind="call.follow_up")) == ["Alice", "Amy", "Mike"]


def test_a_call_where_the_caller_left_a_message_needs_a_follow_up():
    assert services.needs_follow_up({"success": True, "extraction": {"message": "Call me back about the crown"}})


def test_a_successful_call_needs_no_follow_up(acme, published):
    published(acme, "call.analyzed", {**NEGATIVE, "sentiment": "positive", "extraction": {"message": ""}})
    assert not Notification.objects.exists()


def test_an_event_nobody_needs_to_hear_of_notifies_nobody(acme, published):
    published(acme, "call.started", {"call_id": 1})
    assert not Notification.objects.exists()


def test_another_tenants_event_never_notifies_acmes_people(globex, published):
    published(globex, "campaign.completed", COMPLETED)
    assert names(Notification.objects.all()) == ["Bob"]


def test_a_rolled_back_change_notifies_nobody(acme):
    from config.events import publish

    with pytest.raises(RuntimeError), tenant_context(acme), transaction.atomic():
        publish("campaign.completed", COMPLETED)
        raise RuntimeError("rolled back")
    assert not Notification.objects.exists()


def test_a_knowledge_file_that_fails_to_index_notifies_the_admins(acme, django_capture_on_commit_callbacks):
    from agents.knowledge.services import _mark_failed
    from agents.models import KnowledgeFile

    with tenant_context(acme):
        knowledge_file = KnowledgeFile.objects.create(name="prices.pdf", kind="pdf", size=4, content=b"%PDF")
        _mark_failed(knowledge_file, "The file is encrypted.")
    [first, second] = Notification.objects.filter(kind="knowledge.file_failed").order_by("user__name")
    assert (first.user.name, second.user.name) == ("Alice", "Amy")
    assert "prices.pdf" in first.title and first.body == "The file is encrypted."


# Email ------------------------------------------------------------------------------------------------


def test_the_email_is_branded_with_the_tenants_product_and_has_a_html_part(acme, published, notification_emails):
    acme.product_name, acme.support_email = "SmileLine", "help@acme.example"
    acme.save(update_fields=["product_name", "support_email"])
    published(acme, "campaign.completed", COMPLETED)
    [to_alice] = [m for m in notification_emails if m.to == ["alice@example.com"]]
    assert to_alice.subject == "SmileLine: Campaign “Spring recall” finished"
    assert "acme.localhost" in to_alice.body and to_alice.reply_to == ["help@acme.example"]
    [(html, mimetype)] = to_alice.alternatives
    assert mimetype == "text/html" and "SmileLine" in html


def test_a_notification_is_emailed_once_however_often_its_task_runs(acme, published, notification_emails):
    published(acme, "campaign.completed", COMPLETED)
    notification = Notification.objects.get(user__name="Alice")
    assert services.send_email(notification.pk) is False
    assert len([m for m in mail.outbox if m.to == ["alice@example.com"]]) == 1


def test_an_email_that_fails_to_send_is_sent_by_the_tasks_retry(acme, published, monkeypatch):
    published(acme, "campaign.completed", COMPLETED)
    notification = Notification.objects.get(user__name="Alice")
    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", lambda self: (_ for _ in ()).throw(OSError))
    with pytest.raises(OSError):
        services.send_email(notification.pk)
    monkeypatch.undo()
    assert services.send_email(notification.pk) is True and len(mail.outbox) == 1


def test_the_email_task_retries_on_mail_server_errors():
    from smtplib import SMTPException

    from notifications.tasks import send_email

    assert {SMTPException, OSError} <= set(send_email.autoretry_for) and send_email.max_retries >= 5


def test_the_email_task_runs_on_the_email_queue():
    from config.celery import app

    assert app.amqp.router.route({}, services.EMAIL_TASK)["queue"].name.endswith("email")


# Preferences ------------------------------------------------------------------------------------------


def test_a_user_who_turned_email_off_for_a_kind_gets_it_in_the_app_only(acme, alice, published, notification_emails):
    Preference.objects.create(user=alice, kind="campaign.completed", in_app=True, email=False)
    published(acme, "campaign.completed", COMPLETED)
    assert Notification.objects.filter(user=alice).exists()
    assert [m.to for m in notification_emails] == [["amy@example.com"]]


def test_a_user_who_turned_a_kind_off_altogether_gets_nothing(acme, alice, published, notification_emails):
    Preference.objects.create(user=alice, kind="campaign.completed", in_app=False, email=False)
    published(acme, "campaign.completed", COMPLETED)
    assert not Notification.objects.filter(user=alice).exists()
