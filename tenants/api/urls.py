from django.urls import path

from tenants.api import views

urlpatterns = [
    path("tenant", views.CurrentTenantView.as_view(), name="tenant"),
    path("tenant/logo", views.LogoView.as_view(), name="tenant-logo"),
    path("tenant/ip-allowlist", views.IpAllowlistView.as_view(), name="tenant-ip-allowlist"),
    path("tenant/domains", views.DomainsView.as_view(), name="tenant-domains"),
    path("tenant/domains/<int:domain_id>/verify", views.DomainVerificationView.as_view(), name="tenant-domain-verify"),
]
