"""add_dnc_entry rules that mutation testing of compliance/services.py found unguarded: the field a refusal names,
and what the audit entry of an added number holds."""

import pytest
from django_tenants.utils import tenant_context

from calls.tests.factories import CallFactory
from compliance.models import AuditEvent, DncEntry
from compliance.services import add_dnc_entry, opt_out
from config.errors import DomainError

pytestmark = pytest.mark.django_db

NUMBER = "+14155550123"


def test_an_invalid_number_added_to_the_list_is_refused_naming_the_number_field(acme):
    with tenant_context(acme), pytest.raises(DomainError) as refused:
        add_dnc_entry("call me")
    assert (refused.value.error_code, list(refused.value.errors)) == ("invalid_number", ["number"])


def test_a_number_added_by_hand_is_audited_with_its_source_and_reason_alone(acme, amy):
    with tenant_context(acme):
        add_dnc_entry(NUMBER, reason="Asked by letter", actor=amy)
        event = AuditEvent.objects.get(action="dnc.added")
    assert event.data == {"source": "manual", "reason": "Asked by letter"}


def test_an_opt_out_during_a_call_is_audited_with_that_call(acme):
    with tenant_context(acme):
        call = CallFactory()
        opt_out(NUMBER, source=DncEntry.Source.OPT_OUT_DTMF, reason="Pressed 9", call_id=call.pk)
        event = AuditEvent.objects.get(action="dnc.added")
    assert event.data == {"source": "opt_out_dtmf", "reason": "Pressed 9", "call_id": call.pk}
