from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from compliance.services import write_audit_entry
        from config import audit

        # Apps below compliance (accounts) write the audit log through config.audit.
        audit.register_writer(write_audit_entry)
