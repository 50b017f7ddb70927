from django.core.management import call_command
from django.core.management.base import BaseCommand

from tenants.services import ensure_public_tenant, sync_tenant_template


class Command(BaseCommand):
    help = "Migrate the public schema, the tenant template schema and every tenant schema."

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        ensure_public_tenant()
        sync_tenant_template(verbosity=verbosity)
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=verbosity)
