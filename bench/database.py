"""Benchmarks run in a throwaway database of their own, named by DATABASE_URL."""

import os


def recreate_database() -> bool:
    """Drops and creates the database. A copy of BENCH_TEMPLATE_DATABASE if that is set (a migrated database: the
    test suite's smoke runs make one for all the benchmarks), and then True."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    template = os.environ.get("BENCH_TEMPLATE_DATABASE")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return bool(template)


def migrated_database() -> None:
    """A new database, migrated, with Django set up on it."""
    copied = recreate_database()
    import django

    django.setup()
    if not copied:
        from django.core.management import call_command

        call_command("migrate_platform", verbosity=0)
