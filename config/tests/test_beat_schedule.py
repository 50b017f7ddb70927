"""Every beat entry is one the tenant-aware scheduler can load (a bad key stops beat at start-up)."""

from celery.beat import ScheduleEntry
from django.conf import settings
from tenant_schemas_celery.scheduler import TenantAwareScheduler

from config.celery import app


def test_every_beat_entry_loads_and_names_a_registered_task():
    app.loader.import_default_modules()  # what a worker does at start-up: find every app's tasks
    entries = TenantAwareScheduler._tenant_aware_beat_schedule_to_dict(None, settings.CELERY_BEAT_SCHEDULE)
    assert entries
    for name, fields in entries.items():
        entry = ScheduleEntry(name=name, app=app, **fields)
        assert entry.task in app.tasks, entry.task
