"""Shared fixtures: the real PostgreSQL with tenant schemas made once per session, and personas.

Personas (after healthchecks.io): Alice owns tenant "acme", where Amy is an admin and Mike a member;
Bob owns tenant "globex"; Charlie belongs to no tenant. Nobody has access to another tenant's stuff.
"""

import pytest
from channels.layers import channel_layers
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import Membership, User
from accounts.tests.factories import PASSWORD, UserFactory, access_token
from calls.groups import watched_key
from config.redis import get_redis, redis_key
from tenants.models import Tenant

PERSONA_TENANTS = {"acme": "Acme Dental", "globex": "Globex Realty"}
PERSONAS = {
    "alice": ("acme", "owner"),
    "amy": ("acme", "admin"),
    "mike": ("acme", "member"),
    "bob": ("globex", "owner"),
    "charlie": (None, None),
}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.test.utils import setup_databases, teardown_databases

    from billing.tests.factories import reset_persona_plans
    from tenants.services import create_tenant, ensure_public_tenant, sync_tenant_template

    created = None
    with django_db_blocker.unblock():
        if not connection.settings_dict["NAME"].startswith("test_"):
            # Only `committed_db` tests were selected: pytest-django creates the test database only when a
            # selected test carries a django_db mark (or the db fixture), which these do not.
            created = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        # A database kept from an earlier run (`--reuse-db`, as scripts/mutation runs) has them already.
        if not Tenant.objects.filter(slug__in=PERSONA_TENANTS).exists():
            ensure_public_tenant()
            sync_tenant_template()
            tenants = {slug: create_tenant(name=name, slug=slug) for slug, name in PERSONA_TENANTS.items()}
            for name, (slug, role) in PERSONAS.items():
                user = UserFactory(email=f"{name}@example.com", name=name.capitalize())
                if slug:
                    Membership.objects.create(user=user, tenant=tenants[slug], role=role)
        reset_persona_plans(PERSONA_TENANTS)
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        # Threads of Channels and Celery keep their own connections open; drop them so the test
        # database can be removed.
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    if created is not None:
        with django_db_blocker.unblock():
            teardown_databases(created, verbosity=0)
    # What the run left in Redis: its keys, and its Celery queue's and channel layer's.
    client = get_redis()
    for pattern in (
        redis_key("*"),
        f"*{settings.CELERY_TASK_DEFAULT_QUEUE}*",
        f"{settings.CHANNEL_LAYERS['default']['CONFIG']['prefix']}*",
    ):
        for key in client.scan_iter(pattern):
            client.delete(key)


@pytest.fixture(autouse=True)
def _public_schema_and_clean_redis():
    """Every test starts on the public schema with no login-throttle counters left over."""
    connection.set_schema_to_public()
    client = get_redis()
    for key in client.scan_iter(redis_key("login-fail:*")):
        client.delete(key)
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Every test gets a channel layer of its own. Each async test runs on an event loop of its own, and the Redis
    layer keeps loop-bound state between calls (the lock a receive's clean-up holds until its task ends): a lock an
    earlier test's loop left held would stop every receive of the next test on that channel, as a staff control
    never reaching its call."""
    channel_layers.backends.pop("default", None)
    yield


def _persona(name):
    return User.objects.get(email=f"{name}@example.com")


@pytest.fixture
def alice(db):
    return _persona("alice")


@pytest.fixture
def amy(db):
    return _persona("amy")


@pytest.fixture
def mike(db):
    return _persona("mike")


@pytest.fixture
def bob(db):
    return _persona("bob")


@pytest.fixture
def charlie(db):
    return _persona("charlie")


@pytest.fixture
def acme(db):
    return Tenant.objects.get(slug="acme")


@pytest.fixture
def globex(db):
    return Tenant.objects.get(slug="globex")


@pytest.fixture
def password():
    return PASSWORD


def host_of(tenant) -> str:
    return f"{tenant.slug}.{settings.BASE_DOMAIN}"


@pytest.fixture
def api():
    """`api(user, tenant)`: a client on the tenant's host, logged in with a JWT (or an API key)."""

    def make(user=None, tenant=None, *, host=None, api_key=None, headers=None):
        client = APIClient()
        extra = {"HTTP_HOST": host or (host_of(tenant) if tenant else settings.API_HOST)}
        if api_key is not None:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {api_key}"
        elif user is not None:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {access_token(user)}"
        for name, value in (headers or {}).items():
            extra["HTTP_" + name.upper().replace("-", "_")] = value
        client.credentials(**extra)
        return client

    return make


@pytest.fixture
def make_api_key(db):
    from accounts.services import create_api_key

    def make(tenant, user, scopes=("read", "write", "calls"), **kwargs):
        key, secret = create_api_key(tenant=tenant, created_by=user, name="test key", scopes=list(scopes), **kwargs)
        return key, secret

    return make


class RateClock:
    """The rate limiter's clock, at a moment no other test has counted in, moved by hand: no test waits a minute."""

    def __init__(self):
        import random

        self.now = random.randrange(10**10, 10**11) * 3600.0  # the start of an hour far ahead: fresh counters

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def rate_limits(settings, monkeypatch):
    """`rate_limits(api=[(limit, seconds)], ...)` sets those limits (the suite's are out of reach); the limiter runs on
    a `RateClock`, returned."""
    from config import ratelimit

    clock = RateClock()
    monkeypatch.setattr(ratelimit.limiter, "clock", clock)
    ratelimit.forget_plan_limits()

    def make(**rules):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, **rules}
        return clock

    yield make
    ratelimit.forget_plan_limits()


