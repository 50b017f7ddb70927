"""Domain errors say what happened in the domain's terms; only config/api/errors.py gives them an HTTP status."""

import ast

import pytest
from django.db import OperationalError
from psycopg_pool import PoolTimeout

from config import errors
from config.api.errors import exception_handler, headers_of, status_of
from config.tests.test_layering import ROOT, product_modules

KINDS = {name for name in dir(errors) if isinstance(getattr(errors, name), type)}


def domain_error_classes():
    """(module, class node) of every class in our code that derives, by name, from a kind of config/errors.py."""
    parsed = [(module, ast.parse((ROOT / module).read_text())) for _, module in product_modules()]
    known, found, grew = set(KINDS), [], True
    while grew:
        grew = False
        for module, tree in parsed:
            for node in ast.walk(tree):
                bases = {getattr(base, "id", getattr(base, "attr", None)) for base in getattr(node, "bases", [])}
                if isinstance(node, ast.ClassDef) and bases & known and node.name not in known:
                    known.add(node.name)
                    found.append((module, node))
                    grew = True
    return known, found


def test_no_domain_error_names_a_status_or_headers():
    _, classes = domain_error_classes()
    assert classes, "the scan found no domain errors"
    http = sorted(
        f"{module}: {node.name}.{target.id}"
        for module, node in classes
        for statement in node.body
        if isinstance(statement, ast.Assign)
        for target in statement.targets
        if isinstance(target, ast.Name) and target.id in {"status_code", "headers"}
    )
    assert http == []


def test_no_domain_error_is_raised_with_a_status_or_headers():
    known, _ = domain_error_classes()
    raised = sorted(
        f"{module}:{node.lineno}"
        for _, module in product_modules()
        for node in ast.walk(ast.parse((ROOT / module).read_text()))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", None)) in known
        and {keyword.arg for keyword in node.keywords} & {"status_code", "headers"}
    )
    assert raised == []


@pytest.mark.parametrize(
    "error, status",
    [
        (errors.DomainError("x"), 400),
        (errors.NotFound("x"), 404),
        (errors.Forbidden("x"), 403),
        (errors.Conflict("x"), 409),
        (errors.Unauthenticated("x"), 401),
        (errors.Gone("x"), 410),
        (errors.TooLarge("x"), 413),
        (errors.TooManyRequests("x", retry_after_seconds=5), 429),
        (errors.UpstreamError("x"), 502),
        (errors.Unavailable("x"), 503),
    ],
)
def test_each_kind_has_one_status(error, status):
    assert status_of(error) == status


def test_a_wait_becomes_retry_after_and_a_rate_limit_its_headers():
    error = errors.TooManyRequests("x", retry_after_seconds=7, limit=60, remaining=0, reset_seconds=7)
    assert headers_of(error) == {
        "Retry-After": "7",
        "X-RateLimit-Limit": "60",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": "7",
    }


def test_a_view_that_waited_out_the_pool_timeout_answers_503_with_retry_after():
    try:
        try:
            raise PoolTimeout("couldn't get a connection after 10.00 sec")
        except PoolTimeout as timeout:
            raise OperationalError(str(timeout)) from timeout  # as Django's database wrapper raises it
    except OperationalError as error:
        response = exception_handler(error, {})

    assert (response.status_code, response.data["error_code"]) == (503, "database_busy")
    assert response["Retry-After"] == "1"


def test_any_other_operational_error_stays_a_500():
    response = exception_handler(OperationalError("server closed the connection unexpectedly"), {})

    assert (response.status_code, response.data["error_code"]) == (500, "server_error")
