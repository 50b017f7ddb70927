"""Staff controls of a live call over HTTP (the live WebSocket, `calls.live`, takes the same controls), and the
secret that signs what live calls send to webhooks."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from calls import selectors
from calls.api import serializers as s
from calls.services import actions, controls
from config.api.validation import validated


class CallControlView(APIView):
    """POST `{"action": "hold"|"resume"|"mute"|"unmute"|"transfer"|"takeover"|"end", ...}` → the call.

    409 `call_finished` on an ended call, `invalid_transition` when the control does not apply now."""

    required_permission = "calls.manage"

    @extend_schema(request=s.CallControlSerializer, responses={200: s.CallSerializer})
    def post(self, request, call_id):
        call = selectors.get_call(call_id)
        call = controls.control_call(
            request.tenant, call, actor=request.user, **validated(s.CallControlSerializer, request)
        )
        return Response(s.CallSerializer(call).data)


class WebhookSecretView(APIView):
    """The secret that signs the flows' `webhook` action requests (`Webhook-Signature`); POST replaces it."""

    required_permission = "calls.manage"

    @extend_schema(responses={200: s.WebhookSecretSerializer})
    def get(self, request):
        return Response({"secret": actions.webhook_secret()})

    @extend_schema(request=None, responses={200: s.WebhookSecretSerializer})
    def post(self, request):
        return Response({"secret": actions.rotate_webhook_secret()})
