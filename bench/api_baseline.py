"""The baseline server of `bench/api_load.py`: the platform's settings and ASGI application under the same daphne,
with one URL, a bare Django view returning a constant, and no middleware. What is left is the cost of daphne,
Django's request handling and the HTTP client, without authentication, tenants or the database.

Both a settings module (`DJANGO_SETTINGS_MODULE=bench.api_baseline`) and its own URLconf.
"""

from django.http import JsonResponse
from django.urls import path

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_baseline"
MIDDLEWARE = []


def constant(request):
    return JsonResponse({"status": "ok"})


urlpatterns = [path("bench/constant", constant)]
