from django.db import models

from accounts.models import User
from tenants.models import Tenant


class Kind(models.TextChoices):
    CALL_FOLLOW_UP = "call.follow_up", "A call needs a follow-up"
    CAMPAIGN_COMPLETED = "campaign.completed", "A campaign finished"
    KNOWLEDGE_FILE_FAILED = "knowledge.file_failed", "A knowledge file could not be indexed"
    WEBHOOK_ENDPOINT_DISABLED = "webhook.endpoint_disabled", "A webhook endpoint was disabled"
    PAYMENT_FAILED = "billing.payment_failed", "A payment failed"
    NEW_SIGN_IN = "account.new_sign_in", "A sign-in from a new address"


class Notification(models.Model):
    """Something one user should see: in the app (unread until marked) and, if their preferences say so, by email.

    In the public schema beside the users: a notification belongs to a user, and to the tenant it is about (none for
    the user's own account, such as a new sign-in), and every read names both."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # The dashboard page it is about, relative to the tenant's host.
    link = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict)
    # The domain event it came from: one notification per user per event, however often the event is seen.
    event_id = models.CharField(max_length=100)
    in_app = models.BooleanField(default=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_wanted = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "event_id"], name="one_notification_per_user_event")]
        indexes = [
            models.Index(
                fields=["user", "tenant"], condition=models.Q(read_at__isnull=True, in_app=True), name="unread"
            )
        ]

    def __str__(self):
        return f"{self.kind} for {self.user}"


class Preference(models.Model):
    """A user's choice of channels for one kind of notification (no row: the kind's defaults)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    in_app = models.BooleanField()
    email = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_user_kind")]
