"""`manage.py rotate_keys`: every secret at rest (provider credentials, Twilio tokens, OAuth tokens, webhook secrets,
TOTP secrets) re-encrypted under the newest of `FERNET_KEYS`, in the public schema, the tenant template and every
tenant. Rotating a key: prepend the new one to FERNET_KEYS, deploy, run this, then drop the old key."""

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name, get_tenant_model, schema_context

from config import crypto
from config.crypto import EncryptedJSONField, EncryptedTextField


def encrypted_columns(*, shared: bool) -> list[tuple[str, str, str]]:
    """(table, primary key column, encrypted column) of the models whose tables live in the public schema (shared)
    or in each tenant's."""
    shared_apps = {name.split(".apps.")[0] for name in settings.SHARED_APPS}
    tenant_apps = {name.split(".apps.")[0] for name in settings.TENANT_APPS}
    columns = []
    for model in apps.get_models():
        app = model._meta.app_config.name
        if (app in shared_apps if shared else app in tenant_apps) and not model._meta.proxy:
            for field in model._meta.concrete_fields:
                if isinstance(field, (EncryptedJSONField, EncryptedTextField)):
                    columns.append((model._meta.db_table, model._meta.pk.column, field.column))
    return columns


def rotate_schema(schema: str, columns) -> int:
    """Re-encrypts the schema's secrets in one transaction; how many values changed."""
    rotated = 0
    with schema_context(schema), transaction.atomic(), connection.cursor() as cursor:
        for table, pk, column in columns:
            name, key, value = (connection.ops.quote_name(each) for each in (table, pk, column))
            cursor.execute(f"SELECT {key}, {value} FROM {name} WHERE {value} IS NOT NULL AND {value} <> '' FOR UPDATE")
            for row_id, token in cursor.fetchall():
                new = crypto.rotate(token)
                if new != token:
                    cursor.execute(f"UPDATE {name} SET {value} = %s WHERE {key} = %s", [new, row_id])
                    rotated += 1
    return rotated


class Command(BaseCommand):
    help = "Re-encrypt every secret at rest under the newest of FERNET_KEYS (public schema, template, every tenant)."

    def handle(self, *args, **options):
        total = rotate_schema(get_public_schema_name(), encrypted_columns(shared=True))
        tenant_columns = encrypted_columns(shared=False)
        tenants = get_tenant_model().objects.exclude(schema_name=get_public_schema_name())
        schemas = [settings.TENANT_BASE_SCHEMA, *tenants.values_list("schema_name", flat=True)]
        with connection.cursor() as cursor:
            cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [schemas])
            existing = {row[0] for row in cursor.fetchall()}
        schemas = [schema for schema in schemas if schema in existing]
        for schema in schemas:
            total += rotate_schema(schema, tenant_columns)
        self.stdout.write(f"Re-encrypted {total} secrets in {len(schemas) + 1} schemas.")
