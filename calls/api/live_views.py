"""Staff controls of a live call over HTTP; the live WebSocket (`calls.live`) takes the same controls."""
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from calls import selectors
from calls.api import serializers as s
from calls.services import controls
from config.api.validation import validated


class CallControlView(APIView):
    """POST `{"action": "hold"|"resume"|"mute"|"unmute"|"transfer"|"takeover"|"end", ...}` → the call.

    409 `call_finished` on an ended call, `invalid_transition` when the control does not apply now."""

    required_permission = "calls.manage"

    @extend_schema(request=s.CallControlSerializer, responses={200: s.CallSerializer})
    def post(self, request, call_id):
        call = selectors.get_call(call_id)
        call = controls.control_call(request.tenant, call, actor=request.user,
                                     **validated(s.CallControlSerializer, request))
        return Response(s.CallSerializer(call).data)
