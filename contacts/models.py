from django.contrib.postgres.fields import ArrayField
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

    def __str__(self):
        return self.name or self.phone

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def variables(self) -> dict:
        """The `{contact.x}` variables of a call to this contact: custom fields, then the standard ones."""
        return {
            **self.fields, "first_name": self.first_name, "last_name": self.last_name, "name": self.name,
            "phone": self.phone, "email": self.email, "company": self.company,
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
