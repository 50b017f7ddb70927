"""What other apps hear from tenants, so that they react without tenants importing them."""

from django.dispatch import Signal

# Sent inside create_tenant's transaction with `tenant` and `owner` (a user or None): accounts makes the owner's
# membership (accounts/apps.py).
tenant_created = Signal()
