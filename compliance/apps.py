from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from compliance.privacy import delete_tenant_files
        from compliance.services import write_audit_entry
        from config import audit
        from tenants.signals import tenant_deleting

        # Apps below compliance (accounts) write the audit log through config.audit.
        audit.register_writer(write_audit_entry)
        tenant_deleting.connect(delete_tenant_files, dispatch_uid="compliance.delete_tenant_files")
