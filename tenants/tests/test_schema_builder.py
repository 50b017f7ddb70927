"""New tenant schemas are built from the models, and must equal what the migrations produce (triggers included)."""

import pytest
from django.conf import settings
from django.db import connection

from tenants.services import create_tenant

pytestmark = pytest.mark.django_db


def structure(schema):
    """Tables, columns, indexes and constraints of a schema, with the schema name taken out."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type, is_nullable, is_identity, character_maximum_length "
            "FROM information_schema.columns WHERE table_schema = %s ORDER BY 1, 2",
            [schema],
        )
        columns = cursor.fetchall()
        cursor.execute(
            "SELECT t.relname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE n.nspname = %s ORDER BY 1, 2",
            [schema],
        )
        constraints = [(table, definition.replace(f"{schema}.", "")) for table, definition in cursor.fetchall()]
        cursor.execute("SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = %s ORDER BY 1, 2", [schema])
        # Index names can differ (Django hashes them the same way either way); compare definitions.
        indexes = sorted(
            (table, definition.split(" ON ", 1)[1].replace(f"{schema}.", "")) for table, definition in cursor.fetchall()
        )
        cursor.execute(
            "SELECT c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND NOT t.tgisinternal ORDER BY 1, 2",
            [schema],
        )
        triggers = [(table, definition.replace(f"{schema}.", "")) for table, definition in cursor.fetchall()]
    return columns, constraints, indexes, triggers


def test_built_schema_matches_the_migrated_template():
    tenant = create_tenant(name="Shape", slug="shape-check")
    assert structure(tenant.schema_name) == structure(settings.TENANT_BASE_SCHEMA)


def test_built_schema_has_the_audit_logs_append_only_trigger():
    tenant = create_tenant(name="Guarded", slug="guarded")
    triggers = structure(tenant.schema_name)[3]
    assert [table for table, _ in triggers] == ["compliance_auditevent"]


def test_built_schema_records_every_migration_as_applied():
    tenant = create_tenant(name="Recorded", slug="recorded")
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{tenant.schema_name}".django_migrations ORDER BY 1, 2')
        built = cursor.fetchall()
        cursor.execute(f'SELECT app, name FROM "{settings.TENANT_BASE_SCHEMA}".django_migrations ORDER BY 1, 2')
        assert built == cursor.fetchall() and built
