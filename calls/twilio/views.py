"""Twilio's webhooks: `/api/webhooks/twilio/<tenant>/<kind>` where kind is voice, status, recording, amd,
whisper (what the person a call is transferred to hears before being bridged) or voicemail (after a
caller's message was recorded).

They arrive on the shared public host, so the tenant comes from the URL we gave Twilio; every request
must carry a valid X-Twilio-Signature made with that tenant's auth token, and a request naming our number
on the call (To of an inbound call, From of ours) must name one this tenant has claimed
(`tenants.numbers`), or it gets 403 and changes nothing. Plain Django views: Twilio sends form posts, authenticated by signature only.
"""

import logging

from django.db import connection
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_tenants.utils import tenant_context

from calls import selectors
from calls.services import controls, telephony
from calls.twilio.signature import is_signed_by_twilio, public_url
from config.api.errors import domain_error_response, error_response
from config.errors import DomainError
from tenants import numbers
from tenants.selectors import tenant_by_slug

logger = logging.getLogger(__name__)

CALLBACKS = {
    "status": telephony.record_status,
    "recording": telephony.record_recording,
    "amd": telephony.record_machine_detection,
}


def _our_number(params) -> str:
    """Our side of the call: the number called for an inbound call, the caller id of one we placed."""
    return params.get("To", "") if params.get("Direction", "inbound") == "inbound" else params.get("From", "")


def _forbidden(request):
    return error_response(request, 403, "Invalid Twilio signature.", "invalid_signature")


@csrf_exempt
@require_POST
def twilio_webhook(request, tenant_slug, kind):
    if kind not in ("voice", "whisper", "voicemail") and kind not in CALLBACKS:
        return error_response(request, 404, "Unknown Twilio webhook.", "not_found")
    tenant = tenant_by_slug(tenant_slug)
    if tenant is None:
        return _forbidden(request)
    try:
        with tenant_context(tenant):
            account = selectors.twilio_account()
            if account is None or not is_signed_by_twilio(request, account.auth_token):
                logger.warning(
                    "Rejected a Twilio %s webhook for tenant %s: bad or missing signature", kind, tenant.slug
                )
                return _forbidden(request)
            number = _our_number(request.POST) if kind != "whisper" else ""
            if number and not numbers.is_claimed_by(tenant, number):
                logger.warning(
                    "Rejected a Twilio %s webhook for tenant %s: %s is not its number", kind, tenant.slug, number
                )
                return error_response(request, 403, "This number is not this account's.", "number_not_claimed")
            call_id = request.GET.get("call_id")
            if kind == "voice":
                document = telephony.answer_voice(
                    tenant,
                    request.POST,
                    call_id=call_id,
                    public_url=public_url(request),
                    waiting_since=request.GET.get("waiting_since"),
                )
                return HttpResponse(document, content_type="text/xml")
            if kind == "voicemail":
                return HttpResponse(telephony.voicemail_done(), content_type="text/xml")
            if kind == "whisper":
                document = controls.whisper(call_id, note=request.GET.get("note", ""))
                return HttpResponse(document, content_type="text/xml")
            CALLBACKS[kind](request.POST, call_id=call_id)
            return HttpResponse(status=204)
    except DomainError as exc:
        return domain_error_response(request, exc)
    finally:
        connection.set_schema_to_public()
