"""What other apps hear from tenants, so that they react without tenants importing them."""

from django.dispatch import Signal

# Sent inside create_tenant's transaction with `tenant` and `owner` (a user or None): accounts makes the owner's
# membership (accounts/apps.py).
tenant_created = Signal()

# Sent inside close_tenant's transaction with `tenant`: billing stops its Stripe subscription (billing/receivers.py).
tenant_closed = Signal()

# Sent with `tenant` before a closed tenant and its schema are deleted: apps delete what they keep outside the database
# (compliance: its recordings and exports in storage).
tenant_deleting = Signal()
