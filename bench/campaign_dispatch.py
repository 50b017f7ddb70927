"""Scrub-and-enqueue throughput of starting a campaign: 100,000 contacts against DNC lists of 10,000, 100,000 and
1,000,000 numbers (1% of the contacts are on the list). Should be flat in the list's size.

Ours: `transition(campaign, "start")` = one read of the list's numbers, one set-based `blocked_numbers` query,
one INSERT … SELECT of the attempts. Baselines beside it:
  - per contact: `blocked_numbers([number])` and one INSERT per contact (the naive loop), on a sample;
  - Python set: every DNC number loaded into a set, the list filtered in Python, `bulk_create` of the attempts.
Uses its own throwaway database.

    .venv/bin/python bench/campaign_dispatch.py [--contacts 100000] [--dnc 10000 100000 1000000] [--repeat 3]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.database import migrated_database  # noqa: E402

BENCH_DB = "voiceagents_bench_campaigns"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}")
os.environ.setdefault("SECRET_KEY", "bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

SAMPLE = 2_000  # contacts the per-contact baseline is timed on


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--dnc", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    migrated_database()
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from agents.models import Agent
    from billing.models import Plan
    from billing.services import assign_plan
    from campaigns.models import Attempt, Campaign, idempotency_key
    from campaigns.services.lifecycle import transition
    from compliance.models import DncEntry
    from compliance.services import blocked_numbers
    from contacts.models import Contact, ContactList, ContactListMembership
    from tenants.services import create_tenant

    tenant = create_tenant(name="Bench", slug="bench")
    # Enterprise: no plan limit gets in the way of what is measured.
    assign_plan(tenant, Plan.objects.get(slug="enterprise"))
    with tenant_context(tenant):
        agent = Agent.objects.create(name="Bench agent")
        # Contacts +1415 200 0000 …; 1% of them are on the DNC list, the rest of the list is other numbers.
        phones = [f"+1415{2000000 + n:07d}" for n in range(args.contacts)]
        contacts = Contact.objects.bulk_create([Contact(phone=phone) for phone in phones], batch_size=10_000)
        contact_list = ContactList.objects.create(name="Bench list")
        ContactListMembership.objects.bulk_create(
            [ContactListMembership(contact_list=contact_list, contact=c) for c in contacts], batch_size=10_000
        )
        listed = phones[::100]
        DncEntry.objects.bulk_create([DncEntry(number=phone) for phone in listed])

        def grow_dnc(size):
            others = DncEntry.objects.count() - len(listed)  # numbers +1212 200 0000 … already added
            if size - len(listed) > others:
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"INSERT INTO {DncEntry._meta.db_table} (number, source, reason, created_at) "
                        "SELECT '+1212' || (2000000 + n)::text, 'import', '', now() "
                        "FROM generate_series(%s, %s) AS n",
                        [others, size - len(listed) - 1],
                    )
                    cursor.execute(f"VACUUM ANALYZE {DncEntry._meta.db_table}")
            return DncEntry.objects.count()

        def fresh_campaign():
            Attempt.objects.all().delete()
            return Campaign.objects.create(
                name="Bench", agent=agent, contact_list=contact_list, calls_per_minute=100, max_concurrent_calls=10
            )

        def ours():
            campaign = fresh_campaign()
            started = time.perf_counter()
            transition(campaign, "start")
            elapsed = time.perf_counter() - started
            assert campaign.attempts.filter(status="skipped_dnc").count() == len(listed)
            return args.contacts / elapsed

        def per_contact():
            campaign, now = fresh_campaign(), timezone.now()
            started = time.perf_counter()
            for contact in contacts[:SAMPLE]:
                skipped = bool(blocked_numbers([contact.phone]))
                Attempt.objects.create(
                    campaign=campaign,
                    contact=contact,
                    number=contact.phone,
                    due_at=now,
                    status="skipped_dnc" if skipped else "pending",
                    idempotency_key=idempotency_key(campaign.pk, contact.pk, 1),
                )
            return SAMPLE / (time.perf_counter() - started)

        def python_set():
            campaign, now = fresh_campaign(), timezone.now()
            started = time.perf_counter()
            dnc = set(DncEntry.objects.values_list("number", flat=True).iterator(chunk_size=50_000))
            Attempt.objects.bulk_create(
                [
                    Attempt(
                        campaign=campaign,
                        contact=contact,
                        number=contact.phone,
                        due_at=now,
                        status="skipped_dnc" if contact.phone in dnc else "pending",
                        idempotency_key=idempotency_key(campaign.pk, contact.pk, 1),
                    )
                    for contact in contacts
                ],
                batch_size=10_000,
            )
            return args.contacts / (time.perf_counter() - started)

        print(
            f"{args.contacts:,} contacts, {len(listed):,} of them on the DNC list; contacts scrubbed-and-enqueued per "
            f"second (median of {args.repeat})"
        )
        print(f"{'DNC numbers':>12} {'ours':>12} {'per-contact loop':>26} {'Python set + bulk_create':>30}")
        for size in sorted(args.dnc):
            actual = grow_dnc(size)
            mine = statistics.median(ours() for _ in range(args.repeat))
            naive = statistics.median(per_contact() for _ in range(args.repeat))
            in_python = statistics.median(python_set() for _ in range(args.repeat))
            print(
                f"{actual:>12,} {mine:>10,.0f}/s {naive:>10,.0f}/s ({mine / naive:>5.0f}x slower)"
                f" {in_python:>10,.0f}/s ({mine / in_python:>4.1f}x slower)"
            )
        print(f"per-contact loop timed on {SAMPLE:,} contacts; ratios are ours ÷ baseline")


if __name__ == "__main__":
    main()
