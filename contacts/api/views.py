from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.validation import validated, validated_query
from config.audit import audit
from contacts import selectors, services
from contacts.api import serializers as s

MANAGE = {"GET": "contacts.view", "*": "contacts.manage"}


# Contacts -----------------------------------------------------------------------------------


class ContactsView(generics.ListAPIView):
    """GET lists contacts (filter by list or tag, search name/email/company/phone); POST adds one."""

    required_permission = MANAGE
    serializer_class = s.ContactSerializer

    @extend_schema(parameters=[s.ContactFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no tenant
            return selectors.contacts().none()
        filters = validated_query(s.ContactFilterSerializer, self.request)
        return selectors.filter_contacts(
            contact_list_id=filters.get("list"),
            tag=filters.get("tag"),
            search=filters.get("search"),
        ).prefetch_related("memberships")

    @extend_schema(request=s.ContactWriteSerializer, responses={201: s.ContactSerializer})
    def post(self, request):
        contact = services.create_contact(**validated(s.ContactWriteSerializer, request))
        return Response(s.ContactSerializer(contact).data, status=status.HTTP_201_CREATED)


class ContactView(APIView):
    required_permission = MANAGE

    @extend_schema(responses={200: s.ContactSerializer})
    def get(self, request, contact_id):
        """Each view of a contact is audited."""
        contact = selectors.get_contact(contact_id)
        audit("contact.viewed", actor=request.user, target=f"contact:{contact.pk}")
        return Response(s.ContactSerializer(contact).data)

    @extend_schema(request=s.ContactWriteSerializer, responses={200: s.ContactSerializer})
    def patch(self, request, contact_id):
        contact = selectors.get_contact(contact_id)
        contact = services.update_contact(contact, **validated(s.ContactWriteSerializer, request, partial=True))
        return Response(s.ContactSerializer(contact).data)

    @extend_schema(responses={204: None})
    def delete(self, request, contact_id):
        services.delete_contact(selectors.get_contact(contact_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# CSV import ---------------------------------------------------------------------------------


class ContactImportView(APIView):
    """A CSV in the multipart field `file`: good rows are imported, bad ones reported (row, field, reason)."""

    required_permission = "contacts.manage"
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": s.ImportSerializer}, responses={201: s.ContactImportSerializer})
    def post(self, request):
        data = validated(s.ImportSerializer, request)
        contact_list = data.get("list") or (services.list_named(data["list_name"]) if "list_name" in data else None)
        report = services.import_contacts(
            data["file"],
            contact_list=contact_list,
            default_region=data.get("default_region"),
            update_existing=data["update_existing"],
            file_name=data["file"].name,
            created_by=request.user,
        )
        record = selectors.get_contact_import(report["id"])
        return Response(s.ContactImportSerializer(record).data, status=status.HTTP_201_CREATED)


class ContactImportsView(generics.ListAPIView):
    required_permission = "contacts.view"
    serializer_class = s.ContactImportSerializer

    def get_queryset(self):
        return selectors.contact_imports()


class ContactImportDetailView(APIView):
    required_permission = "contacts.view"

    @extend_schema(responses={200: s.ContactImportSerializer})
    def get(self, request, import_id):
        return Response(s.ContactImportSerializer(selectors.get_contact_import(import_id)).data)


# Contact lists ------------------------------------------------------------------------------


class ContactListsView(generics.ListAPIView):
    required_permission = MANAGE
    serializer_class = s.ContactListSerializer

    def get_queryset(self):
        return selectors.contact_lists()

    @extend_schema(request=s.ContactListSerializer, responses={201: s.ContactListSerializer})
    def post(self, request):
        contact_list = services.create_contact_list(**validated(s.ContactListSerializer, request))
        return Response(
            s.ContactListSerializer(selectors.get_contact_list(contact_list.pk)).data, status=status.HTTP_201_CREATED
        )


class ContactListView(APIView):
    required_permission = MANAGE

    @extend_schema(responses={200: s.ContactListSerializer})
    def get(self, request, list_id):
        return Response(s.ContactListSerializer(selectors.get_contact_list(list_id)).data)

    @extend_schema(request=s.ContactListSerializer, responses={200: s.ContactListSerializer})
    def patch(self, request, list_id):
        contact_list = selectors.get_contact_list(list_id)
        services.update_contact_list(contact_list, **validated(s.ContactListSerializer, request, partial=True))
        return Response(s.ContactListSerializer(selectors.get_contact_list(list_id)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, list_id):
        services.delete_contact_list(selectors.get_contact_list(list_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContactListContactsView(APIView):
    """POST adds contacts to the list by id, DELETE removes them (the contacts themselves stay)."""

    required_permission = "contacts.manage"

    @extend_schema(
        request=s.MembersSerializer, responses={200: {"type": "object", "properties": {"added": {"type": "integer"}}}}
    )
    def post(self, request, list_id):
        contact_list = selectors.get_contact_list(list_id)
        added = services.add_to_list(contact_list, validated(s.MembersSerializer, request)["contacts"])
        return Response({"added": added})

    @extend_schema(
        request=s.MembersSerializer, responses={200: {"type": "object", "properties": {"removed": {"type": "integer"}}}}
    )
    def delete(self, request, list_id):
        contact_list = selectors.get_contact_list(list_id)
        removed = services.remove_from_list(contact_list, validated(s.MembersSerializer, request)["contacts"])
        return Response({"removed": removed})
