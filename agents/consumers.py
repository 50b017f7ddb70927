"""`/ws/agents/{id}/sandbox/`: the sandbox conversation, live.

Client → `{"type": "start", "variables": {...}}` or `{"type": "say", "text": "..."}`;
server → `{"type": "reply", ...}` (the same body as the sandbox API) or `{"type": "error", ...}`.
Every DB call runs through `in_tenant`, with the agent looked up again each time.
"""

import json

from accounts.consumers import TenantMemberConsumer
from accounts.roles import role_has
from agents import selectors
from agents.api.serializers import SandboxReplySerializer
from agents.models import Agent
from agents.services import conversations
from config.errors import DomainError
from tenants.channels import CLOSE_FORBIDDEN, CLOSE_NO_TENANT, in_tenant


@in_tenant
def _agent_exists(tenant, agent_id):
    return Agent.objects.filter(pk=agent_id).exists()


@in_tenant
def _start(tenant, agent_id, variables):
    agent = selectors.get_agent(agent_id)
    return dict(SandboxReplySerializer(conversations.start(agent, variables=variables)).data)


@in_tenant
def _say(tenant, agent_id, session_id, text):
    agent = selectors.get_agent(agent_id)
    turn = conversations.say(agent, conversations.get_session(agent, session_id), text)
    return dict(SandboxReplySerializer(turn).data)


def _error(error_code, detail, errors=None):
    return json.dumps({"type": "error", "error_code": error_code, "detail": detail, "errors": errors or {}})


class SandboxConsumer(TenantMemberConsumer):
    session_id = None

    async def accept(self, subprotocol=None, headers=None):
        # Called by TenantMemberConsumer.connect once the user is a member of the tenant.
        self.agent_id = self.scope["url_route"]["kwargs"]["agent_id"]
        if not role_has(self.membership.role, "agents.view"):
            await self.close(code=CLOSE_FORBIDDEN)
        elif not await _agent_exists(self.tenant, self.agent_id):
            await self.close(code=CLOSE_NO_TENANT)
        else:
            await super().accept(subprotocol, headers)

    async def receive(self, text_data=None, bytes_data=None):
        try:
            message = json.loads(text_data or "")
        except json.JSONDecodeError:
            await self.send(_error("malformed_json", "Send JSON."))
            return
        kind = message.get("type") if isinstance(message, dict) else None
        try:
            if kind == "start":
                variables = message.get("variables") or {}
                if not isinstance(variables, dict):
                    await self.send(
                        _error(
                            "validation_error", "variables must be an object.", {"variables": ["Expected an object."]}
                        )
                    )
                    return
                reply = await _start(self.tenant, self.agent_id, variables)
            elif kind == "say":
                text = message.get("text")
                if not isinstance(text, str) or not text.strip():
                    await self.send(
                        _error("validation_error", "Say something: send `text`.", {"text": ["This field is required."]})
                    )
                    return
                if self.session_id is None:
                    await self.send(_error("no_session", 'Send {"type": "start"} first.'))
                    return
                reply = await _say(self.tenant, self.agent_id, self.session_id, text[:2000])
            else:
                await self.send(_error("unknown_type", "Expected type 'start' or 'say'."))
                return
        except DomainError as exc:
            await self.send(_error(exc.error_code, exc.detail, exc.errors))
            return
        self.session_id = reply["session_id"]
        await self.send(json.dumps({"type": "reply", **reply}))
