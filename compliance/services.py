from compliance.models import AuditEvent


def record_audit_event(*, action, actor=None, target="", data=None) -> AuditEvent:
    """Writes in the current tenant's schema; on the public schema the table does not exist."""
    return AuditEvent.objects.create(
        action=action,
        actor_id=getattr(actor, "pk", None),
        actor_label=getattr(actor, "email", "") or "",
        target=target,
        data=data or {},
    )
