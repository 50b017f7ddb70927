from rest_framework import serializers

from config.api.serializers import ModelSerializer
from contacts.models import Contact, ContactImport, ContactList


class ContactSerializer(ModelSerializer):
    lists = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            "id",
            "phone",
            "first_name",
            "last_name",
            "name",
            "email",
            "company",
            "timezone",
            "fields",
            "tags",
            "source",
            "lists",
            "created_at",
            "updated_at",
        ]

    def get_lists(self, contact) -> list[int]:
        return [membership.contact_list_id for membership in contact.memberships.all()]


class ContactWriteSerializer(serializers.Serializer):
    """Shapes only: the service normalises the number and checks email, time zone and custom field names."""

    phone = serializers.CharField(max_length=40)
    first_name = serializers.CharField(max_length=100, allow_blank=True, required=False)
    last_name = serializers.CharField(max_length=100, allow_blank=True, required=False)
    email = serializers.CharField(max_length=254, allow_blank=True, required=False)
    company = serializers.CharField(max_length=200, allow_blank=True, required=False)
    timezone = serializers.CharField(max_length=64, allow_blank=True, required=False)
    fields = serializers.DictField(required=False, help_text="Custom fields, usable as {contact.<name>} in flows.")
    tags = serializers.ListField(child=serializers.CharField(max_length=50), max_length=100, required=False)


class ContactFilterSerializer(serializers.Serializer):
    list = serializers.IntegerField(min_value=1, required=False, help_text="Only members of this contact list.")
    tag = serializers.CharField(max_length=50, required=False)
    search = serializers.CharField(max_length=200, required=False, help_text="Name, email, company or phone digits.")


class ContactListSerializer(ModelSerializer):
    contact_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ContactList
        fields = ["id", "name", "description", "contact_count", "created_at"]
        # Uniqueness is the service's rule (409 list_exists), not a serializer 400.
        extra_kwargs = {"name": {"validators": []}}


class MembersSerializer(serializers.Serializer):
    contacts = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=10_000)


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (comma, semicolon, tab or pipe separated), UTF-8 or Latin-1.")
    list = serializers.PrimaryKeyRelatedField(
        queryset=ContactList.objects.all(), required=False, help_text="Add every contact of the file to this list."
    )
    list_name = serializers.CharField(max_length=200, required=False, help_text="Or to this list, made if new.")
    default_region = serializers.RegexField(
        r"^[A-Za-z]{2}$",
        required=False,
        error_messages={"invalid": "Use a two-letter country code such as US or GB."},
        help_text="Country of numbers written without +country code.",
    )
    update_existing = serializers.BooleanField(
        default=True, help_text="Fill known contacts with the file's non-blank values."
    )

    def validate(self, data):
        if "list" in data and "list_name" in data:
            raise serializers.ValidationError({"list_name": "Give either list or list_name, not both."})
        return data


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="As a spreadsheet numbers it: the header is row 1.")
    field = serializers.CharField()
    reason = serializers.CharField()


class ContactImportSerializer(ModelSerializer):
    errors = ImportErrorSerializer(many=True)

    class Meta:
        model = ContactImport
        fields = [
            "id",
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
            "created_at",
        ]
