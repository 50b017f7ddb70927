from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models


class Contact(models.Model):
    """A person the tenant may call, keyed by their E.164 number (one contact per number).

    `fields` holds the tenant's custom fields; with the standard ones they become the `{contact.x}`
    variables of a call.
    """

    class Source(models.TextChoices):
        MANUAL = "manual"
        IMPORT = "import"
        API = "api"
        CALL = "call"

    phone = models.CharField(max_length=16, unique=True, help_text="E.164, e.g. +14155550123.")
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    company = models.CharField(max_length=200, blank=True)
    timezone = models.CharField(max_length=64, blank=True, help_text="IANA zone; blank: from the number.")
    fields = models.JSONField(default=dict, blank=True)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [GinIndex(fields=["tags"], name="contact_tags_gin")]

    def __str__(self):
        return self.name or self.phone

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def variables(self) -> dict:
        """The `{contact.x}` variables of a call to this contact: custom fields, then the standard ones."""
        return {
            **self.fields,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "name": self.name,
            "phone": self.phone,
            "email": self.email,
            "company": self.company,
        }


class ContactList(models.Model):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    contacts = models.ManyToManyField(Contact, through="ContactListMembership", related_name="lists")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ContactListMembership(models.Model):
    contact_list = models.ForeignKey(ContactList, on_delete=models.CASCADE, related_name="memberships")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="memberships")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contact_list", "contact"], name="one_membership_per_list")]


class ContactImport(models.Model):
    """One CSV upload and its report, kept so the per-row errors can be fetched again."""

    file_name = models.CharField(max_length=255)
    contact_list = models.ForeignKey(
        ContactList, null=True, blank=True, on_delete=models.SET_NULL, related_name="imports"
    )
    default_region = models.CharField(max_length=2, blank=True)
    update_existing = models.BooleanField(default=True)
    total_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0, help_text="Numbers already known, left as they were.")
    duplicates_in_file = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{row, field, reason}]")
    created_by_id = models.BigIntegerField(null=True, blank=True, help_text="accounts.User id (public schema).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"

    def report(self) -> dict:
        return {
            "id": self.pk,
            "total_rows": self.total_rows,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "duplicates_in_file": self.duplicates_in_file,
            "errors": self.errors,
        }
