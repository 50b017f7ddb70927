"""Settings for the test suite: the real PostgreSQL and Redis, with fast password hashing."""
import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("FERNET_KEYS", "Zm9yLXRlc3RzLW9ubHktMzItYnl0ZXMtbG9uZy1rZXk=")
os.environ.setdefault("SECURE_COOKIES", "0")

from config.settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Keep parallel test runs (several checkouts on one machine) from reading each other's messages.
CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"test-{os.getpid()}"  # noqa: F405
CELERY_TASK_DEFAULT_QUEUE = f"test-{os.getpid()}"
# The fake provider servers of the tests listen on the loopback interface.
OUTBOUND_PRIVATE_HOSTS = ["127.0.0.1", "localhost"]
