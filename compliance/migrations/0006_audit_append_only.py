"""The audit log is append-only in the database itself: a trigger refuses every UPDATE and DELETE of an entry, from
whatever path (API, admin, service, raw SQL). The function lives in public, shared by every tenant schema's trigger;
creating it takes an advisory lock because tenant schemas are migrated in parallel. New tenant schemas, built from
the models, get the trigger copied from the template schema (`tenants.schema_builder`)."""

from django.db import migrations

FUNCTION = """
SELECT pg_advisory_xact_lock(hashtext('compliance_audit_append_only'));
CREATE OR REPLACE FUNCTION public.compliance_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'The audit log is append-only: % of an entry is not allowed.', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""

TRIGGER = """
CREATE TRIGGER compliance_auditevent_append_only BEFORE UPDATE OR DELETE ON compliance_auditevent
FOR EACH ROW EXECUTE FUNCTION public.compliance_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("compliance", "0005_audit_origin")]

    operations = [
        migrations.RunSQL(
            FUNCTION + TRIGGER,
            # Reversing drops only the trigger: other schemas' triggers may still use the function.
            reverse_sql="DROP TRIGGER IF EXISTS compliance_auditevent_append_only ON compliance_auditevent;",
        )
    ]
