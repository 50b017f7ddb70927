"""An API key keeps working use after use, recording its last use at most once a minute; a request without
credentials is told which scheme to use."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import ApiKey
from compliance.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_key_used_again_within_a_minute_works_and_keeps_its_recorded_use(api, alice, acme, make_api_key):
    key, secret = make_api_key(acme, alice)
    assert api(api_key=secret).get("/api/tenant").status_code == 200
    first_use = ApiKey.objects.get(pk=key.pk).last_used_at
    assert api(api_key=secret).get("/api/tenant").status_code == 200
    assert ApiKey.objects.get(pk=key.pk).last_used_at == first_use


def test_a_key_used_again_after_a_minute_records_the_new_use(api, alice, acme, make_api_key):
    key, secret = make_api_key(acme, alice)
    long_ago = timezone.now() - timedelta(minutes=5)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=long_ago)
    assert api(api_key=secret).get("/api/tenant").status_code == 200
    assert ApiKey.objects.get(pk=key.pk).last_used_at > long_ago + timedelta(minutes=4)


def test_a_request_without_credentials_is_401_naming_the_bearer_scheme(api, acme):
    response = api(None, acme).get("/api/tenant")
    assert (response.status_code, response["WWW-Authenticate"]) == (401, "Bearer")


def key_uses(tenant):
    with tenant_context(tenant):
        return list(AuditEvent.objects.filter(action="api_key.used").values_list("actor_id", "target"))


def test_a_keys_use_is_audited_naming_the_key_and_its_creator(api, alice, acme, make_api_key):
    key, secret = make_api_key(acme, alice)
    assert api(api_key=secret).get("/api/tenant").status_code == 200
    assert key_uses(acme) == [(alice.pk, f"api_key:{key.pk}")]


def test_a_key_used_on_another_tenants_host_is_audited_in_its_own_tenant_only(api, alice, acme, globex, make_api_key):
    key, secret = make_api_key(acme, alice)
    assert api(api_key=secret, tenant=globex).get("/api/tenant").status_code == 403
    assert (key_uses(acme), key_uses(globex)) == ([(alice.pk, f"api_key:{key.pk}")], [])
