"""opt_out: the recipient's request joins the tenant's DNC list at once, once, with an audit event."""

import pytest
from django_tenants.utils import tenant_context

from compliance.models import AuditEvent, DncEntry
from compliance.services import blocked_numbers, opt_out
from config.errors import DomainError

pytestmark = pytest.mark.django_db

NUMBER = "+14155550123"


def test_an_opt_out_blocks_the_number_and_is_audited(acme, mike):
    with tenant_context(acme):
        entry = opt_out(
            "+1 415 555 0123", source=DncEntry.Source.OPT_OUT_SPOKEN, reason="Said 'stop calling me'", actor=mike
        )
        assert (entry.number, entry.source, entry.reason) == (NUMBER, "opt_out_spoken", "Said 'stop calling me'")
        assert blocked_numbers([NUMBER]) == {NUMBER}
        [event] = AuditEvent.objects.all()
    assert (event.action, event.target, event.data["source"]) == ("dnc.added", NUMBER, "opt_out_spoken")
    assert event.actor_label == mike.email


def test_opting_out_twice_keeps_one_entry_and_one_audit_event(acme):
    with tenant_context(acme):
        first = opt_out(NUMBER, source=DncEntry.Source.OPT_OUT_DTMF)
        second = opt_out(NUMBER, source=DncEntry.Source.OPT_OUT_SPOKEN)
        assert first.pk == second.pk and (second.source, second.reason) == ("opt_out_dtmf", "")
        assert DncEntry.objects.count() == 1 and AuditEvent.objects.count() == 1


def test_an_opt_out_stays_in_its_own_tenant(acme, globex):
    with tenant_context(acme):
        opt_out(NUMBER, source=DncEntry.Source.API)
    assert blocked_numbers([NUMBER], tenant=globex) == set()


def test_an_opt_out_of_an_invalid_number_is_refused(acme):
    with tenant_context(acme), pytest.raises(DomainError) as error:
        opt_out("12", source=DncEntry.Source.API)
    assert error.value.error_code == "invalid_number"


def test_an_unknown_source_is_a_programming_error(acme):
    with tenant_context(acme), pytest.raises(ValueError):
        opt_out(NUMBER, source="carrier_pigeon")
