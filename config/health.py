from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.redis import get_redis


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis():
    get_redis().ping()


class HealthView(APIView):
    """Liveness of PostgreSQL and Redis: 200 when both answer, 503 otherwise."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        responses={
            200: inline_serializer("Health", {"status": serializers.CharField(), "checks": serializers.DictField()}),
            503: inline_serializer("Unhealthy", {"status": serializers.CharField(), "checks": serializers.DictField()}),
        }
    )
    def get(self, request):
        checks = {}
        for name, check in (("postgresql", _check_database), ("redis", _check_redis)):
            try:
                check()
                checks[name] = "ok"
            except Exception as exc:  # any failure of a dependency is reported, not raised
                checks[name] = f"error: {type(exc).__name__}"
        healthy = all(value == "ok" for value in checks.values())
        return Response(
            {"status": "healthy" if healthy else "unhealthy", "checks": checks}, status=200 if healthy else 503
        )
