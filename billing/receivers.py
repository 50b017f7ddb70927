"""billing's answers to other apps' signals."""

from django.dispatch import receiver

from billing.services import cancel_on_close, start_trial
from tenants.signals import tenant_closed, tenant_created


@receiver(tenant_created, dispatch_uid="billing.trial")
def start_a_trial(sender, tenant, **kwargs):
    start_trial(tenant)


@receiver(tenant_closed, dispatch_uid="billing.cancel_on_close")
def stop_billing_a_closed_tenant(sender, tenant, **kwargs):
    cancel_on_close(tenant)
