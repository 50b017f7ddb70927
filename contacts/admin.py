from django import forms
from django.contrib import admin

from config.admin import ReadOnlyAdminMixin, TenantSchemaAdmin
from config.phone_numbers import to_e164
from contacts.models import Contact, ContactImport, ContactList, ContactListMembership


class ContactForm(forms.ModelForm):
    phone = forms.CharField(max_length=40, help_text="Any notation with the country code; stored in E.164.")

    class Meta:
        model = Contact
        fields = ["phone", "first_name", "last_name", "email", "company", "timezone", "fields", "tags", "source"]

    def clean_phone(self):
        # The same E.164 rule as the API and imports, so one number never becomes two contacts.
        try:
            return to_e164(self.cleaned_data["phone"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class MembershipInline(admin.TabularInline):
    model = ContactListMembership
    fields = ["contact_list", "added_at"]
    readonly_fields = ["added_at"]
    extra = 0


@admin.register(Contact)
class ContactAdmin(TenantSchemaAdmin):
    form = ContactForm
    list_display = ["phone", "name", "email", "company", "source", "created_at"]
    list_filter = ["source", "lists"]
    search_fields = ["phone", "first_name", "last_name", "email", "company"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [MembershipInline]


@admin.register(ContactList)
class ContactListAdmin(TenantSchemaAdmin):
    list_display = ["name", "description", "created_at"]
    search_fields = ["name"]


@admin.register(ContactImport)
class ContactImportAdmin(ReadOnlyAdminMixin, TenantSchemaAdmin):
    """Imports are records of what happened: readable, never edited."""

    list_display = ["file_name", "contact_list", "total_rows", "created", "updated", "skipped", "created_at"]
    readonly_fields = [
        "file_name",
        "contact_list",
        "default_region",
        "update_existing",
        "total_rows",
        "created",
        "updated",
        "skipped",
        "duplicates_in_file",
        "errors",
        "created_by_id",
        "created_at",
    ]
