"""The demo tenant `demo` with an owner login, a working agent and a campaign to look at."""

import secrets

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import User
from accounts.services import add_membership
from agents.services.demo import seed_demo_agent, seed_demo_knowledge
from billing.models import Plan
from billing.selectors import plan_of
from billing.services import assign_plan
from campaigns.services.demo import seed_demo_campaign
from scheduling.services.demo import seed_demo_calendar
from tenants.models import Tenant
from tenants.services import create_tenant, tenant_hostname

DEMO_SLUG = "demo"
DEMO_EMAIL = "owner@demo.localhost"
DEMO_PLAN = "pro"


def login_box(rows) -> str:
    """`rows` of (label, value) framed, so the login stands out among the servers' start-up logs."""
    width = max(len(label) for label, _ in rows)
    lines = [f"{label.ljust(width)}  {value}" for label, value in rows]
    rule = "+" + "-" * (max(len(line) for line in lines) + 2) + "+"
    inner = len(rule) - 4
    return "\n".join([rule, *(f"| {line.ljust(inner)} |" for line in lines), rule])


class Command(BaseCommand):
    help = "Create (or reuse) the demo tenant, its owner and its agent; print how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Owner password (default: a new random one on first run).")
        parser.add_argument(
            "--port", type=int, default=8000, help="The port the URLs printed name (scripts/run's PORT)."
        )

    @transaction.atomic
    def handle(self, *args, **options):
        user = User.objects.filter(email=DEMO_EMAIL).first()
        password = options["password"]
        if user is None:
            password = password or f"Demo-{secrets.token_urlsafe(9)}1"
            user = User.objects.create_user(DEMO_EMAIL, password, name="Demo Owner", email_verified_at=timezone.now())
        elif password:
            user.set_password(password)
            user.save(update_fields=["password"])
        tenant = Tenant.objects.filter(slug=DEMO_SLUG).first() or create_tenant(
            name="Demo Dental Clinic", slug=DEMO_SLUG, timezone="America/New_York"
        )
        add_membership(user=user, tenant=tenant, role="owner")
        if plan_of(tenant).slug != DEMO_PLAN:
            # Its template branches and it has a campaign: the demo shows what Pro includes, with no trial ending.
            assign_plan(tenant, Plan.objects.get(slug=DEMO_PLAN))
        agent, campaign_line = self._seed_agent(tenant)
        url = f"http://{tenant_hostname(DEMO_SLUG)}:{options['port']}/"
        self.stdout.write(campaign_line)
        self.stdout.write(
            login_box(
                [
                    ("Dashboard", url),
                    ("Tenant admin", f"{url}admin/"),
                    ("Owner login", DEMO_EMAIL),
                    ("Password", password or "set on an earlier run (to reset: DEMO_PASSWORD=<new> scripts/run)"),
                    ("Demo agent", f"#{agent.pk} {agent.name}: scripts/manage talk --tenant demo"),
                ]
            )
        )

    def _seed_agent(self, tenant):
        with tenant_context(tenant):
            agent = seed_demo_agent(tenant)
            seed_demo_knowledge(agent)
            seed_demo_calendar()
            campaign = seed_demo_campaign(agent)
            leads = campaign.contact_list.contacts.count()
        return agent, f"Demo campaign (draft, {leads} leads): #{campaign.pk} {campaign.name}"
