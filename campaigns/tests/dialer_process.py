"""A dialer worker in its own process, for the kill/restart tests (run as a module, not collected by pytest):

    python -m campaigns.tests.dialer_process <schema> <now as ISO 8601> [--exit-after-claim | --exit-before-twilio]

Runs one dispatcher tick at `now` in the tenant's schema and dials every claim, exactly what the beat task and
the dial tasks do. `--exit-after-claim` dies (exit 9) once the claims are committed, before any dial;
`--exit-before-twilio` dies once the first call row is committed, before its request reaches Twilio.
"""

import os
import sys
from datetime import datetime


def main(schema: str, now: str, *flags: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    import django

    django.setup()
    from django_tenants.utils import tenant_context

    from calls.twilio import client
    from campaigns.services import dispatch
    from tenants.models import Tenant

    if "--exit-before-twilio" in flags:
        client.create_call = lambda *args, **kwargs: os._exit(9)

    at = datetime.fromisoformat(now)
    with tenant_context(Tenant.objects.get(schema_name=schema)):
        claims = dispatch.tick(now=at)
        if "--exit-after-claim" in flags:
            os._exit(9)
        for claim in claims:
            dispatch.dial(claim.attempt_id, claim.token, now=at)


if __name__ == "__main__":
    main(*sys.argv[1:])
