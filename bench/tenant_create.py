"""Time to create a tenant (schema + domain + owner), with 1 and with 50 tenants already there.

Compares schema cloning from the template (what the platform does) with running every migration
for the new schema (the baseline django-tenants default). Uses its own throwaway database.

    .venv/bin/python bench/tenant_create.py [--existing 1 50] [--repeat 5]
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "voiceagents_bench"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}")
os.environ.setdefault("SECRET_KEY", "bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def recreate_database():
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--existing", type=int, nargs="+", default=[1, 50])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import override_settings

    from accounts.models import User
    from tenants.services import create_tenant

    call_command("migrate_platform", verbosity=0)
    owner = User.objects.create_user("bench@example.com", "Bench-Pass-1")
    counter = iter(range(10_000))

    def create(n=1, **settings):
        timings = []
        with override_settings(**settings):
            for _ in range(n):
                slug = f"bench-{next(counter)}"
                started = time.perf_counter()
                create_tenant(name=slug, slug=slug, owner=owner)
                timings.append(time.perf_counter() - started)
        return timings

    existing = 0
    print(f"{'existing':>8} {'clone median':>13} {'migrate median':>15} {'ratio':>7}")
    for target in sorted(args.existing):
        if target > existing:
            create(target - existing)
            existing = target
        cloned = statistics.median(create(args.repeat))
        migrated = statistics.median(create(args.repeat, TENANT_CREATION_FAKES_MIGRATIONS=False, TENANT_BASE_SCHEMA=None))
        existing += 2 * args.repeat
        print(f"{target:>8} {cloned * 1000:>10.0f} ms {migrated * 1000:>12.0f} ms {migrated / cloned:>6.1f}x")
    print("clone = platform default (template schema cloned); migrate = every migration run per new tenant")


if __name__ == "__main__":
    main()
