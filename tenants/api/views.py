from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.validation import validated
from config.errors import NotFound
from config.proxies import client_ip
from tenants import services
from tenants.api import serializers as s
from tenants.branding import own_logo_path
from tenants.models import Domain


class CurrentTenantView(APIView):
    required_permission = {"GET": "tenant.view", "PATCH": "tenant.manage", "DELETE": "tenant.close"}

    @extend_schema(responses={200: s.TenantSerializer})
    def get(self, request):
        return Response(s.TenantSerializer(request.tenant).data)

    @extend_schema(request=s.TenantUpdateSerializer, responses={200: s.TenantSerializer})
    def patch(self, request):
        tenant = services.update_tenant(request.tenant, **validated(s.TenantUpdateSerializer, request))
        return Response(s.TenantSerializer(tenant).data)

    @extend_schema(request=s.TenantCloseSerializer, responses={202: s.TenantClosedSerializer})
    def delete(self, request):
        """Owners close the tenant: suspended at once, its data deleted after the grace period. Export what you
        need first (`POST /api/compliance/exports`, `GET /api/analytics/export`); `confirm` must be the slug."""
        validated(s.TenantCloseSerializer, request, context={"tenant": request.tenant})
        tenant = services.close_tenant(request.tenant, actor=request.user)
        return Response(s.TenantClosedSerializer(tenant).data, status=status.HTTP_202_ACCEPTED)


class IpAllowlistView(APIView):
    """Where the tenant's API and dashboard may be reached from, by client IP (behind our trusted proxies)."""

    required_permission = {"GET": "tenant.view", "PUT": "tenant.manage"}

    @extend_schema(responses={200: s.IpAllowlistSerializer})
    def get(self, request):
        return Response({"ranges": request.tenant.ip_allowlist})

    @extend_schema(request=s.IpAllowlistSerializer, responses={200: s.IpAllowlistSerializer})
    def put(self, request):
        ranges = validated(s.IpAllowlistSerializer, request)["ranges"]
        tenant = services.set_ip_allowlist(request.tenant, ranges, actor=request.user, caller_ip=client_ip(request))
        return Response({"ranges": tenant.ip_allowlist})


class DomainsView(generics.ListAPIView):
    required_permission = {"GET": "tenant.view", "POST": "tenant.manage"}
    serializer_class = s.DomainSerializer

    def get_queryset(self):
        return Domain.objects.filter(tenant=self.request.tenant)

    @extend_schema(request=s.DomainCreateSerializer, responses={201: s.DomainSerializer})
    def post(self, request):
        domain = services.add_custom_domain(request.tenant, validated(s.DomainCreateSerializer, request)["domain"])
        return Response(s.DomainSerializer(domain).data, status=status.HTTP_201_CREATED)


class DomainVerificationView(APIView):
    """Checks the domain's DNS TXT record now (a task also checks pending domains every few minutes)."""

    required_permission = "tenant.manage"

    @extend_schema(request=None, responses={200: s.DomainSerializer})
    def post(self, request, domain_id):
        domain = Domain.objects.filter(tenant=request.tenant, pk=domain_id).first()
        if domain is None:
            raise NotFound("No such domain.")
        services.verify_domain(domain)
        return Response(s.DomainSerializer(domain).data)


class LogoView(APIView):
    """PUT a logo (multipart `logo`: PNG, JPEG or WebP, no SVG) shown on the tenant's pages and emails, served from its
    own host; DELETE it (a client shows its agency's again)."""

    required_permission = "tenant.manage"
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": s.LogoUploadSerializer}, responses={200: s.LogoSerializer})
    def put(self, request):
        upload = validated(s.LogoUploadSerializer, request)["logo"]
        services.set_logo(request.tenant, upload, actor=request.user)
        return Response({"logo_url": own_logo_path(request.tenant)})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        services.remove_logo(request.tenant, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
