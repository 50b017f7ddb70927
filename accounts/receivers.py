"""accounts' answers to other apps' signals."""

from django.dispatch import receiver

from accounts.models import Membership
from accounts.services import add_membership
from tenants.signals import tenant_created


@receiver(tenant_created, dispatch_uid="accounts.owner_membership")
def make_owner_a_member(sender, tenant, owner, **kwargs):
    """The creator owns the new tenant; a client tenant is also owned by every owner of its agency."""
    owners = {owner} if owner is not None else set()
    if tenant.parent_id is not None:
        agency_owners = Membership.objects.filter(tenant_id=tenant.parent_id, role="owner").select_related("user")
        owners.update(membership.user for membership in agency_owners)
    for user in owners:
        add_membership(user=user, tenant=tenant, role="owner")
