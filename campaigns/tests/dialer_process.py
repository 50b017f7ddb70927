"""Dialer workers in processes of their own, for the kill/restart tests (run as a module, not collected by pytest):

    python -m campaigns.tests.dialer_process

sets Django up once, then reads commands on stdin, one a line: `<schema> <now as ISO 8601> <Twilio API URL>
[--exit-after-claim | --exit-before-twilio]`. For each it forks a dialer process, prints `started <pid>`, waits for it
and prints `exited <pid> <status>` (a negative status: killed by that signal). A dialer runs one dispatcher tick at
`now` in the tenant's schema and dials every claim, exactly what the beat task and the dial tasks do.
`--exit-after-claim` dies (exit 9) once the claims are committed, before any dial; `--exit-before-twilio` dies once
the first call row is committed, before its request reaches Twilio. Forked from a process that has set Django up but
opened no connection, each dialer starts in milliseconds instead of the seconds a new interpreter takes.
"""

import os
import sys
from datetime import datetime


def dial(schema: str, now: str, twilio_url: str, *flags: str) -> None:
    from django.conf import settings
    from django_tenants.utils import tenant_context

    from calls.twilio import client
    from campaigns.services import dispatch
    from tenants.models import Tenant

    settings.TWILIO_API_BASE_URL = twilio_url
    if "--exit-before-twilio" in flags:
        client.create_call = lambda *args, **kwargs: os._exit(9)

    at = datetime.fromisoformat(now)
    with tenant_context(Tenant.objects.get(schema_name=schema)):
        claims = dispatch.tick(now=at)
        if "--exit-after-claim" in flags:
            os._exit(9)
        for claim in claims:
            dispatch.dial(claim.attempt_id, claim.token, now=at)


def serve() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    import django

    django.setup()
    import calls.twilio.client  # noqa: F401  (imported once here, not in every dialer)
    import campaigns.services.dispatch  # noqa: F401

    for line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                dial(*line.split())
            except BaseException:
                import traceback

                traceback.print_exc()
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        print(f"started {pid}", flush=True)
        _, status = os.waitpid(pid, 0)
        print(f"exited {pid} {os.waitstatus_to_exitcode(status)}", flush=True)


if __name__ == "__main__":
    serve()
