"""A schema-driven fuzz of the whole API against a live server (daphne, in a process of its own) with two tenants.

Alice (owner of acme) sends, to every operation of the OpenAPI schema, a few requests that fit the schema (with the
ids of acme's own objects in the path) and a few that do not (any ids, any types). Every answer must be a 2xx or a
documented 4xx whose body matches the schema: never a 5xx, an undocumented status or a body the schema does not
describe. Then Alice sends every operation that takes an id to globex's objects (none may succeed) and every read
without ids to globex's host; no answer to Alice may carry globex's data.

Bounded so that it stays a standing guard, not a soak: a few examples per operation, generated deterministically
(the same requests on every run), no shrinking. Operations left out, and why, are in `EXCLUDED`.
"""

import re
import time
from collections import Counter, defaultdict

import pytest
import requests
import schemathesis
from django.db import connection, transaction
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.tests.factories import access_token
from agents.models import Agent
from agents.tests.factories import AgentFactory
from calls.tests.factories import CallFactory, PhoneNumberFactory
from campaigns.models import Campaign
from campaigns.tests.factories import CampaignFactory
from compliance.tests.factories import DncEntryFactory
from config.tests.servers import web_server
from contacts.models import Contact
from contacts.tests.factories import ContactFactory, ContactListFactory
from tenants.models import Tenant

pytestmark = pytest.mark.slow

EXAMPLES = 4  # per operation and generation mode
REQUEST_ID = "x-request-id"
MARKER = "globex-secret"  # in the names of globex's objects: no answer to acme may contain it
EXCLUDED = {
    # Each creates a tenant (a schema of its own, a second or more per example); their bad input is tested in
    # accounts/tests and tenants/tests.
    ("POST", "/api/auth/register"),
    ("POST", "/api/agency/clients"),
}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# The public tables the fuzz may change through Alice (her profile, her team, keys, domains): put back afterwards,
# since the personas are shared by the whole run.
PUBLIC_TABLES = [
    "accounts_user",
    "accounts_membership",
    "accounts_invitation",
    "accounts_apikey",
    "tenants_tenant",
    "tenants_domain",
    "tenants_phonenumberclaim",
]


def seed(tenant, name, first_id=1):
    """One of each object the API reads by id, named so that it can be recognised, with ids from `first_id` on
    (each tenant's ids start at 1 in a schema of its own: the other tenant's objects must have ids of their own)."""
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(format('%%I.%%I', schemaname, sequencename), %s, false) FROM pg_sequences "
            "WHERE schemaname = %s",
            [first_id, tenant.schema_name],
        )
        agent = AgentFactory(name=f"{name} agent")
        contact = ContactFactory(first_name=name)
        contact_list = ContactListFactory(name=f"{name} list", contacts=[contact])
        campaign = CampaignFactory(name=f"{name} campaign", agent=agent, contact_list=contact_list)
        call = CallFactory(agent=agent, summary=f"{name} call")
        number = PhoneNumberFactory(friendly_name=f"{name} line", agent=agent)
        entry = DncEntryFactory(reason=f"{name} opt-out")
    return {
        "agent_id": agent.id,
        "contact_id": contact.id,
        "list_id": contact_list.id,
        "campaign_id": campaign.id,
        "call_id": call.id,
        "number_id": number.id,
        "entry_id": entry.id,
    }


