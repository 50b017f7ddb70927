"""billing's answers to other apps' signals."""

from django.dispatch import receiver

from billing.services import start_trial
from tenants.signals import tenant_created


@receiver(tenant_created, dispatch_uid="billing.trial")
def start_a_trial(sender, tenant, **kwargs):
    start_trial(tenant)
