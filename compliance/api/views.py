import json

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import tenant_context
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, renderers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiKey
from compliance import dnc_csv, privacy, selectors, services
from compliance.api import serializers as s
from compliance.models import DncEntry
from config.api.parsers import JSONParser
from config.api.validation import validated, validated_query
from config.csv import lines
from config.errors import DomainError
from contacts.selectors import get_contact

MAX_IMPORT_BYTES = 64 * 1024 * 1024
# Larger CSV files (about 50,000 rows) are imported by a Celery task: a million rows take over a minute.
SYNC_IMPORT_BYTES = 1024 * 1024


class DncListView(generics.ListAPIView):
    """The tenant's Do-Not-Call list (on an agency's host: the agency-wide list, which also blocks its
    clients' calls)."""

    required_permission = {"GET": "compliance.view", "POST": "compliance.manage"}
    serializer_class = s.DncEntrySerializer

    @extend_schema(parameters=[OpenApiParameter("search", str, description="The start of the number.")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.dnc_entries(search=validated_query(s.DncSearchSerializer, self.request)["search"])

    @extend_schema(request=s.DncEntryCreateSerializer, responses={201: s.DncEntrySerializer, 200: s.DncEntrySerializer})
    def post(self, request):
        """Idempotent: 201 with the new entry, 200 with the existing one when the number is listed already."""
        data = validated(s.DncEntryCreateSerializer, request)
        source = DncEntry.Source.API if isinstance(request.auth, ApiKey) else DncEntry.Source.MANUAL
        entry, created = services.add_dnc_entry(
            data["number"], source=source, reason=data["reason"], actor=request.user
        )
        return Response(
            s.DncEntrySerializer(entry).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class DncEntryView(APIView):
    required_permission = {"GET": "compliance.view", "*": "compliance.manage"}

    @extend_schema(responses={200: s.DncEntrySerializer})
    def get(self, request, entry_id):
        return Response(s.DncEntrySerializer(selectors.get_dnc_entry(entry_id)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, entry_id):
        services.remove_dnc_entry(selectors.get_dnc_entry(entry_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DncImportView(APIView):
    """Bulk add: a CSV file (multipart field `file`; a `number` column, or the number first and the reason
    second) or JSON `{"numbers": [...], "reason": ""}`. Bad rows are reported by row and skipped. A CSV over
    1 MB is imported in the background: 202 with the import job, to follow at its Location."""

    required_permission = "compliance.manage"
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        request=s.DncImportJsonSerializer, responses={200: s.DncImportReportSerializer, 202: s.DncImportJobSerializer}
    )
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is not None:
            if upload.size > MAX_IMPORT_BYTES:
                raise services.ImportTooLarge(
                    f"The file is larger than {MAX_IMPORT_BYTES // 2**20} MB.",
                    errors={"file": ["Too large; split it."]},
                )
            if upload.size > SYNC_IMPORT_BYTES:
                job = services.start_dnc_import(upload.read(), filename=upload.name or "", actor=request.user)
                location = reverse("compliance-dnc-import-job", kwargs={"job_id": job.pk})
                return Response(
                    s.DncImportJobSerializer(job).data,
                    status=status.HTTP_202_ACCEPTED,
                    headers={"Location": request.build_absolute_uri(location)},
                )
            rows = dnc_csv.read_rows(upload)
        elif request.content_type.startswith("multipart/"):
            raise DomainError("Upload the CSV as the `file` field.", errors={"file": ["This field is required."]})
        else:
            data = validated(s.DncImportJsonSerializer, request)
            rows = ((index, value.strip(), data["reason"]) for index, value in enumerate(data["numbers"], 1))
        report = services.import_dnc(rows, actor=request.user)
        return Response(s.DncImportReportSerializer(report).data)


class DncImportJobsView(generics.ListAPIView):
    required_permission = "compliance.view"
    serializer_class = s.DncImportJobSerializer

    def get_queryset(self):
        return selectors.dnc_imports()


class DncImportJobView(APIView):
    required_permission = "compliance.view"

    @extend_schema(responses={200: s.DncImportJobSerializer})
    def get(self, request, job_id):
        return Response(s.DncImportJobSerializer(selectors.get_dnc_import(job_id)).data)


class DncCheckView(APIView):
    """Whether a number may be dialed now: on a DNC list (own or agency), inside the calling hours."""

    required_permission = "compliance.view"

    @extend_schema(parameters=[s.DncCheckQuerySerializer], responses={200: s.DncCheckSerializer})
    def get(self, request):
        query = validated_query(s.DncCheckQuerySerializer, request)
        number, now = query["number"], timezone.now()
        lists = sorted({label for _, label in selectors.dnc_matches([number])}, key=["own", "agency"].index)
        zones, allowed = selectors.calling_hours(number, at=now, timezone_hint=query["timezone"])
        return Response(
            s.DncCheckSerializer(
                {
                    "number": number,
                    "blocked": bool(lists),
                    "lists": lists,
                    "timezones": zones,
                    "calling_hours_now": allowed == now,
                    "next_allowed_at": allowed,
                }
            ).data
        )


class ComplianceSettingsView(APIView):
    required_permission = {"GET": "compliance.view", "PUT": "compliance.manage"}

    @extend_schema(responses={200: s.ComplianceSettingsSerializer})
    def get(self, request):
        return Response(s.ComplianceSettingsSerializer(selectors.compliance_settings()).data)

    @extend_schema(request=s.ComplianceSettingsSerializer, responses={200: s.ComplianceSettingsSerializer})
    def put(self, request):
        settings = services.update_settings(**validated(s.ComplianceSettingsSerializer, request), actor=request.user)
        return Response(s.ComplianceSettingsSerializer(settings).data)


class AuditLogView(generics.ListAPIView):
    """The tenant's audit log, newest first (owners and admins). `format=csv` streams every matching entry as CSV;
    that export is itself audited."""

    required_permission = "compliance.view"
    serializer_class = s.AuditEntrySerializer

    def perform_content_negotiation(self, request, force=False):
        """`format` is this view's own parameter (validated below), not DRF's renderer switch; errors are JSON."""
        return renderers.JSONRenderer(), renderers.JSONRenderer.media_type

    def filters(self):
        query = dict(validated_query(s.AuditQuerySerializer, self.request))
        return query.pop("format"), query

    def get_queryset(self):
        return selectors.audit_entries(**self.filters()[1])

    @extend_schema(
        parameters=[s.AuditQuerySerializer], responses={200: s.AuditEntrySerializer(many=True), (200, "text/csv"): str}
    )
    def get(self, request, *args, **kwargs):
        format_, filters = self.filters()
        if format_ == "json":
            return super().get(request, *args, **kwargs)
        services.record_audit_event(
            action="audit_log.exported",
            actor=request.user,
            target="audit_log",
            data={name: str(value) for name, value in filters.items() if value not in (None, "")},
        )
        entries = selectors.audit_entries(**filters)
        tenant = request.tenant

        def rows():
            # Streaming runs after the middleware has put the connection back on the public schema.
            with tenant_context(tenant):
                yield from lines([s.AUDIT_COLUMNS])
                yield from lines(_audit_row(entry) for entry in entries.iterator(chunk_size=500))

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-log-{tenant.slug}.csv"'
        return response


def _audit_row(entry) -> list:
    values = {column: getattr(entry, column) for column in s.AUDIT_COLUMNS}
    values["created_at"] = entry.created_at.isoformat()
    values["target"], data = entry.shown_target, entry.shown_data
    values["data"] = json.dumps(data, sort_keys=True) if data else ""
    return [values[column] for column in s.AUDIT_COLUMNS]


class ExportsView(APIView):
    """A zip of everything held about a contact (its row, calls, transcripts, recordings, appointments, consent
    answers, DNC entries, notes), about a member, or (`{"tenant": true}`, owners only) everything the tenant holds,
    built in the background: 202, then follow the export."""

    required_permission = "compliance.manage"

    @extend_schema(request=s.ExportRequestSerializer, responses={202: s.DataExportSerializer})
    def post(self, request):
        export = privacy.request_export(**validated(s.ExportRequestSerializer, request), actor=request.user)
        location = reverse("compliance-export", kwargs={"export_id": export.pk})
        return Response(
            s.DataExportSerializer(export, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": request.build_absolute_uri(location)},
        )


class ExportView(APIView):
    required_permission = "compliance.manage"

    @extend_schema(responses={200: s.DataExportSerializer})
    def get(self, request, export_id):
        return Response(s.DataExportSerializer(selectors.get_export(export_id), context={"request": request}).data)


class ExportDownloadView(APIView):
    """The zip, once, for its requester, with the signed link's token; it leaves storage as it is sent."""

    required_permission = "compliance.manage"

    @extend_schema(parameters=[s.DownloadQuerySerializer], responses={(200, "application/zip"): bytes})
    def get(self, request, export_id):
        token = validated_query(s.DownloadQuerySerializer, request)["token"]
        filename, content = privacy.take_export(export_id, token, actor=request.user)
        response = HttpResponse(content, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response


class ErasuresView(APIView):
    """Erases a contact, or whoever a number belongs to: nothing about them stays retrievable; an opted-out number
    stays blocked as a hash. Audited without the erased data."""

    required_permission = "compliance.manage"

    @extend_schema(request=s.ErasureRequestSerializer, responses={200: s.ErasureSerializer})
    def post(self, request):
        data = validated(s.ErasureRequestSerializer, request)
        contact = get_contact(data["contact"]) if "contact" in data else None
        erasure = privacy.erase(contact=contact, number=data.get("number", ""), actor=request.user)
        return Response(s.ErasureSerializer(erasure).data)
