"""Time to create a tenant (schema + domain + owner), with 1 and with 50 tenants already there.

Compares the platform's way (tables built from the models, rows copied from the migrated template:
`tenants/schema_builder.py`) with two baselines: django-tenants' `clone_schema` of the template, and
running every migration for the new schema. Uses its own throwaway database.

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
from bench.database import migrated_database  # noqa: E402

BENCH_DB = "voiceagents_bench"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}")
os.environ.setdefault("SECRET_KEY", "bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--existing", type=int, nargs="+", default=[1, 50])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    migrated_database()
    from django.conf import settings
    from django.db import connection
    from django.test import override_settings
    from django_tenants.clone import CloneSchema

    from accounts.models import User
    from tenants.services import create_tenant

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

    def clone(n):
        timings = []
        for i in range(n):
            started = time.perf_counter()
            CloneSchema().clone_schema(settings.TENANT_BASE_SCHEMA, f"clone_probe_{i}", set_connection=False)
            timings.append(time.perf_counter() - started)
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA "clone_probe_{i}" CASCADE')
        return timings

    existing = 0
    print(f"{'existing tenants':>16} {'build (ours)':>13} {'clone_schema':>13} {'migrate':>10}   ratios vs ours")
    for target in sorted(args.existing):
        if target > existing:
            create(target - existing)
            existing = target
        built = statistics.median(create(args.repeat))
        cloned = statistics.median(clone(args.repeat))
        migrated = statistics.median(
            create(args.repeat, TENANT_CREATION_FAKES_MIGRATIONS=False, TENANT_BASE_SCHEMA=None)
        )
        existing += 2 * args.repeat
        print(
            f"{target:>16} {built * 1000:>10.0f} ms {cloned * 1000:>10.0f} ms {migrated * 1000:>7.0f} ms"
            f"   clone {cloned / built:.1f}x, migrate {migrated / built:.1f}x"
        )
    print(
        "medians of", args.repeat, "creations; build = whole create_tenant (schema, domain, owner); clone = schema only"
    )


if __name__ == "__main__":
    main()
