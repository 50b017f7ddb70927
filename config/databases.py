"""Where analytics read: the streaming replica when there is one (settings DATABASE_REPLICA_URL), else the default
database. Chosen per query with `.using()`, never by a router for all reads: the rest of the platform often reads
what it has just written, which a lagging replica may not have yet."""

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections


def analytics_database() -> str:
    """The alias of the database an analytics query built now reads from, on the tenant schema the default
    connection is on now.

    django-tenants keeps the schema per connection, and the tenant middleware, `tenant_context` and `schema_context`
    set it on the default connection only: the replica's connection of this thread is brought to the same schema
    here. So call it where the query is built, under the tenant it is for, and run the query on this thread."""
    alias = settings.ANALYTICS_DATABASE
    if alias != DEFAULT_DB_ALIAS:
        replica = connections[alias]
        if (replica.schema_name, replica.include_public_schema) != (
            connection.schema_name,
            connection.include_public_schema,
        ):
            replica.set_tenant(connection.tenant, connection.include_public_schema)
    return alias
