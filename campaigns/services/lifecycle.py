"""A campaign's life: draft → scheduled → running ⇄ paused → completed / cancelled.

Starting a campaign scrubs its list against the DNC lists and enqueues one attempt per contact in one
INSERT … SELECT; the dispatcher (services/dispatch.py) dials them.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from billing import quotas
from campaigns.models import Attempt, Campaign
from campaigns.selectors import campaign_stats
from compliance.services import blocked_numbers, record_audit_event
from config.errors import Conflict, DomainError
from config.events import publish
from config.weekly_hours import WEEKDAYS
from contacts.models import Contact, ContactListMembership

S = Campaign.Status

# action → (statuses it may leave from, status it leads to)
TRANSITIONS = {
    "schedule": ({S.DRAFT}, S.SCHEDULED),
    "start": ({S.DRAFT, S.SCHEDULED}, S.RUNNING),
    "pause": ({S.RUNNING}, S.PAUSED),
    "resume": ({S.PAUSED}, S.RUNNING),
    "cancel": ({S.DRAFT, S.SCHEDULED, S.RUNNING, S.PAUSED}, S.CANCELLED),
}
TRANSITION_EVENTS = {
    "schedule": "campaign.scheduled",
    "start": "campaign.started",
    "pause": "campaign.paused",
    "resume": "campaign.resumed",
    "cancel": "campaign.cancelled",
}


def create_campaign(**fields) -> Campaign:
    quotas.check_feature(connection.tenant, "campaigns")
    return Campaign.objects.create(**fields)


def update_campaign(campaign: Campaign, **fields) -> Campaign:
    with transaction.atomic():
        locked = _locked(campaign)
        _require_draft(locked)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
    return locked


def delete_campaign(campaign: Campaign, *, actor=None) -> None:
    with transaction.atomic():
        locked = _locked(campaign)
        _require_draft(locked)
        campaign_id, name = locked.pk, locked.name
        locked.delete()
        record_audit_event(
            action="campaign.deleted", actor=actor, target=f"campaign:{campaign_id}", data={"name": name}
        )


def transition(campaign: Campaign, action: str, *, now: datetime | None = None, starts_at=None) -> Campaign:
    """Moves the campaign by `action` (a key of TRANSITIONS); 409 `illegal_transition` from a status it cannot leave."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(campaign)
        sources, target = TRANSITIONS[action]
        if locked.status not in sources:
            raise Conflict(
                f"A {locked.status} campaign cannot {action}.",
                error_code="illegal_transition",
                errors={"status": [f"Is {locked.status}; '{action}' needs {' or '.join(sorted(sources))}."]},
            )
        if action in ("schedule", "start") and locked.contact_list_id is None:
            raise DomainError(
                "Choose a contact list first.",
                error_code="contact_list_required",
                errors={"contact_list": ["Required to schedule or start a campaign."]},
            )
        if action in ("schedule", "start", "resume") and locked.kind == Campaign.Kind.CAMPAIGN:
            # Campaigns and bulk calls all start here: the plan allows them, their size, and calling out.
            contacts = ContactListMembership.objects.filter(contact_list_id=locked.contact_list_id).count()
            quotas.check_campaign(connection.tenant, contacts=contacts)
        if action == "schedule":
            locked.starts_at = starts_at or locked.starts_at
            if locked.starts_at is None or locked.starts_at <= now:
                raise DomainError(
                    "A scheduled campaign needs a future start time.",
                    error_code="invalid_start_time",
                    errors={"starts_at": ["Must be in the future."]},
                )
        locked.status = target
        locked.paused_reason = ""
        if action == "start":
            locked.started_at = now
        if action == "cancel":
            locked.attempts.filter(status__in=(Attempt.Status.PENDING, Attempt.Status.CLAIMED)).update(
                status=Attempt.Status.CANCELLED, claim_token=None, updated_at=now
            )
        locked.save()
        extra = {"schedule": {"starts_at": locked.starts_at}, "pause": {"reason": ""}}.get(action, {})
        _publish(locked, TRANSITION_EVENTS[action], **extra)
        if action == "start":
            enqueue(locked, now=now)
            complete_if_done(locked, now=now)
    return locked


def start_due_campaigns(*, now: datetime) -> list[int]:
    """Scheduled campaigns whose start time has come begin dialing."""
    started = []
    for campaign in Campaign.objects.filter(status=S.SCHEDULED, starts_at__lte=now):
        try:
            transition(campaign, "start", now=now)
        except DomainError:
            continue  # changed since it was read (cancelled, list removed): nothing to start
        started.append(campaign.pk)
    return started


