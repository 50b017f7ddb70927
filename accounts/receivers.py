"""accounts' answers to other apps' signals."""

from django.dispatch import receiver

from accounts.services import add_membership
from tenants.signals import tenant_created


@receiver(tenant_created, dispatch_uid="accounts.owner_membership")
def make_owner_a_member(sender, tenant, owner, **kwargs):
    if owner is not None:
        add_membership(user=owner, tenant=tenant, role="owner")
