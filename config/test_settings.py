"""Settings for the test suite: the real PostgreSQL and Redis, with fast password hashing."""

import copy
import hashlib
import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("FERNET_KEYS", "Zm9yLXRlc3RzLW9ubHktMzItYnl0ZXMtbG9uZy1rZXk=")
os.environ.setdefault("SECURE_COOKIES", "0")

from config.settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Several checkouts on one machine share its PostgreSQL and Redis: each gets a test database and a Redis key
# prefix of its own, so one run never drops or reads another's.
CHECKOUT_ID = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:8]  # noqa: F405
DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{CHECKOUT_ID}"}  # noqa: F405
# A second connection to the same test database stands in for a streaming replica (config/databases.py), read-only as
# a hot standby is. Analytics stay on default unless a test says otherwise: the suite's data lives in transactions
# rolled back after each test, which another connection cannot see.
DATABASES["replica"] = copy.deepcopy(DATABASES["default"]) | {"TEST": {"MIRROR": "default"}}  # noqa: F405
DATABASES["replica"]["OPTIONS"]["options"] = "-c default_transaction_read_only=on"  # noqa: F405
ANALYTICS_DATABASE = "default"
# pytest-xdist's workers (scripts/test runs one per core) each get their own too: pytest-django suffixes the database
# name with the worker's id, and the Redis prefix carries it.
REDIS_KEY_PREFIX = f"test-{CHECKOUT_ID}{os.environ.get('PYTEST_XDIST_WORKER', '')}:"
CACHES["default"]["KEY_PREFIX"] = REDIS_KEY_PREFIX  # noqa: F405
# Celery's queues too: a real worker of one run (or xdist worker) must not take the tasks of another.
CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, "global_keyprefix": REDIS_KEY_PREFIX}  # noqa: F405
# Keep parallel test runs from reading each other's messages and tasks.
CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"test-{CHECKOUT_ID}-{os.getpid()}"  # noqa: F405
CELERY_TASK_DEFAULT_QUEUE = f"test-{CHECKOUT_ID}-{os.getpid()}"
CELERY_TASK_ROUTES = {  # noqa: F405
    task: {"queue": f"{CELERY_TASK_DEFAULT_QUEUE}-{route['queue']}"}
    for task, route in CELERY_TASK_ROUTES.items()  # noqa: F405
}
CELERY_TASK_QUEUES = [  # noqa: F405
    Queue(name)  # noqa: F405
    for name in dict.fromkeys([CELERY_TASK_DEFAULT_QUEUE, *(r["queue"] for r in CELERY_TASK_ROUTES.values())])
]
# Recordings and exports on disk in a directory of this checkout's own.
for _name in ("recordings", "exports"):
    STORAGES[_name]["OPTIONS"] = {"location": f"/tmp/voiceagents-test-{CHECKOUT_ID}/{_name}"}  # noqa: F405
# The fake provider servers of the tests listen on the loopback interface.
OUTBOUND_PRIVATE_HOSTS = ["127.0.0.1", "localhost"]
# Rate limits apply to every test request but out of reach; the tests of limits set small ones.
RATE_LIMITS = {name: [(10**9, seconds) for _, seconds in rules] for name, rules in RATE_LIMITS.items()}  # noqa: F405
# Static files straight from the apps (the dashboard's scripts and styles): no collectstatic before a test run.
WHITENOISE_USE_FINDERS = True
