"""Secrets at rest (provider API keys, Twilio auth tokens, OAuth tokens) under MultiFernet.

`FERNET_KEYS` lists keys newest first: the first encrypts, every key decrypts, so a key is rotated
by prepending a new one and re-saving rows (`rotate`). Without keys (development), one is derived
from SECRET_KEY so the platform still runs; production must set FERNET_KEYS.
"""

import base64
import hashlib
import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    keys = list(settings.FERNET_KEYS)
    if not keys:
        keys = [base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest()).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("Secret cannot be decrypted with the configured FERNET_KEYS.") from exc


def rotate(token: str) -> str:
    return _fernet().rotate(token.encode()).decode()


class EncryptedJSONField(models.TextField):
    """A JSON value stored as one Fernet token; never readable in the database."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return None
        return json.loads(decrypt(value))

    def to_python(self, value):
        if value is None or isinstance(value, (dict, list)):
            return value
        try:
            return json.loads(decrypt(value))
        except ValueError:
            return json.loads(value)

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt(json.dumps(value))


class EncryptedTextField(models.TextField):
    """A string stored as one Fernet token."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        if value is None or value == "":
            return value
        return encrypt(str(value))
