from django.db import models


class AuditEvent(models.Model):
    """Append-only record of an access or change inside a tenant."""

    actor_id = models.BigIntegerField(null=True, blank=True, help_text="accounts.User id; users live in the public schema.")
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=100)
    target = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["action", "created_at"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label or 'system'} {self.action} {self.target}"
