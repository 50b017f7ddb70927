"""Run agent tests: `manage.py run_agent_tests --tenant acme [--agent ID]`; exits 1 when one fails."""

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from agents.management.targets import tenant_named
from agents.models import AgentTest
from agents.services.agent_tests import run_tests


class Command(BaseCommand):
    help = "Run the saved agent tests of a tenant (or of one agent) and print a pass/fail report."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="Tenant slug.")
        parser.add_argument("--agent", type=int, help="Only this agent's tests.")

    def handle(self, *args, **options):
        with tenant_context(tenant_named(options["tenant"])):
            tests = AgentTest.objects.select_related("agent", "agent__template").order_by("agent_id", "name", "id")
            if options["agent"]:
                tests = tests.filter(agent_id=options["agent"])
            runs = run_tests(tests)
            for run in runs:
                style = self.style.SUCCESS if run.passed else self.style.ERROR
                self.stdout.write(style(f"{'PASS' if run.passed else 'FAIL'} {run.test.agent.name} / {run.test.name}"))
                for item in run.report:
                    mark = "ok  " if item["passed"] else "FAIL"
                    value = f" {item['value']!r}" if item["value"] else ""
                    self.stdout.write(f"  {mark} {item['type']}{value} ({item['detail']})")
        failed = sum(not run.passed for run in runs)
        self.stdout.write(f"{len(runs) - failed} passed, {failed} failed.")
        if failed:
            raise CommandError(f"{failed} agent test(s) failed.", returncode=1)