@pytest.fixture(autouse=True)
def _forget_tenant_hosts():
    """The process's host -> tenant cache (tenants.selectors) would outlive a test's rolled-back tenants and domains."""
    from tenants.selectors import host_cache

    host_cache.clear()


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker):
    """For tests whose code runs on other threads (Celery worker, Channels): data is committed, and
    the persona tenants' tables are emptied afterwards, and their plans are the suite's again."""
    from billing.tests.factories import reset_persona_plans

    with django_db_blocker.unblock():
        yield
        reset_persona_plans(PERSONA_TENANTS)
        schemas = [Tenant.schema_name_for(slug) for slug in PERSONA_TENANTS]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY(%s) "
                "AND tablename NOT IN ('django_migrations', 'django_content_type')",
                [schemas],
            )
            tables = [f'"{schema}"."{table}"' for schema, table in cursor.fetchall()]
            # Only the tables the test wrote to: truncating every table of both schemas took longer than most
            # of these tests. Then every sequence that moved starts again, those of tables emptied since too.
            cursor.execute(
                " UNION ALL ".join(f"SELECT '{table}' WHERE EXISTS (SELECT FROM {table})" for table in tables)
            )
            written = [row[0] for row in cursor.fetchall()]
            if written:
                cursor.execute(f"TRUNCATE {', '.join(written)} CASCADE")
            cursor.execute(
                "SELECT schemaname, sequencename FROM pg_sequences WHERE schemaname = ANY(%s) AND last_value IS NOT NULL",
                [schemas],
            )
            for schema, sequence in cursor.fetchall():
                cursor.execute(f'ALTER SEQUENCE "{schema}"."{sequence}" RESTART')
            # The notifications those tables' events raised live in the public schema, beside the users.
            cursor.execute("TRUNCATE notifications_notification")
        connection.set_schema_to_public()
        # Ids start again, so what Redis keeps by call id goes with the calls.
        for schema in schemas:
            for key in get_redis().scan_iter(match=watched_key(schema, "*")):
                get_redis().delete(key)


@pytest.fixture
def fake_http():
    """A real HTTP server on 127.0.0.1 with scripted responses for external APIs (agents/tests/fake_http.py)."""
    from agents.tests.fake_http import FakeHTTP

    with FakeHTTP() as server:
        yield server


@pytest.fixture
def fake_dns(settings):
    """A real DNS server on 127.0.0.1 answering TXT questions from its records, the one custom domains are verified
    against (tenants/tests/dns_fake.py)."""
    from tenants.tests.dns_fake import FakeDns

    server = FakeDns()
    settings.DOMAIN_VERIFICATION_NAMESERVERS = [server.address]
    yield server
    server.close()


@pytest.fixture
def stripe_api(fake_http, settings):
    """Stripe's API, faked at the HTTP boundary: the stripe SDK talks to this server, and webhooks are signed with the
    secret the tests sign with (billing/tests/stripe_fakes.py)."""
    from billing.tests import stripe_fakes

    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_API_BASE = fake_http.url
    settings.STRIPE_WEBHOOK_SECRET = stripe_fakes.WEBHOOK_SECRET
    return fake_http


@pytest.fixture
def queued(monkeypatch):
    """The tasks queued once their transaction commits, not sent: (name, args)."""
    from config.celery import app

    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, args, headers: sent.append((name, args)))
    return sent


@pytest.fixture
def notification_emails(monkeypatch, mailoutbox):
    """Notification emails are sent as their task is queued (on commit), as a worker of the `email` queue would;
    returns the outbox. Every other task is queued as usual."""
    from config.celery import app
    from notifications import services

    queue = app.send_task

    def send_task(name, args=(), **options):
        if name == services.EMAIL_TASK:
            services.send_email(*args)
        else:
            queue(name, args=args, **options)

    monkeypatch.setattr(app, "send_task", send_task)
    return mailoutbox
