from django.db.models import Prefetch

from config.errors import NotFound
from webhooks.models import Attempt, Delivery, Endpoint


def endpoints():
    return Endpoint.objects.all()


def deliveries_of(endpoint: Endpoint):
    return Delivery.objects.filter(endpoint=endpoint).prefetch_related(
        Prefetch("attempt_log", queryset=Attempt.objects.order_by("number"))
    )


def get_endpoint(endpoint_id) -> Endpoint:
    endpoint = Endpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound("No such webhook endpoint.")
    return endpoint
