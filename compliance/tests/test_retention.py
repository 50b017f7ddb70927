"""Retention: per tenant, recordings and transcripts of calls older than its period are deleted by an hourly beat task,
and the deletion is audited; a tenant without a period keeps them."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django_tenants.utils import tenant_context

from calls.models import Call
from calls.services import recordings
from calls.tests.factories import CallFactory, CallTurnFactory
from compliance import tasks
from compliance.models import AuditEvent, ComplianceSettings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "recordings": {**settings.STORAGES["recordings"], "OPTIONS": {"location": str(tmp_path / "recordings")}},
    }


def call_made(days_ago: int) -> Call:
    call = CallFactory(status=Call.Status.COMPLETED, transcript="Caller: hello", summary="A greeting.")
    CallTurnFactory(call=call, index=0, speaker="caller", text="hello")
    name = recordings.storage().save(f"call-{call.pk}.mp3", ContentFile(b"ID3"))
    Call.objects.filter(pk=call.pk).update(
        recording_file=name, created_at=timezone.now() - timedelta(days=days_ago, hours=1)
    )
    call.refresh_from_db()
    return call


def keep_for(days):
    ComplianceSettings.objects.update_or_create(singleton=True, defaults={"retention_days": days})


def test_recordings_and_transcripts_past_the_period_are_deleted_and_audited(acme):
    with tenant_context(acme):
        keep_for(30)
        old, recent = call_made(31), call_made(29)
        assert tasks.apply_retention.apply().get()["calls"] == 1
        old.refresh_from_db()
        assert (old.transcript, old.recording_file, old.turns.count()) == ("", "", 0)
        assert not recordings.storage().exists(f"call-{old.pk}.mp3")
        assert old.summary == "A greeting."  # the call itself, and what was concluded from it, stay
        recent.refresh_from_db()
        assert recent.transcript and recent.recording_file and recent.turns.count() == 1
        event = AuditEvent.objects.get(action="retention.purged")
    assert (event.actor_id, event.data["calls"], event.data["retention_days"]) == (None, 1, 30)


def test_without_a_retention_period_everything_is_kept(acme):
    with tenant_context(acme):
        old = call_made(3650)
        tasks.apply_retention.apply()
        old.refresh_from_db()
        assert old.transcript and old.recording_file
        assert not AuditEvent.objects.filter(action="retention.purged").exists()


def test_nothing_to_delete_writes_no_audit_entry(acme):
    with tenant_context(acme):
        keep_for(30)
        call_made(1)
        tasks.apply_retention.apply()
        assert not AuditEvent.objects.filter(action="retention.purged").exists()


def test_each_tenant_keeps_its_own_period(acme, globex):
    with tenant_context(acme):
        keep_for(30)
        acme_call = call_made(60)
    with tenant_context(globex):
        globex_call = call_made(60)
        tasks.apply_retention.apply()
        globex_call.refresh_from_db()
        assert globex_call.transcript
    with tenant_context(acme):
        acme_call.refresh_from_db()
        assert acme_call.transcript  # globex's run touched only globex


def test_beat_runs_retention_for_every_tenant():
    entry = django_settings.CELERY_BEAT_SCHEDULE["compliance-retention"]
    assert entry["task"] == tasks.apply_retention.name and "tenant_schemas" not in entry.get("options", {})
