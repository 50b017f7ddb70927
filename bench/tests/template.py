"""The migrated database the benchmarks' smoke runs start from (bench/tests/test_smoke.py,
calls/tests/test_media_bench_smoke.py): a copy of it, through BENCH_TEMPLATE_DATABASE, instead of migrating anew."""

import hashlib
import os
import subprocess
import sys

import psycopg
from django.db import connection

from config.tests.servers import ROOT


def admin_connection():
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"], port=settings["PORT"], user=settings["USER"], dbname="postgres", autocommit=True
    )


def database_exists(admin, name) -> bool:
    return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def migrations_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def migrated_template(server, env) -> str:
    """A database migrated as the platform's migrations are now, made once per checkout and kept: named by the
    checkout's test database and the migrations' digest."""
    # One per checkout, not per pytest-xdist worker (whose id suffixes the test database's name): a file that lands
    # on the other worker next run still finds it. Short: PostgreSQL cuts names at 63 characters.
    checkout = connection.settings_dict["NAME"].removesuffix(f"_{os.environ.get('PYTEST_XDIST_WORKER', '')}")
    prefix = f"{checkout}_tpl_"
    name = prefix + migrations_digest()
    with admin_connection() as admin:
        if database_exists(admin, name):
            return name
        building = f"{name}_{os.getpid()}"
        admin.execute(f'CREATE DATABASE "{building}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate_platform", "-v", "0"],
        cwd=ROOT,
        env={**env, "DATABASE_URL": f"{server}/{building}"},
        check=True,
        timeout=600,
    )
    with admin_connection() as admin:
        for (old,) in admin.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [prefix]):
            if not old.startswith(name):  # made for migrations since changed
                admin.execute(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
        if database_exists(admin, name):  # another run made it meanwhile
            admin.execute(f'DROP DATABASE "{building}"')
        else:
            admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    return name
