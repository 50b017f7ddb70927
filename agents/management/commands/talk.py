"""Talk to an agent in text: `manage.py talk --tenant demo [--agent ID] ["caller text" ...]`.

One sandbox turn per argument, or a prompt on stdin when none is given (end with an empty line or
Ctrl-D). The conversation is stored as a test call, like the sandbox's.
"""

from django.core.management.base import BaseCommand
from django_tenants.utils import tenant_context

from agents.management.targets import agent_in_tenant, tenant_named
from agents.services import conversations


class Command(BaseCommand):
    help = "Have a text conversation with an agent through the conversation engine."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="Tenant slug.")
        parser.add_argument("--agent", type=int, help="Agent id (default: the tenant's first active agent).")
        parser.add_argument("texts", nargs="*", help="What the caller says, one turn each.")

    def handle(self, *args, **options):
        with tenant_context(tenant_named(options["tenant"])):
            agent = agent_in_tenant(options["agent"])
            turn = conversations.start(agent)
            self._show(agent, turn)
            texts = iter(options["texts"]) if options["texts"] else self._prompt()
            for text in texts:
                if turn.result.ended:
                    break
                if options["texts"]:
                    self.stdout.write(f"Caller: {text}")
                turn = conversations.say(agent, turn.call, text)
                self._show(agent, turn)
            self.stdout.write(
                f"(session {turn.call.pk}{', ended: ' + turn.result.end_reason if turn.result.ended else ''})"
            )

    def _prompt(self):
        while True:
            try:
                text = input("Caller: ").strip()
            except EOFError:
                return
            if not text:
                return
            yield text

    def _show(self, agent, turn):
        for utterance in turn.result.utterances:
            self.stdout.write(f"{agent.name}: {utterance}")
        for action in turn.result.actions:
            outcome = "ok" if action.get("ok") else "failed"
            self.stdout.write(self.style.NOTICE(f"  [{action['name']} {outcome}] {action.get('params') or ''}"))