@pytest.fixture
def public_rows_restored(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            for table in PUBLIC_TABLES:
                cursor.execute(f"CREATE TEMP TABLE snapshot_{table} AS SELECT * FROM {table}")
        yield
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in PUBLIC_TABLES:
                cursor.execute(f"DELETE FROM {table}")
                cursor.execute(f"INSERT INTO {table} SELECT * FROM snapshot_{table}")
                cursor.execute(f"DROP TABLE snapshot_{table}")


@pytest.fixture
def two_tenants(public_rows_restored, committed_db):
    acme, globex = Tenant.objects.get(slug="acme"), Tenant.objects.get(slug="globex")
    return seed(acme, "acme"), seed(globex, MARKER, first_id=1000)


class Findings:
    def __init__(self):
        self.by_operation = defaultdict(list)
        self.statuses = Counter()  # (generation mode, status code)
        self.succeeded = set()  # operations that answered a 2xx at least once

    def add(self, operation, problem):
        self.by_operation[operation].append(problem)

    def __len__(self):
        return sum(len(problems) for problems in self.by_operation.values())

    def report(self):
        return "\n".join(
            f"{operation}:\n    " + "\n    ".join(dict.fromkeys(problems))
            for operation, problems in sorted(self.by_operation.items())
        )


def fuzz(operation, mode, call, findings, path_parameters=None):
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @given(strategy)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = call(case)
        findings.statuses[mode.value, response.status_code] += 1
        if response.status_code < 300:
            findings.succeeded.add(operation.label)
        if REQUEST_ID not in response.headers:
            # Refused by the HTTP server before the platform saw it (e.g. Twisted's own bare 400 for a multipart body
            # it cannot parse): no body of ours to check against the schema, but never a 5xx.
            if response.status_code >= 500:
                findings.add(operation.label, f"{response.status_code} from the server itself")
            return
        try:
            case.validate_response(response, checks=CHECKS)
        except (AssertionError, BaseExceptionGroup) as failure:  # one failed check, or a group of them
            for problem in getattr(failure, "exceptions", [failure]):
                findings.add(operation.label, f"{response.status_code}: {_first_line(problem)}")
        if response.status_code >= 500:
            findings.add(operation.label, f"{response.status_code} for: {case.as_curl_command()[:600]}")
        if MARKER.encode() in response.content.lower():
            findings.add(operation.label, f"{response.status_code}: globex's data in the answer to acme")

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid: an operation without parameters or body
        pass


def can_be_made_invalid(operation):
    """False for an operation whose only input is a path parameter taking any string: no request breaks its schema,
    and the search for one ran for seconds before giving up."""
    return bool(
        list(operation.body) or list(operation.query) or list(operation.headers) or list(operation.cookies)
    ) or any(parameter.definition.get("schema") != {"type": "string"} for parameter in operation.path_parameters)


def _first_line(problem):
    title = getattr(problem, "title", None) or type(problem).__name__
    message = str(getattr(problem, "message", "") or problem).strip().splitlines()
    where = "/".join(str(part) for part in getattr(problem, "instance_path", []))
    return f"{title}: {message[0] if message else ''}{f' at {where}' if where else ''}"[:300]


def ordered(operations):
    """Deletes last, so that the objects the other operations read still exist."""
    return sorted(operations, key=lambda operation: (operation.method.upper() == "DELETE", operation.label))


def test_the_api_answers_every_request_as_its_schema_says_and_keeps_tenants_apart(two_tenants, fake_http):
    acme_ids, globex_ids = two_tenants
    started = time.monotonic()
    with web_server(
        TWILIO_API_BASE_URL=fake_http.url,
        GOOGLE_CALENDAR_API_BASE_URL=fake_http.url,
        MICROSOFT_GRAPH_BASE_URL=fake_http.url,
        CALENDLY_API_BASE_URL=fake_http.url,
        GOOGLE_OAUTH_CLIENT_ID="fuzz",
        GOOGLE_OAUTH_CLIENT_SECRET="fuzz",
        GOOGLE_OAUTH_TOKEN_URL=f"{fake_http.url}/token",
        MICROSOFT_OAUTH_CLIENT_ID="fuzz",
        MICROSOFT_OAUTH_CLIENT_SECRET="fuzz",
        MICROSOFT_OAUTH_AUTHORITY=fake_http.url,
    ) as server:
        session = requests.Session()
        headers = {"Host": "acme.localhost", "Authorization": f"Bearer {access_token_of_alice()}"}
        schema = schemathesis.openapi.from_url(f"{server.url}/api/schema/?format=json", headers={"Host": "localhost"})
        operations = [
            result.ok()
            for result in schema.get_all_operations()
            if (result.ok().method.upper(), result.ok().path) not in EXCLUDED
        ]

        def call(case):
            return case.call(base_url=server.url, session=session, headers=headers, timeout=30)

        findings = Findings()
        for operation in ordered(operations):
            own = {name: acme_ids[name] for name in _path_names(operation) if name in acme_ids}
            fuzz(operation, GenerationMode.POSITIVE, call, findings, path_parameters=own or None)
            if can_be_made_invalid(operation):
                fuzz(operation, GenerationMode.NEGATIVE, call, findings)
        cross = cross_tenant(operations, globex_ids, session, server.url, headers, findings)
        elapsed = time.monotonic() - started
        with tenant_context(Tenant.objects.get(slug="globex")):
            assert Agent.objects.filter(pk=globex_ids["agent_id"]).exists()
            assert Campaign.objects.filter(pk=globex_ids["campaign_id"]).exists()
            assert Contact.objects.filter(pk=globex_ids["contact_id"]).exists()
        print(f"\nfuzz: {len(operations)} operations, {cross} cross-tenant requests, {elapsed:.1f} s")
        print(f"answers: {sorted(findings.statuses.items())}; {len(findings.succeeded)} operations answered a 2xx")
        # Alice's credentials worked: most operations did what they are for at least once (a run answered only
        # with 401s or 429s would check nothing but error bodies).
        assert len(findings.succeeded) >= len(operations) // 2, sorted(findings.statuses.items())
        # The database's refusals are answered with a 4xx (config/api/errors.py), but a serializer should have named
        # the field first.
        fallbacks = re.findall(
            r"^(?:Data|Integrity) error answered with a 4\d\d$\n(?:.*\n)*?(\S.*Error: .*)$", server.log(), re.M
        )
        print(f"database refusals answered by the fallback: {len(fallbacks)} {sorted(set(fallbacks))[:10]}")
        assert not findings, (
            f"{len(findings)} findings in {len(findings.by_operation)} operations:\n{findings.report()}\n\n"
            + _server_errors(server.log())
        )


def cross_tenant(operations, globex_ids, session, base_url, headers, findings):
    """Every operation on one of globex's objects, sent with acme's credentials: never a 2xx nor globex's data."""
    sent = 0
    for operation in ordered(operations):
        names = _path_names(operation)
        if not names or not set(names) <= set(globex_ids):
            continue
        path = operation.path.format(**{name: globex_ids[name] for name in names})
        body = {} if operation.method.upper() in ("POST", "PUT", "PATCH") else None
        response = session.request(operation.method.upper(), base_url + path, headers=headers, json=body, timeout=30)
        sent += 1
        if response.status_code < 300 or response.status_code >= 500 or MARKER in response.text.lower():
            findings.add(operation.label, f"{response.status_code} to acme on globex's object: {response.text[:200]}")
    # Alice's credentials on globex's own host: every read without ids (lists, stats, settings) is refused or, for
    # the public ones, carries nothing of globex's.
    on_globex = {**headers, "Host": "globex.localhost"}
    for operation in operations:
        if operation.method.upper() != "GET" or _path_names(operation):
            continue
        response = session.get(base_url + operation.path, headers=on_globex, timeout=30)
        sent += 1
        if response.status_code >= 500 or MARKER in response.text.lower():
            findings.add(operation.label, f"{response.status_code} to acme on globex's host: {response.text[:200]}")
    return sent


def _path_names(operation):
    return re.findall(r"{(\w+)}", operation.path)


def access_token_of_alice():
    from accounts.models import User

    return access_token(User.objects.get(email="alice@example.com"))


def _server_errors(log):
    """The server's tracebacks, each once: from "Traceback" to the exception's line."""
    tracebacks, current = [], None
    for line in log.splitlines():
        if line.startswith("Traceback (most recent call last):"):
            current = [line]
        elif current is not None:
            current.append(line)
            if line and not line[0].isspace():
                tracebacks.append("\n".join(current))
                current = None
    return "Server tracebacks:\n" + "\n\n".join(dict.fromkeys(tracebacks)) if tracebacks else ""
