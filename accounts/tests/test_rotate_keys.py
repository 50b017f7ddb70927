"""`manage.py rotate_keys` re-encrypts every secret at rest under the newest key: afterwards the old key can go and
every secret (public schema and tenant schemas alike) still reads back."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import tenant_context

from accounts.models import TwoFactor
from accounts.two_factor import start_enrolment
from calls.models import TwilioAccount
from calls.tests.factories import TwilioAccountFactory
from config import crypto

pytestmark = pytest.mark.django_db

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def keys(settings):
    def use(*keys):
        settings.FERNET_KEYS = list(keys)
        crypto._fernet.cache_clear()

    yield use
    crypto._fernet.cache_clear()


def stored(table: str, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")
        return cursor.fetchone()[0]


def test_every_secret_reads_back_under_the_new_key_alone(keys, alice, acme, capsys):
    keys(OLD)
    secret = start_enrolment(alice).secret
    with tenant_context(acme):
        TwilioAccountFactory(auth_token="twilio-token")
    keys(NEW, OLD)
    call_command("rotate_keys")
    assert "Re-encrypted" in capsys.readouterr().out
    keys(NEW)
    assert TwoFactor.objects.get(user=alice).secret == secret
    with tenant_context(acme):
        assert TwilioAccount.objects.get().auth_token == "twilio-token"


def test_without_rotation_the_old_key_is_still_needed(keys, alice):
    keys(OLD)
    start_enrolment(alice)
    keys(NEW)
    with pytest.raises(ValueError, match="cannot be decrypted"):
        TwoFactor.objects.get(user=alice)


def test_the_rotated_value_is_not_the_plaintext(keys, acme):
    keys(OLD)
    with tenant_context(acme):
        TwilioAccountFactory(auth_token="twilio-token")
    keys(NEW, OLD)
    call_command("rotate_keys")
    with tenant_context(acme):
        token = stored("calls_twilioaccount", "auth_token")
    assert "twilio-token" not in token and Fernet(NEW.encode()).decrypt(token.encode()) == b"twilio-token"
