"""Builds a new tenant schema in time that does not grow with the number of tenants.

django-tenants' `clone_schema` SQL function walks the whole catalogue, so it slows down as tenants
accumulate (measured here: ~80 ms with 5 schemas, ~410 ms with 85). Instead the tables are created
from the current models with Django's schema editor, as migrations leave them (a test compares the
result with the migrated template schema), and the template's rows (applied migrations, content
types, anything a data migration seeded) are copied over.
"""

from django.apps import apps
from django.conf import settings
from django.db import connection, router
from django.db.migrations.recorder import MigrationRecorder


def _tenant_models():
    """Models whose tables live in tenant schemas, asked of the router as `migrate` would."""
    return [
        model
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and router.allow_migrate_model(connection.alias, model)
    ]


def build_schema(schema_name: str) -> None:
    template = settings.TENANT_BASE_SCHEMA
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema_name}"')
    try:
        # The migrations table first and alone, so it is not found in public (as django-tenants does).
        connection.set_schema(schema_name, include_public=False)
        MigrationRecorder(connection).ensure_schema()
        connection.set_schema(schema_name)
        with connection.schema_editor() as editor:
            for model in _tenant_models():
                editor.create_model(model)
        _copy_template_rows(template, schema_name)
        _copy_template_triggers(template, schema_name)
    finally:
        connection.set_schema_to_public()


def _copy_template_rows(template, schema_name):
    with connection.cursor() as cursor:
        # Column order can differ between a migrated table and one built from its model: name them.
        cursor.execute(
            "SELECT table_name, string_agg(quote_ident(column_name), ', ') FROM information_schema.columns "
            "WHERE table_schema = %s GROUP BY table_name",
            [template],
        )
        filled = set()
        for table, columns in cursor.fetchall():
            cursor.execute(
                f'INSERT INTO "{schema_name}"."{table}" ({columns}) OVERRIDING SYSTEM VALUE '
                f'SELECT {columns} FROM "{template}"."{table}"'
            )
            if cursor.rowcount:
                filled.add(table)
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = %s AND is_identity = 'YES'",
            [schema_name],
        )
        for table, column in cursor.fetchall():
            if table in filled:
                qualified = f'"{schema_name}"."{table}"'
                cursor.execute(
                    f'SELECT setval(pg_get_serial_sequence(%s, %s), (SELECT max("{column}") FROM {qualified}))',
                    [qualified, column],
                )


def _copy_template_triggers(template, schema_name):
    """Triggers a migration created (models cannot declare them), e.g. the audit log's append-only guard."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND NOT t.tgisinternal",
            [template],
        )
        for (definition,) in cursor.fetchall():
            cursor.execute(definition.replace(f" ON {template}.", f' ON "{schema_name}".', 1))