def enqueue(campaign: Campaign, *, now: datetime) -> int:
    """Scrub and enqueue: one first attempt per contact of the list, due now; numbers on a DNC list are
    kept as `skipped_dnc` so the stats show them. Set-based: one read of the numbers, one DNC query,
    one INSERT … SELECT joined to the blocked numbers. Returns the number of attempts made."""
    contacts, members, attempts = Contact._meta.db_table, ContactListMembership._meta.db_table, Attempt._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.phone FROM {contacts} c JOIN {members} m ON m.contact_id = c.id WHERE m.contact_list_id = %s",
            [campaign.contact_list_id],
        )
        numbers = [row[0] for row in cursor.fetchall()]
        blocked = list(blocked_numbers(numbers)) if numbers else []
        cursor.execute(
            f"""
            INSERT INTO {attempts} (campaign_id, contact_id, number, attempt_no, status, due_at, idempotency_key,
                                    outcome, detail, created_at, updated_at)
            SELECT %(campaign)s, c.id, c.phone, 1,
                   CASE WHEN b.number IS NULL THEN 'pending' ELSE 'skipped_dnc' END, %(now)s,
                   'campaign-' || %(campaign)s || '-contact-' || c.id || '-attempt-1',
                   CASE WHEN b.number IS NULL THEN '' ELSE 'on_dnc_list' END, '', %(now)s, %(now)s
            FROM {contacts} c
            JOIN {members} m ON m.contact_id = c.id AND m.contact_list_id = %(list)s
            LEFT JOIN unnest(%(blocked)s::text[]) AS b(number) ON b.number = c.phone
            ON CONFLICT DO NOTHING
            """,
            {"campaign": campaign.pk, "list": campaign.contact_list_id, "now": now, "blocked": blocked},
        )
        return cursor.rowcount


def complete_if_done(campaign: Campaign, *, now: datetime) -> bool:
    """A running campaign with no attempt left to dial or in flight is completed, with a `campaign.completed`
    audit event and domain event, both carrying its stats. Call with the campaign row locked, so two finishing
    calls cannot both miss the last one."""
    if campaign.status != S.RUNNING or campaign.attempts.filter(status__in=Attempt.OPEN_STATUSES).exists():
        return False
    campaign.status, campaign.completed_at = S.COMPLETED, now
    campaign.save(update_fields=["status", "completed_at", "updated_at"])
    stats = campaign_stats(campaign)
    record_audit_event(
        action="campaign.completed", target=f"campaign:{campaign.pk}", data={"name": campaign.name, **stats}
    )
    _publish(campaign, "campaign.completed", stats=stats)
    return True


def pause_for(campaign: Campaign, reason: str) -> None:
    """The dialer stops a campaign it cannot go on with (no minutes left, agent inactive …) until staff resume it."""
    paused = Campaign.objects.filter(pk=campaign.pk, status=S.RUNNING).update(
        status=S.PAUSED, paused_reason=reason[:64], updated_at=timezone.now()
    )
    if paused:
        _publish(campaign, "campaign.paused", status=S.PAUSED, reason=reason[:64])


class Window:
    OPEN, CLOSED, OVER = "open", "closed", "over"


def window_state(campaign: Campaign, at: datetime) -> str:
    """Whether the campaign's own window (dates and weekly hours in its time zone) is open at `at`."""
    local = at.astimezone(ZoneInfo(campaign.timezone))
    if campaign.end_date and local.date() > campaign.end_date:
        return Window.OVER
    if campaign.start_date and local.date() < campaign.start_date:
        return Window.CLOSED
    if campaign.hours:
        clock = local.strftime("%H:%M")
        ranges = campaign.hours.get(WEEKDAYS[local.weekday()], [])
        if not any(start <= clock < end for start, end in ranges):
            return Window.CLOSED
    return Window.OPEN


def _publish(campaign: Campaign, event_type: str, **fields) -> None:
    publish(event_type, {"campaign_id": campaign.pk, "name": campaign.name, "status": campaign.status, **fields})


def _locked(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


def _require_draft(campaign: Campaign) -> None:
    if campaign.status != S.DRAFT:
        raise Conflict(
            f"Only a draft campaign can be changed; this one is {campaign.status}.", error_code="campaign_not_draft"
        )
